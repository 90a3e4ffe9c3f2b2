import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { hostname } from "node:os";
import { rm } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Selectable } from "kysely";
import { requireProject } from "../projects/projects.js";
import { getStore, sqlFor, type DocumentStore, type SqlLocation } from "../store/index.js";
import type { JobsTable } from "../store/sql/schema.js";
import { newId, nowIso } from "./ids.js";

export type JobProgress = { done: number; total: number; label: string };
export type JobState = "running" | "done" | "failed";
export type BackgroundJob<Report = unknown> = {
  id: string;
  kind: string;
  slug: string;
  userId: string;
  title: string;
  state: JobState;
  startedAt: string;
  finishedAt: string | null;
  progress: JobProgress | null;
  report: Report | null;
  error: string | null;
};

/**
 * Jobs live in the `jobs` table, so a job page survives a server restart and is the same on every app
 * server. The process that started a job also keeps it here until its last state is stored: that copy is
 * the freshest (progress is written at most every PROGRESS_WRITE_MS) and covers the moment between
 * starting the child and the row's insert.
 */
type LiveJob = { job: BackgroundJob; store: DocumentStore; projectId: Promise<string | null> };
const live: Map<string, LiveJob> = ((
  globalThis as { __netnoLiveJobs?: Map<string, LiveJob> }
).__netnoLiveJobs ??= new Map());

/**
 * Each job is a process doing heavy work: too many at once would starve the server (and its other users)
 * of CPU and memory. Beyond NETNO_MAX_JOBS running on this server (default 2), or NETNO_MAX_JOBS_PER_USER
 * for one person (default 1), a job waits in a queue and starts when one ends.
 */
type QueuedJob = {
  job: BackgroundJob;
  input: StartCliJobInput;
  store: DocumentStore;
  projectId: Promise<string | null>;
};
const queue: QueuedJob[] = ((globalThis as { __netnoJobQueue?: QueuedJob[] }).__netnoJobQueue ??=
  []);
const running: Set<string> = ((
  globalThis as { __netnoRunningJobs?: Set<string> }
).__netnoRunningJobs ??= new Set());
const QUEUED_LABEL = "Waiting for other jobs to finish";

function configuredCap(variable: string, fallback: number): number {
  const value = Number(process.env[variable]);
  return Number.isInteger(value) && value > 0 ? value : fallback;
}
const maxJobsPerServer = () => configuredCap("NETNO_MAX_JOBS", 2);
const maxJobsPerUser = () => configuredCap("NETNO_MAX_JOBS_PER_USER", 1);

function runningCount(): number {
  return running.size;
}

function hasFreeSlot(userId: string): boolean {
  if (runningCount() >= maxJobsPerServer()) return false;
  let mine = 0;
  for (const id of running) if (live.get(id)?.job.userId === userId) mine++;
  return mine < maxJobsPerUser();
}

/** Progress lines can come hundreds of times a second; the database hears of them at most this often. */
const PROGRESS_WRITE_MS = 250;

/**
 * A job's process works for the server that started it. When that server is gone (a restart, kill -9)
 * nobody would store the outcome, and the page would call a finished import failed; so the process stops
 * too (its transaction is rolled back) and the job reads as failed with nothing half-done. The variable
 * is set only for job processes started by startCliJob.
 */
const parentOfJob = Number(process.env.NETNO_JOB_PARENT_PID);
if (parentOfJob > 0) {
  const stopWhenOrphaned = () => {
    if (process.ppid !== parentOfJob) process.exit(1);
  };
  // At once as well: a server that died while this process was starting must not get work done that
  // nobody would record as done.
  stopWhenOrphaned();
  setInterval(stopWhenOrphaned, 500).unref();
}

/**
 * Called by a job's own process when its command succeeded: it stores the outcome itself, so a job whose
 * work committed reads as done even when the server that started it died before hearing of the end.
 * The server's own final write, when it comes, stores the same. Does nothing outside a job process.
 */
export async function recordOwnJobOutcome(store: DocumentStore, report: unknown): Promise<void> {
  const jobId = process.env.NETNO_JOB_ID;
  if (!jobId) return;
  const { db } = await sqlFor(store);
  await db
    .updateTable("jobs")
    .set({
      state: "done",
      finished_at: nowIso(),
      report: JSON.stringify(report ?? null),
      error: null,
    })
    .where("id", "=", jobId)
    .where("state", "=", "running")
    .execute();
}

/** Where the netno CLI is: scripts/netno.js from the project root (the server build lives in build/). */
function cliPath(): string {
  const candidates = [path.resolve(process.cwd(), "scripts/netno.js")];
  try {
    candidates.push(
      path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../scripts/netno.js"),
    );
  } catch {
    // import.meta.url is not a file URL in some bundles
  }
  const found = candidates.find((candidate) => existsSync(candidate));
  if (!found) throw new Error("Cannot find scripts/netno.js to run the job.");
  return found;
}

/** The `NETNO_DATABASE_URL` that makes a child process open the same tables as this store. */
function databaseUrlOf(location: SqlLocation): string | null {
  if (location.engine === "sqlite") return null;
  if (!location.schema) return location.url;
  const url = new URL(location.url);
  url.searchParams.set("schema", location.schema);
  return url.toString();
}

export type StartCliJobInput = {
  kind: string;
  slug: string;
  userId: string;
  title: string;
  args: string[];
  dataDir: string;
  /** The store of that data directory (default: the process-wide one for `dataDir`). */
  store?: DocumentStore;
  /** A folder to delete once the job ended (uploaded files). */
  cleanup?: string;
};

/**
 * Runs a netno CLI command in its own process, so long work (imports, NLP runs, suggestions) never blocks
 * the web server for other users. The command reports progress as JSON lines on stderr
 * (`--progress-ndjson`) and its result as the last JSON line on stdout; this process stores both in the
 * `jobs` table as they arrive. Returns at once, with the job's id for its page.
 */
export function startCliJob<Report>(input: StartCliJobInput): BackgroundJob<Report> {
  const store = input.store ?? getStore(input.dataDir);
  const job: BackgroundJob<Report> = {
    id: newId(),
    kind: input.kind,
    slug: input.slug,
    userId: input.userId,
    title: input.title,
    state: "running",
    startedAt: nowIso(),
    finishedAt: null,
    progress: null,
    report: null,
    error: null,
  };
  if (hasFreeSlot(input.userId)) {
    launchCliJob(job, input, store);
    return job;
  }
  // Over the cap: the job waits in this server's queue. Its row names this server's process, so if the
  // server dies before the job starts, the job reads as failed like any interrupted one.
  job.progress = { done: 0, total: 0, label: QUEUED_LABEL };
  const projectId = insertJobRow(store, job, process.pid);
  live.set(job.id, { job, store, projectId });
  queue.push({ job, input, store, projectId });
  return job;
}

/** Starts queued jobs while there is room, oldest first, skipping users already at their cap. */
function startQueuedJobs(): void {
  for (let i = 0; i < queue.length;) {
    const next = queue[i];
    if (runningCount() >= maxJobsPerServer()) return;
    if (!hasFreeSlot(next.job.userId)) {
      i++;
      continue;
    }
    queue.splice(i, 1);
    next.job.progress = null;
    launchCliJob(next.job, next.input, next.store, next.projectId);
  }
}

function launchCliJob<Report>(
  job: BackgroundJob<Report>,
  input: StartCliJobInput,
  store: DocumentStore,
  storedRow?: Promise<string | null>,
): void {
  running.add(job.id);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NETNO_DATA_DIR: input.dataDir,
    NETNO_JOB_PARENT_PID: String(process.pid),
    NETNO_JOB_ID: job.id,
  };
  const databaseUrl = databaseUrlOf(store.sqlLocation);
  if (databaseUrl) env.NETNO_DATABASE_URL = databaseUrl;
  else delete env.NETNO_DATABASE_URL;
  const child = spawn(process.execPath, [cliPath(), ...input.args, "--progress-ndjson"], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });

  const projectId = storedRow
    ? storedRow.then(async (id) => {
        if (id)
          await updateJobRow({ job, store, projectId: storedRow }, { pid: child.pid ?? null });
        return id;
      })
    : insertJobRow(store, job, child.pid ?? null);
  const entry: LiveJob = { job, store, projectId };
  live.set(job.id, entry);
  // Writes to the job's row go one after another, so a late progress write never overwrites the end.
  let writes: Promise<unknown> = projectId;
  const write = (columns: Partial<Selectable<JobsTable>>) => {
    writes = writes.then(() => updateJobRow(entry, columns)).catch(() => undefined);
    return writes;
  };
  let progressTimer: NodeJS.Timeout | null = null;
  let lastProgressWrite = 0;
  const scheduleProgressWrite = () => {
    if (progressTimer) return;
    const wait = Math.max(0, lastProgressWrite + PROGRESS_WRITE_MS - Date.now());
    progressTimer = setTimeout(() => {
      progressTimer = null;
      lastProgressWrite = Date.now();
      void write({ progress: JSON.stringify(job.progress) });
    }, wait);
  };

  let stdout = "";
  let stderrRest = "";
  const errors: string[] = [];
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    const lines = (stderrRest + chunk).split("\n");
    stderrRest = lines.pop() ?? "";
    for (const line of lines) {
      const progress = parseProgressLine(line);
      if (progress) {
        job.progress = progress;
        scheduleProgressWrite();
      } else if (line.trim()) errors.push(line.replace(/^netno: /, ""));
    }
  });
  let ended = false;
  const finish = async () => {
    if (progressTimer) clearTimeout(progressTimer);
    progressTimer = null;
    await write({
      state: job.state,
      finished_at: job.finishedAt,
      progress: job.progress ? JSON.stringify(job.progress) : null,
      report: job.report === null ? null : JSON.stringify(job.report),
      error: job.error,
    });
    live.delete(job.id);
    if (input.cleanup) await rm(input.cleanup, { recursive: true, force: true });
  };
  const release = () => {
    running.delete(job.id);
    startQueuedJobs();
  };
  child.on("close", release);
  child.on("error", release);
  child.on("close", (code) => {
    if (ended) return;
    ended = true;
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
      job.error =
        readableJobError(errors, input.cleanup) || `The job's process ended with code ${code}.`;
    }
    void finish();
  });
  child.on("error", (error) => {
    if (ended) return;
    ended = true;
    job.state = "failed";
    job.finishedAt = nowIso();
    job.error = `Could not start the job: ${error.message}`;
    void finish();
  });
}

/**
 * What the job page shows of a failed command: its messages without stack frames, and without the
 * temporary folder an upload was saved in (the person knows the file by its name).
 */
export function readableJobError(lines: string[], temporaryFolder: string | undefined): string {
  return lines
    .filter((line) => !/^\s+at\s/.test(line))
    .map((line) => line.replace(/^unexpected error: (\w*Error: )?/, "Unexpected error: "))
    .map((line) =>
      temporaryFolder
        ? line
            .split(temporaryFolder + path.sep)
            .join("")
            .split(temporaryFolder)
            .join("")
        : line,
    )
    .join("\n")
    .trim();
}

function parseProgressLine(line: string): JobProgress | null {
  if (!line.startsWith("{")) return null;
  try {
    const parsed: unknown = JSON.parse(line);
    if (!parsed || typeof parsed !== "object" || !("progress" in parsed)) return null;
    const progress: unknown = parsed.progress;
    if (!progress || typeof progress !== "object") return null;
    const { done, total, label } = progress as Record<string, unknown>;
    return {
      done: Number(done) || 0,
      total: Number(total) || 0,
      label: typeof label === "string" ? label : "",
    };
  } catch {
    return null;
  }
}

/** Stores a new job; resolves to its project's id (null when the project is gone or the write failed). */
async function insertJobRow(
  store: DocumentStore,
  job: BackgroundJob,
  pid: number | null,
): Promise<string | null> {
  try {
    const project = await requireProject({ store, slug: job.slug });
    const { db } = await sqlFor(store);
    await db
      .insertInto("jobs")
      .values({
        id: job.id,
        project_id: project.id,
        kind: job.kind,
        user_id: job.userId,
        title: job.title,
        state: job.state,
        started_at: job.startedAt,
        finished_at: null,
        progress: null,
        report: null,
        error: null,
        pid,
        host: hostname(),
      })
      .execute();
    return project.id;
  } catch (error) {
    // The job still runs and its page still works from this process; only a restart would lose it.
    console.warn(
      `netno: could not store job ${job.id}: ${error instanceof Error ? error.message : String(error)}`,
    );
    return null;
  }
}

async function updateJobRow(
  entry: LiveJob,
  columns: Partial<Selectable<JobsTable>>,
): Promise<void> {
  const projectId = await entry.projectId;
  if (!projectId) return;
  const { db } = await sqlFor(entry.store);
  await db
    .updateTable("jobs")
    .set(columns)
    .where("id", "=", entry.job.id)
    .where("project_id", "=", projectId)
    .execute();
}

/** Whether a process still exists (on this machine): signal 0 checks without sending anything. */
function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

const DIED =
  "The job's process ended without finishing (the server restarted or the process was stopped). " +
  "Start it again.";

function toJob<Report>(row: Selectable<JobsTable>, slug: string): BackgroundJob<Report> {
  return {
    id: row.id,
    kind: row.kind,
    slug,
    userId: row.user_id,
    title: row.title,
    state: row.state === "done" || row.state === "failed" ? row.state : "running",
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    progress: parseJson<JobProgress>(row.progress),
    report: parseJson<Report>(row.report),
    error: row.error,
  };
}

function parseJson<T>(text: string | null): T | null {
  if (text === null) return null;
  try {
    // Written by this module from the CLI's own JSON: the shape is the job kind's report.
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
}

/**
 * A stored job that says it runs but whose process is gone (server restart, kill -9) is failed: it is
 * marked so once, and shown so.
 */
async function settleDeadJob<Report>(
  store: DocumentStore,
  row: Selectable<JobsTable>,
  slug: string,
): Promise<BackgroundJob<Report>> {
  const job = toJob<Report>(row, slug);
  if (job.state !== "running" || live.has(job.id)) return job;
  // Another app server's process cannot be seen from here: that server settles its own jobs.
  if (row.host !== null && row.host !== hostname()) return job;
  if (row.pid !== null && isProcessAlive(Number(row.pid))) return job;
  const finishedAt = nowIso();
  const { db } = await sqlFor(store);
  await db
    .updateTable("jobs")
    .set({ state: "failed", finished_at: finishedAt, error: DIED })
    .where("id", "=", row.id)
    .where("state", "=", "running")
    .execute();
  return { ...job, state: "failed", finishedAt, error: DIED };
}

/** A job of this project, or null: jobs of other projects are not reachable through it. */
export async function getJob<Report = unknown>({
  store,
  slug,
  jobId,
  kind,
}: {
  store: DocumentStore;
  slug: string;
  jobId: string;
  kind?: string;
}): Promise<BackgroundJob<Report> | null> {
  const running = live.get(jobId);
  if (running && running.job.slug === slug && (!kind || running.job.kind === kind)) {
    return { ...running.job } as BackgroundJob<Report>;
  }
  const project = await requireProject({ store, slug });
  const { db } = await sqlFor(store);
  let query = db
    .selectFrom("jobs")
    .selectAll()
    .where("id", "=", jobId)
    .where("project_id", "=", project.id);
  if (kind) query = query.where("kind", "=", kind);
  const row = await query.executeTakeFirst();
  return row ? settleDeadJob<Report>(store, row, slug) : null;
}

/** The project's most recently started job of a kind (running or not), or null. */
export async function getLatestJob<Report = unknown>({
  store,
  slug,
  kind,
}: {
  store: DocumentStore;
  slug: string;
  kind: string;
}): Promise<BackgroundJob<Report> | null> {
  const project = await requireProject({ store, slug });
  const { db } = await sqlFor(store);
  const row = await db
    .selectFrom("jobs")
    .selectAll()
    .where("project_id", "=", project.id)
    .where("kind", "=", kind)
    .orderBy("started_at", "desc")
    .orderBy("id", "desc")
    .limit(1)
    .executeTakeFirst();
  const running = [...live.values()].find(
    (entry) => entry.job.slug === slug && entry.job.kind === kind,
  );
  // A job this process just started may not be stored yet, and its live copy has the freshest progress.
  if (running && (!row || running.job.startedAt >= row.started_at))
    return { ...running.job } as BackgroundJob<Report>;
  return row ? settleDeadJob<Report>(store, row, slug) : null;
}

/** Resolves once every job this process started has ended and stored its last state (tests, shutdown). */
export async function waitForJobs(): Promise<void> {
  while (live.size > 0) await new Promise((resolve) => setTimeout(resolve, 50));
}
