import path from "node:path";
import { getJob, startCliJob, type BackgroundJob } from "../shared/background-jobs.js";
import type { CsvField } from "./importers/index.js";
import type { ImportReport } from "./import-files.js";

export type ImportJob = BackgroundJob<ImportReport>;

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

/** Runs an import as a background job (the netno CLI in its own process). */
export function startImportJob(input: StartImportInput): ImportJob {
  const args = ["import", input.slug, ...input.files, "--report-json", "--user", input.userId];
  if (input.format) args.push("--format", input.format);
  if (input.community) args.push("--community", input.community);
  if (input.skipInvalid) args.push("--skip-invalid");
  for (const [field, column] of Object.entries(input.columns ?? {})) if (column) args.push("--map", `${field}=${column}`);
  return startCliJob<ImportReport>({ kind: "import", slug: input.slug, userId: input.userId, title: `Import of ${input.files.map((file) => path.basename(file)).join(", ")}`, args, dataDir: input.dataDir, cleanup: input.cleanup });
}

export function getImportJob({ slug, jobId }: { slug: string; jobId: string }): ImportJob | null {
  const job = getJob<ImportReport>({ slug, jobId });
  return job && job.kind === "import" ? job : null;
}
