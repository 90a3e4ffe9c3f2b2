import path from "node:path";
import { parse } from "csv-parse";
import { ResearchError } from "../../shared/errors.js";
import { normalizeText } from "./html.js";
import { openTextStream, toIsoDate } from "./read.js";
import type { CsvField, ImportEvent, Importer } from "./types.js";

/** 4CAT's minimal export schema, recognised without a mapping. */
const FOURCAT_COLUMNS: Record<CsvField, string> = { id: "id", thread: "thread_id", parent: "parent_id", author: "author", body: "body", timestamp: "timestamp", title: "subject", url: "url" };
const REQUIRED: CsvField[] = ["id", "author", "body"];

export const csvImporter: Importer = {
  format: "csv",
  platform: "csv",
  label: "CSV with a column mapping (4CAT's id, thread_id, author, body, timestamp recognised)",
  detect({ fileName, head }) {
    return /\.(csv|tsv)$/i.test(fileName) || /^\uFEFF?"?id"?,/.test(head);
  },
  async *read(files, options) {
    for (const file of files) {
      const { text, source: stream } = await openTextStream(file);
      const delimiter = /\.tsv$/i.test(file) ? "\t" : ",";
      const records = text.pipe(parse({ columns: true, bom: true, delimiter, relax_column_count: false, skip_empty_lines: true, info: true }));
      let mapping: Record<CsvField, string | undefined> | null = null;
      try {
        for await (const { record, info } of records as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
          if (!mapping) {
            const headers = Object.keys(record);
            mapping = { ...FOURCAT_COLUMNS, ...options.columns } as Record<CsvField, string | undefined>;
            for (const field of REQUIRED) {
              const column = mapping[field];
              if (!column || !headers.includes(column)) {
                throw new ResearchError(
                  "import-failed",
                  `${path.basename(file)} has no column "${column ?? field}" for the post's ${field}. Columns found: ${headers.join(", ")}. Map them with --map ${field}=COLUMN (or in the browser).`,
                  { file, line: 1, field },
                );
              }
            }
            for (const field of Object.keys(mapping) as CsvField[]) if (mapping[field] && !headers.includes(mapping[field]!)) mapping[field] = undefined;
          }
          const value = (field: CsvField) => (mapping![field] ? (record[mapping![field]!] ?? "").trim() : "");
          const where = { file, line: info.lines };
          // Bytes that are not UTF-8 (a Latin-1 or Windows-1252 export) decode to U+FFFD: refuse the row
          // rather than store mojibake no one notices.
          if (Object.values(record).some((cell) => cell.includes("\uFFFD"))) {
            yield {
              kind: "invalid",
              where,
              message: "The row is not valid UTF-8 text: re-export the file as UTF-8.",
            } satisfies ImportEvent;
            continue;
          }
          const id = value("id");
          if (!id) {
            yield { kind: "invalid", where: { ...where, field: mapping.id ?? "id" }, message: "The row has no id." } satisfies ImportEvent;
            continue;
          }
          const timestamp = value("timestamp");
          const createdAt = timestamp ? toIsoDate(timestamp) : null;
          if (timestamp && !createdAt) {
            yield { kind: "invalid", where: { ...where, field: mapping.timestamp ?? "timestamp" }, message: `"${timestamp}" is not a date or Unix time.` };
            continue;
          }
          const author = value("author");
          const thread = value("thread") || id;
          const parent = value("parent");
          yield {
            kind: "post",
            post: {
              sourceId: id,
              threadSourceId: thread,
              threadTitle: value("title") || null,
              parentSourceId: parent && parent !== id ? parent : null,
              author: author && author !== "[deleted]" ? { handle: author } : null,
              createdAt,
              html: null,
              text: normalizeText(value("body")),
              url: value("url") || null,
              title: value("title") || null,
              community: null,
            },
          };
          if (info.lines % 5000 === 0) yield { kind: "progress", file, bytesRead: stream.bytesRead };
        }
      } catch (error) {
        if (error instanceof ResearchError) throw error;
        const message = error instanceof Error ? error.message : String(error);
        const line = Number(/line (\d+)/i.exec(message)?.[1]) || undefined;
        throw new ResearchError("import-failed", `${path.basename(file)} is not valid CSV${line ? ` at line ${line}` : ""}: ${message}`, { file, line });
      }
      yield { kind: "progress", file, bytesRead: stream.bytesRead };
    }
  },
};
