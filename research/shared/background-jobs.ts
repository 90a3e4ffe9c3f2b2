import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { newId, nowIso } from "./ids.js";

export type JobProgress = { done: number; total: number; label: string };
export type BackgroundJob<Report = unknown> = {
  id: string;
  kind: string;
  slug: string;
  userId: string;
  title: string;
  state: "running" | "done" | "failed";
  startedAt: string;
  finishedAt: string | null;
  progress: JobProgress | null;
  report: Report | null;
  error: string | null;
};

const jobs: Map<string, BackgroundJob> = ((globalThis as { __netnoJobs?: Map<string, BackgroundJob> }).__netnoJobs ??= new Map());

/** Where the netno CLI is: scripts/netno.js from the project root (the server build lives in build/). */
function cliPath(): string {
  const candidates = [path.resolve(process.cwd(), "scripts/netno.js")];
  try {
    candidates.push(path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../scripts/netno.js"));
  } catch {
    // import.meta.url is not a file URL in some bundles
  }
  const found = candidates.find((candidate) => existsSync(candidate));
  if (!found) throw new Error("Cannot find scripts/netno.js to run the job.");
  return found;
}

/**
 * Runs a netno CLI command in its own process, so long work (imports, NLP runs) never blocks the web
 * server for other users. The command reports progress as JSON lines on stderr (`--progress-ndjson`)
 * and its result as the last JSON line on stdout.
 */
export function startCliJob<Report>({ kind, slug, userId, title, args, dataDir, cleanup }: { kind: string; slug: string; userId: string; title: string; args: string[]; dataDir: string; cleanup?: string }): BackgroundJob<Report> {
  const job: BackgroundJob<Report> = { id: newId(), kind, slug, userId, title, state: "running", startedAt: nowIso(), finishedAt: null, progress: null, report: null, error: null };
  jobs.set(job.id, job as BackgroundJob);
  const child = spawn(process.execPath, [cliPath(), ...args, "--progress-ndjson"], { env: { ...process.env, NETNO_DATA_DIR: dataDir }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderrRest = "";
  const errors: string[] = [];
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    const lines = (stderrRest + chunk).split("\n");
    stderrRest = lines.pop() ?? "";
    for (const line of lines) {
      try {
        const parsed = JSON.parse(line);
        if (parsed && typeof parsed === "object" && "progress" in parsed) job.progress = parsed.progress;
      } catch {
        if (line.trim()) errors.push(line.replace(/^netno: /, ""));
      }
    }
  });
  child.on("close", async (code) => {
    if (stderrRest.trim()) errors.push(stderrRest.replace(/^netno: /, ""));
    job.finishedAt = nowIso();
    if (code === 0) {
      try {
        job.report = JSON.parse(stdout.trim().split("\n").at(-1) ?? "null");
        job.state = "done";
      } catch {
        job.state = "failed";
        job.error = "The job finished but its report could not be read.";
      }
    } else {
      job.state = "failed";
      job.error = errors.join("\n") || `The job's process ended with code ${code}.`;
    }
    if (cleanup) await rm(cleanup, { recursive: true, force: true });
  });
  child.on("error", (error) => {
    job.state = "failed";
    job.error = `Could not start the job: ${error.message}`;
  });
  return job;
}

/** A job of this project, or null: jobs of other projects are not reachable through it. */
export function getJob<Report = unknown>({ slug, jobId }: { slug: string; jobId: string }): BackgroundJob<Report> | null {
  const job = jobs.get(jobId);
  return job && job.slug === slug ? (job as BackgroundJob<Report>) : null;
}
