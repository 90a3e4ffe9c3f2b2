// Shared helpers of the storage benchmarks: argument reading, medians and percentiles, interleaved
// rounds, child processes timed from outside, a built server on loopback, a durable PostgreSQL.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { findPostgresBin } from "../throwaway-postgres.js";

export const RESULTS_DIR = path.join(os.tmpdir(), "netno-bench-results");

/** `--name value` from the command line, else the fallback. */
export function argString(name: string, fallback: string, argv = process.argv): string {
  const at = argv.indexOf(name);
  return at > 0 && at + 1 < argv.length ? argv[at + 1] : fallback;
}

export function argNumber(name: string, fallback: number, argv = process.argv): number {
  const value = Number(argString(name, String(fallback), argv));
  if (!Number.isFinite(value)) throw new Error(`${name} needs a number`);
  return value;
}

export const hasFlag = (name: string, argv = process.argv) => argv.includes(name);

/** Nearest-rank percentile (p in 0..1): a value that was actually measured, never an interpolation. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * p) - 1))];
}

export const median = (values: number[]) => percentile(values, 0.5);

const round1 = (value: number) => Math.round(value * 10) / 10;

export type Summary = { n: number; median: number; p95: number; min: number; max: number };

/** Median, p95, min and max of timings in ms, rounded to 0.1 ms. */
export function summarize(values: number[]): Summary {
  return {
    n: values.length,
    median: round1(median(values)),
    p95: round1(percentile(values, 0.95)),
    min: round1(Math.min(...values)),
    max: round1(Math.max(...values)),
  };
}

export const ratio = (subject: number, floor: number) => Math.round((subject / floor) * 100) / 100;

/**
 * Runs every side once per round, rotating which side goes first, so drift in the machine's load (other
 * processes, page cache, thermal) falls on all sides alike instead of on whichever runs last.
 */
export async function interleave<T>(
  rounds: number,
  sides: Array<{ name: string; run: (round: number) => Promise<T> }>,
  onResult?: (name: string, round: number, result: T) => void,
): Promise<Record<string, T[]>> {
  const results: Record<string, T[]> = Object.fromEntries(sides.map((side) => [side.name, []]));
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < sides.length; i++) {
      const side = sides[(i + round) % sides.length];
      const result = await side.run(round);
      results[side.name].push(result);
      onResult?.(side.name, round, result);
    }
  }
  return results;
}

export type ProcessResult = {
  ms: number;
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
};

/** Runs a command to its end and times it from outside (spawn to exit): what a user waits for. */
export function timeProcess(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    // A run past its time is killed and reported as timed out, so one slow query cannot stall a run.
    let timedOut = false;
    const timer = options.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          child.kill("SIGKILL");
        }, options.timeoutMs)
      : null;
    child.once("error", reject);
    child.once("close", (code) => {
      if (timer) clearTimeout(timer);
      resolve({ ms: performance.now() - started, code, stdout, stderr, timedOut });
    });
  });
}

/**
 * Runs this TypeScript file again in a child process (`--child <args>`) and returns the JSON object it
 * prints last. Each measured side gets its own process, so its peak memory is its own.
 */
export async function runChild<T>(
  script: string,
  args: string[],
  env?: NodeJS.ProcessEnv,
): Promise<T> {
  const result = await timeProcess(
    process.execPath,
    ["--import", "tsx", script, "--child", ...args],
    { env },
  );
  if (result.code !== 0) {
    throw new Error(
      `child ${args.join(" ")} failed (exit ${result.code}):\n${result.stderr.slice(-4000)}`,
    );
  }
  const last = result.stdout.trim().split("\n").at(-1) ?? "";
  return JSON.parse(last) as T;
}

/** Peak resident memory of this process so far, in MB. */
export const peakRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);

export function machine() {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? "unknown",
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    loadAverage1m: Math.round(os.loadavg()[0] * 100) / 100,
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A free loopback port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Writes a result file under RESULTS_DIR and prints it. */
export async function writeResult(name: string, data: unknown): Promise<string> {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${name}.json`);
  const text = `${JSON.stringify(data, null, 2)}\n`;
  await writeFile(file, text);
  process.stdout.write(text);
  process.stderr.write(`Results written to ${file}\n`);
  return file;
}

export const log = (message: string) =>
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${message}\n`);

export type RunningServer = {
  base: string;
  port: number;
  child: ChildProcess;
  startedAt: number;
  stop(): Promise<void>;
};

/**
 * Starts the built app (`npm run build` first) as production does, on a loopback port, with its own data
 * directory and optionally a PostgreSQL URL. `startedAt` is the moment of the spawn, for ready times.
 */
export async function startServer({
  root,
  dataDir,
  databaseUrl,
}: {
  root: string;
  dataDir: string;
  databaseUrl?: string | null;
}): Promise<RunningServer> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NETNO_DATA_DIR: dataDir,
    PORT: String(port),
    HOST: "127.0.0.1",
    NODE_ENV: "production",
  };
  delete env.NETNO_DATABASE_URL;
  if (databaseUrl) env.NETNO_DATABASE_URL = databaseUrl;
  const startedAt = performance.now();
  const child = spawn(
    process.execPath,
    [
      path.join(root, "node_modules/@remix-run/serve/dist/cli.js"),
      path.join(root, "build/index.js"),
    ],
    {
      cwd: root,
      env,
      stdio: ["ignore", "ignore", "pipe"],
      detached: true,
    },
  );
  let stderr = "";
  child.stderr
    ?.setEncoding("utf8")
    .on("data", (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.once("exit", (code) => {
    if (code && code !== 0) log(`server exited with ${code}: ${stderr}`);
  });
  return {
    base: `http://127.0.0.1:${port}`,
    port,
    child,
    startedAt,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(-child.pid!, "SIGTERM");
      } catch {
        // already gone
      }
      await Promise.race([exited, sleep(5000)]);
      if (child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(-child.pid!, "SIGKILL");
        } catch {
          // already gone
        }
        await exited;
      }
    },
  };
}

/** Polls `probe` every `everyMs` until it returns true; the ms from `since` to that moment. */
export async function waitUntil(
  probe: () => Promise<boolean>,
  {
    since,
    timeoutMs = 600_000,
    everyMs = 25,
  }: { since: number; timeoutMs?: number; everyMs?: number },
): Promise<number> {
  for (;;) {
    let ok = false;
    try {
      ok = await probe();
    } catch {
      ok = false;
    }
    if (ok) return performance.now() - since;
    if (performance.now() - since > timeoutMs) throw new Error(`not ready after ${timeoutMs} ms`);
    await sleep(everyMs);
  }
}

/** One timed GET: the whole body read, so the time is what a browser waits for. */
let closedConnectionRetries = 0;

/** How many requests fetchRetryingClosedConnection sent again (reported beside the figures). */
export function retriesAfterClosedConnection(): number {
  return closedConnectionRetries;
}

/**
 * fetch, once more when the server had just closed an idle keep-alive connection (undici then reports
 * "other side closed" before the request reached the server, so repeating it changes nothing). Happens
 * after a pause longer than the server's keep-alive timeout (5 s), such as a CLI command between rounds.
 */
export async function fetchRetryingClosedConnection(
  url: string,
  init?: RequestInit,
): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (error) {
    const code = (error as { cause?: { code?: string } }).cause?.code;
    if (code !== "UND_ERR_SOCKET" && code !== "ECONNRESET") throw error;
    closedConnectionRetries++;
    return fetch(url, init);
  }
}

export async function timedGet(
  url: string,
  headers: Record<string, string> = {},
  timeoutMs = 120_000,
): Promise<{ ms: number; status: number; bytes: number }> {
  const started = performance.now();
  const signal = AbortSignal.timeout(timeoutMs);
  const response = await fetchRetryingClosedConnection(url, {
    headers,
    redirect: "manual",
    signal,
  });
  const body = await response.arrayBuffer();
  return { ms: performance.now() - started, status: response.status, bytes: body.byteLength };
}

const isRoot = typeof process.getuid === "function" && process.getuid() === 0;

function runAsPostgresOwner(bin: string, args: string[]): void {
  if (isRoot) {
    const quoted = [bin, ...args].map((part) => `'${part.replace(/'/g, "'\\''")}'`).join(" ");
    execFileSync("su", ["postgres", "-s", "/bin/sh", "-c", quoted], { stdio: "pipe" });
  } else {
    execFileSync(bin, args, { stdio: "pipe" });
  }
}

/**
 * A PostgreSQL for benchmarks, like scripts/throwaway-postgres.js but durable (fsync and synchronous
 * commits on, the defaults a team server runs with), so its figures compare fairly with SQLite's
 * `synchronous = FULL`. `durable: false` gives the test server's settings (fsync off).
 */
export async function startBenchPostgres({ durable = true }: { durable?: boolean } = {}): Promise<{
  url: string;
  dir: string;
  stop(): void;
}> {
  const bin = findPostgresBin();
  if (!bin) throw new Error("PostgreSQL binaries not found (apt-get install postgresql).");
  const parent = mkdtempSync(path.join(os.tmpdir(), "netno-bench-pg-"));
  chmodSync(parent, 0o755);
  const dir = path.join(parent, "data");
  if (isRoot) {
    execFileSync("mkdir", ["-p", dir]);
    execFileSync("chown", ["postgres", dir]);
  }
  runAsPostgresOwner(path.join(bin, "initdb"), [
    "-D",
    dir,
    "-A",
    "trust",
    "-U",
    "netno",
    "-E",
    "UTF8",
    "--locale=C.UTF-8",
  ]);
  const port = await freePort();
  const unsafe = durable ? "" : " -c fsync=off -c synchronous_commit=off -c full_page_writes=off";
  const options = `-p ${port} -k ${dir} -h 127.0.0.1 -c max_connections=200${unsafe}`;
  runAsPostgresOwner(path.join(bin, "pg_ctl"), [
    "-D",
    dir,
    "-o",
    options,
    "-l",
    path.join(dir, "log"),
    "-w",
    "start",
  ]);
  let stopped = false;
  return {
    url: `postgres://netno@127.0.0.1:${port}/postgres`,
    dir: parent,
    stop() {
      if (stopped) return;
      stopped = true;
      try {
        runAsPostgresOwner(path.join(bin, "pg_ctl"), ["-D", dir, "-m", "fast", "-w", "stop"]);
      } catch {
        // already gone
      }
      rmSync(parent, { recursive: true, force: true });
    },
  };
}
