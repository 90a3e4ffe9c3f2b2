import { Option, type Command } from "commander";
import cliProgress from "cli-progress";
import { IMPORT_FORMATS, importFiles, type ImportProgress } from "../../research/collection/index.js";
import type { CsvField } from "../../research/collection/importers/index.js";
import { DECLARABLE_ENCODINGS, type DeclaredEncoding } from "../../research/collection/importers/read.js";
import type { DocumentStore } from "../../research/store/index.js";
import { importCodebookFile, importProjectFile } from "../../research/exchange/index.js";
import { printJson, UsageError } from "./output.js";

const CSV_FIELDS: CsvField[] = ["id", "thread", "parent", "author", "body", "timestamp", "title", "url"];

function parseMapping(values: string[]): Partial<Record<CsvField, string>> {
  const mapping: Partial<Record<CsvField, string>> = {};
  for (const value of values.flatMap((entry) => entry.split(","))) {
    const [field, column] = value.split("=").map((part) => part?.trim());
    if (!field || !column || !CSV_FIELDS.includes(field as CsvField)) {
      throw new UsageError(`--map takes FIELD=COLUMN with FIELD one of ${CSV_FIELDS.join(", ")} (got "${value}").`);
    }
    mapping[field as CsvField] = column;
  }
  return mapping;
}

/** `netno import <slug> <file...>`: one summary object with --json, a progress bar on a terminal. */
export function registerImportCommands(program: Command, store: () => DocumentStore): void {
  program
    .command("import <slug> <files...>")
    .description("import community data files (format detected unless --format is given)")
    .addOption(new Option("--format <format>", "the files' format").choices(IMPORT_FORMATS))
    .option("--community <name>", "put every post into this community")
    .option("--skip-invalid", "skip invalid records and list them in the report instead of failing")
    .option("--map <field=column...>", `CSV column mapping (fields: ${CSV_FIELDS.join(", ")})`, [])
    .addOption(new Option("--date-format <order>", "how CSV slash dates (02/01/2020) read, when the file cannot tell").choices(["DD/MM", "MM/DD"]))
    .addOption(new Option("--encoding <name>", "the files' text encoding when they have no byte-order mark (default utf-8)").choices(DECLARABLE_ENCODINGS))
    .option("--json", "print one summary object")
    .addOption(new Option("--progress-ndjson", "write progress as JSON lines on stderr (used by the web app)").hideHelp())
    .addOption(new Option("--report-json", "print the full import report as JSON (used by the web app)").hideHelp())
    .addOption(new Option("--user <id>", "who imports (used by the web app)").hideHelp())
    .exitOverride()
    .action(async (slug: string, files: string[], options: { format?: string; community?: string; skipInvalid?: boolean; map: string[]; dateFormat?: "DD/MM" | "MM/DD"; encoding?: DeclaredEncoding; json?: boolean; progressNdjson?: boolean; reportJson?: boolean; user?: string }) => {
      const refiFiles = files.filter((file) => /\.(qdc|qdpx)$/i.test(file));
      if (refiFiles.length > 0) {
        if (files.length > 1) throw new UsageError("Import one REFI-QDA file (.qdc or .qdpx) at a time, without other files.");
        const file = refiFiles[0];
        const report = /\.qdc$/i.test(file)
          ? await importCodebookFile({ store: store(), slug, file, userId: options.user })
          : await importProjectFile({ store: store(), slug, file, userId: options.user, community: options.community });
        if (options.reportJson) printJson(report);
        else if (options.json) printJson({ codes: report.codes, sources: report.sources, codings: report.codings, skipped: report.skipped });
        else {
          process.stdout.write(`Imported ${report.codes} codes (${report.reusedCodes} reused), ${report.sources} sources, ${report.codings} codings; skipped ${report.skipped}.${report.reading ? ` Positions read as ${report.reading}.` : ""}\n`);
          for (const line of report.notBroughtOver) process.stdout.write(`  not brought over: ${line}\n`);
        }
        return;
      }
      const columns = parseMapping(options.map);
      const bar = !options.progressNdjson && process.stderr.isTTY
        ? new cliProgress.SingleBar({ format: "Importing [{bar}] {percentage}% | {posts} posts | {file}", hideCursor: true, clearOnComplete: true, stream: process.stderr }, cliProgress.Presets.shades_classic)
        : null;
      let started = false;
      let lastReport = 0;
      const onProgress = (progress: ImportProgress) => {
        if (options.progressNdjson) {
          const now = Date.now();
          if (now - lastReport > 200) {
            lastReport = now;
            process.stderr.write(`${JSON.stringify({ progress: { done: progress.bytesRead, total: progress.totalBytes, label: `${progress.posts} posts read` } })}\n`);
          }
          return;
        }
        if (!bar) return;
        if (!started) {
          bar.start(progress.totalBytes, 0, { posts: 0, file: "" });
          started = true;
        }
        bar.update(Math.min(progress.bytesRead, progress.totalBytes), { posts: progress.posts, file: progress.file.split("/").pop() });
      };
      try {
        const report = await importFiles({ store: store(), slug, files, format: options.format, community: options.community, skipInvalid: options.skipInvalid, columns, dateFormat: options.dateFormat, encoding: options.encoding, onProgress, userId: options.user });
        bar?.stop();
        if (options.reportJson) {
          printJson(report);
          return;
        }
        if (options.json) {
          printJson({ posts: report.posts, threads: report.threads, members: report.members, skipped: report.skipped, duplicates: report.duplicates, orphans: report.orphans });
          return;
        }
        process.stdout.write(
          `Imported ${report.posts} posts in ${report.threads} new threads, ${report.members} new members (${report.formats.join(", ")}).\n` +
            `Already present: ${report.duplicates}. Skipped as invalid: ${report.skipped}. Orphans: ${report.orphans}. Not collected upstream: ${report.notCollected}. Deleted upstream: ${report.deletedUpstream}.\n`,
        );
        for (const invalid of report.invalid) {
          process.stdout.write(`  skipped ${invalid.file}${invalid.line ? `:${invalid.line}` : ""}${invalid.record !== undefined ? ` record ${invalid.record}` : ""}${invalid.field ? ` (${invalid.field})` : ""}: ${invalid.message}\n`);
        }
      } catch (error) {
        bar?.stop();
        throw error;
      }
    });
}
