// A throwaway PostgreSQL server for the tests: Debian's `postgresql` binaries, `initdb` in a temporary
// folder, `pg_ctl` on a free loopback port, removed by `stop()`. Run directly it starts one, prints its URL
// and waits for Ctrl-C (handy for trying the workbench on PostgreSQL by hand).
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

const isRoot = typeof process.getuid === "function" && process.getuid() === 0;

/** The folder with initdb and pg_ctl (Debian keeps them off PATH), or null when PostgreSQL is missing. */
export function findPostgresBin() {
  const base = "/usr/lib/postgresql";
  if (existsSync(base)) {
    const versions = readdirSync(base)
      .filter((name) => existsSync(path.join(base, name, "bin", "initdb")))
      .sort((a, b) => Number(b) - Number(a));
    if (versions.length) return path.join(base, versions[0], "bin");
  }
  const which = spawnSync("sh", ["-c", "command -v initdb"], { encoding: "utf8" });
  return which.status === 0 && which.stdout.trim() ? path.dirname(which.stdout.trim()) : null;
}

/** Installs Debian's postgresql when it is missing and we may (root); true when it is there afterwards. */
export function ensurePostgres() {
  if (findPostgresBin()) return true;
  if (!isRoot) {
    console.error("PostgreSQL is missing. Install it with: sudo apt-get install -y postgresql");
    return false;
  }
  console.log("Installing Debian's postgresql for the storage tests...");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  spawnSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
  spawnSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", "postgresql"], {
    stdio: "inherit",
    env,
  });
  return findPostgresBin() !== null;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Runs a PostgreSQL binary, as the `postgres` user when we are root (initdb refuses to run as root). */
function runAsOwner(bin, args) {
  if (isRoot) {
    const quoted = [bin, ...args].map((part) => `'${part.replace(/'/g, "'\\''")}'`).join(" ");
    execFileSync("su", ["postgres", "-s", "/bin/sh", "-c", quoted], { stdio: "pipe" });
  } else {
    execFileSync(bin, args, { stdio: "pipe" });
  }
}

/** Starts a server; resolves to { url, stop }. */
export async function startThrowawayPostgres() {
  const bin = findPostgresBin();
  if (!bin) throw new Error("PostgreSQL binaries not found (apt-get install postgresql).");
  const parent = mkdtempSync(path.join(os.tmpdir(), "netno-pg-"));
  chmodSync(parent, 0o755);
  const dir = path.join(parent, "data");
  if (isRoot) {
    execFileSync("mkdir", ["-p", dir]);
    execFileSync("chown", ["postgres", dir]);
  }
  const log = path.join(dir, "log");
  try {
    runAsOwner(path.join(bin, "initdb"), [
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
    const options = `-p ${port} -k ${dir} -h 127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
    runAsOwner(path.join(bin, "pg_ctl"), [
      "-D",
      dir,
      "-o",
      options,
      "-l",
      log,
      "-w",
      "-t",
      "120",
      "start",
    ]);
    return running(bin, parent, dir, port);
  } catch (error) {
    // Say why (initdb's or the server's own words), and leave no folder behind.
    const output = [error?.stderr?.toString(), existsSync(log) ? readFileSync(log, "utf8") : ""]
      .filter(Boolean)
      .join("\n");
    try {
      runAsOwner(path.join(bin, "pg_ctl"), ["-D", dir, "-m", "immediate", "-w", "stop"]);
    } catch {
      // not running
    }
    rmSync(parent, { recursive: true, force: true });
    throw new Error(
      `PostgreSQL did not start: ${error instanceof Error ? error.message : error}\n${output.trim().split("\n").slice(-15).join("\n")}`,
    );
  }
}

function running(bin, parent, dir, port) {
  const url = `postgres://netno@127.0.0.1:${port}/postgres`;
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    try {
      runAsOwner(path.join(bin, "pg_ctl"), ["-D", dir, "-m", "immediate", "-w", "stop"]);
    } catch {
      // already gone
    }
    rmSync(parent, { recursive: true, force: true });
  };
  return { url, stop };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (!ensurePostgres()) process.exit(1);
  const { url, stop } = await startThrowawayPostgres();
  console.log(url);
  const end = () => {
    stop();
    process.exit(0);
  };
  process.on("SIGINT", end);
  process.on("SIGTERM", end);
  setInterval(() => undefined, 1 << 30);
}
