import type { DeclaredEncoding } from "./importers/read.js";
import path from "node:path";
import { getJob, startCliJob, type BackgroundJob } from "../shared/background-jobs.js";
import type { DocumentStore } from "../store/index.js";
import type { CsvField, SlashDateFormat } from "./importers/index.js";
import type { RefiImportReport } from "../exchange/import-refi.js";
import type { ImportReport } from "./import-files.js";

/** The report of an upload: community data, or a REFI-QDA codebook or project (`.qdc`, `.qdpx`). */
export type UploadReport = ImportReport | RefiImportReport;

export type ImportJob = BackgroundJob<UploadReport>;

/** Whether an upload brought a REFI-QDA file (codes and codings) rather than community data. */
export function isRefiImportReport(report: UploadReport): report is RefiImportReport {
  return "codes" in report && "codings" in report;
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
  dateFormat?: SlashDateFormat;
  encoding?: DeclaredEncoding;
  /** A folder to delete once the import ended (uploaded files). */
  cleanup?: string;
  /** The store of `dataDir` (default: the process-wide one). */
  store?: DocumentStore;
};

/** The `netno import` command line a background import runs: the CLI's flags, one per option given. */
export function importJobArgs(input: Omit<StartImportInput, "dataDir">): string[] {
  const args = ["import", input.slug, ...input.files, "--report-json", "--user", input.userId];
  if (input.format) args.push("--format", input.format);
  if (input.community) args.push("--community", input.community);
  if (input.skipInvalid) args.push("--skip-invalid");
  if (input.dateFormat) args.push("--date-format", input.dateFormat);
  if (input.encoding) args.push("--encoding", input.encoding);
  for (const [field, column] of Object.entries(input.columns ?? {})) {
    if (column) args.push("--map", `${field}=${column}`);
  }
  return args;
}

/** Runs an import as a background job (the netno CLI in its own process). */
export function startImportJob(input: StartImportInput): ImportJob {
  const args = importJobArgs(input);
  return startCliJob<UploadReport>({
    kind: "import",
    slug: input.slug,
    userId: input.userId,
    title: `Import of ${input.files.map((file) => path.basename(file)).join(", ")}`,
    args,
    dataDir: input.dataDir,
    store: input.store,
    cleanup: input.cleanup,
  });
}

/** An import job of this project (from the `jobs` table, so it survives a restart), or null. */
export function getImportJob({
  store,
  slug,
  jobId,
}: {
  store: DocumentStore;
  slug: string;
  jobId: string;
}): Promise<ImportJob | null> {
  return getJob<UploadReport>({ store, slug, jobId, kind: "import" });
}
