import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { newId, nowIso } from "../shared/ids.js";
import type { CsvField } from "./importers/index.js";
import type { ImportProgress, ImportReport } from "./import-files.js";

export type ImportJob = {
  id: string;
  slug: string;
  userId: string;
  fileNames: string[];
  state: "running" | "done" | "failed";
  startedAt: string;
  finishedAt: string | null;
  progress: ImportProgress | null;
  report: ImportReport | null;
  error: string | null;
};

const jobs: Map<string, ImportJob> = ((globalThis as { __netnoImportJobs?: Map<string, ImportJob> }).__netnoImportJobs ??= new Map());

/** Where the netno CLI is: next to the research core in the source tree (the server build lives in build/). */
function cliPath(): string {
  const candidates = [path.resolve(process.cwd(), "scripts/netno.js")];
  try {
    candidates.push(path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../scripts/netno.js"));
  } catch {
    // import.meta.url is not a file URL in some bundles
  }
  const found = candidates.find((candidate) => existsSync(candidate));
  if (!found) throw new Error("Cannot find scripts/netno.js to run the import.");
  return found;
}

export type StartImportInput = {
  dataDir: string;
  slug: string;
  userId: string;
  files: string[];
  format?: string;
  community?: string;
  skipInvalid?: boolean;
  columns?: Partial<Record<CsvField, string>>;
  /** A folder to delete once the import ended (uploaded files). */
  cleanup?: string;
};

/**
 * Runs an import in a separate process (the netno CLI), so that parsing a large file never blocks the
 * web server for other users; progress and the report come back as JSON lines.
 */
export function startImportJob(input: StartImportInput): ImportJob {
  const job: ImportJob = {
    id: newId(), slug: input.slug, userId: input.userId, fileNames: input.files.map((file) => path.basename(file)), state: "running",
    startedAt: nowIso(), finishedAt: null, progress: null, report: null, error: null,
  };
  jobs.set(job.id, job);
  const args = [cliPath(), "import", input.slug, ...input.files, "--report-json", "--progress-ndjson", "--user", input.userId];
  if (input.format) args.push("--format", input.format);
  if (input.community) args.push("--community", input.community);
  if (input.skipInvalid) args.push("--skip-invalid");
  for (const [field, column] of Object.entries(input.columns ?? {})) if (column) args.push("--map", `${field}=${column}`);
  const child = spawn(process.execPath, args, { env: { ...process.env, NETNO_DATA_DIR: input.dataDir }, stdio: ["ignore", "pipe", "pipe"] });
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
        job.error = "The import finished but its report could not be read.";
      }
    } else {
      job.state = "failed";
      job.error = errors.join("\n") || `The import process ended with code ${code}.`;
    }
    if (input.cleanup) await rm(input.cleanup, { recursive: true, force: true });
  });
  child.on("error", (error) => {
    job.state = "failed";
    job.error = `Could not start the import: ${error.message}`;
  });
  return job;
}

/** A job of this project, or null (jobs of other projects are not visible through it). */
export function getImportJob({ slug, jobId }: { slug: string; jobId: string }): ImportJob | null {
  const job = jobs.get(jobId);
  return job && job.slug === slug ? job : null;
}
