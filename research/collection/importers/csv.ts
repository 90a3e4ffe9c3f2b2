import path from "node:path";
import { parse } from "csv-parse";
import { ResearchError } from "../../shared/errors.js";
import { normalizeText } from "./html.js";
import { NAME_THE_ENCODING, openTextStream, toIsoDate } from "./read.js";
import type { CsvField, ImportEvent, Importer, SlashDateFormat } from "./types.js";

/** 4CAT's minimal export schema, recognised without a mapping. */
const FOURCAT_COLUMNS: Record<CsvField, string> = { id: "id", thread: "thread_id", parent: "parent_id", author: "author", body: "body", timestamp: "timestamp", title: "subject", url: "url" };
/** Other names a column has in 4CAT's exports (its Reddit data source writes `parent`). */
const ALTERNATIVE_COLUMNS: Partial<Record<CsvField, string[]>> = { parent: ["parent"], title: ["title"] };

const SLASH_DATE = /^(\d{1,2})\/(\d{1,2})\/(\d{2}|\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;

/** A slash date in the given order, as UTC (a spreadsheet's dates carry no zone). */
function slashDate(value: string, format: SlashDateFormat): string | null {
  const match = SLASH_DATE.exec(value.trim());
  if (!match) return null;
  const [first, second, rawYear, hour = "0", minute = "0", secondOfMinute = "0"] = match.slice(1);
  const [day, month] = format === "DD/MM" ? [Number(first), Number(second)] : [Number(second), Number(first)];
  const year = rawYear.length === 2 ? 2000 + Number(rawYear) : Number(rawYear);
  const date = new Date(Date.UTC(year, month - 1, day, Number(hour), Number(minute), Number(secondOfMinute)));
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day ? date.toISOString() : null;
}

/**
 * Which order a file's slash dates are in, from the whole column: a first part above 12 means day first,
 * a second part above 12 month first. When no date tells (02/01/2020 only), the researcher must say.
 */
async function slashDateFormatOf(file: string, delimiter: string, column: string): Promise<{ format: SlashDateFormat | null; example: { value: string; line: number } | null }> {
  const { text } = await openTextStream(file);
  const records = text.pipe(parse({ columns: true, bom: true, delimiter, relax_column_count: true, skip_empty_lines: true, info: true }));
  let dayFirst = false;
  let monthFirst = false;
  let example: { value: string; line: number } | null = null;
  for await (const { record, info } of records as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
    const match = SLASH_DATE.exec((record[column] ?? "").trim());
    if (!match) continue;
    example ??= { value: record[column].trim(), line: info.lines };
    if (Number(match[1]) > 12) dayFirst = true;
    if (Number(match[2]) > 12) monthFirst = true;
  }
  if (dayFirst && monthFirst) {
    throw new ResearchError("import-failed", `${path.basename(file)} mixes day/month and month/day dates in column "${column}": they cannot be read either way.`, { file, field: column });
  }
  return { format: dayFirst ? "DD/MM" : monthFirst ? "MM/DD" : null, example };
}
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
      let dateFormat = options.dateFormat;
      try {
        for await (const { record, info } of records as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
          if (!mapping) {
            const headers = Object.keys(record);
            mapping = { ...FOURCAT_COLUMNS, ...options.columns } as Record<CsvField, string | undefined>;
            for (const [field, names] of Object.entries(ALTERNATIVE_COLUMNS) as Array<[CsvField, string[]]>) {
              if (options.columns?.[field] || headers.includes(mapping[field] ?? "")) continue;
              const found = names.find((name) => headers.includes(name));
              if (found) mapping[field] = found;
            }
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
            if (mapping.timestamp && !dateFormat) {
              const found = await slashDateFormatOf(file, delimiter, mapping.timestamp);
              if (found.example && !found.format) {
                throw new ResearchError(
                  "import-failed",
                  `${path.basename(file)}: the dates in column "${mapping.timestamp}" can be read as day/month or as month/day ("${found.example.value}", line ${found.example.line}), and no date in the file tells which. Say which with --date-format DD/MM or --date-format MM/DD.`,
                  { file, line: found.example.line, field: mapping.timestamp },
                );
              }
              dateFormat = found.format ?? undefined;
            }
          }
          const value = (field: CsvField) => (mapping![field] ? (record[mapping![field]!] ?? "").trim() : "");
          const where = { file, line: info.lines };
          // Bytes that are not UTF-8 (a Latin-1 or Windows-1252 export) decode to U+FFFD: refuse the row
          // rather than store mojibake no one notices.
          if (Object.values(record).some((cell) => cell.includes("\uFFFD"))) {
            yield {
              kind: "invalid",
              where,
              message: `The row is not valid UTF-8 text. ${NAME_THE_ENCODING}`,
            } satisfies ImportEvent;
            continue;
          }
          const id = value("id");
          if (!id) {
            yield { kind: "invalid", where: { ...where, field: mapping.id ?? "id" }, message: "The row has no id." } satisfies ImportEvent;
            continue;
          }
          const timestamp = value("timestamp");
          const createdAt = !timestamp ? null : SLASH_DATE.test(timestamp) ? slashDate(timestamp, dateFormat ?? "DD/MM") : toIsoDate(timestamp);
          if (timestamp && !createdAt) {
            yield { kind: "invalid", where: { ...where, field: mapping.timestamp ?? "timestamp" }, message: `"${timestamp}" is not a date or Unix time.` };
            continue;
          }
          const author = value("author");
          // 4CAT's Reddit exports give parents as Reddit fullnames (t1_abc, t3_xyz) and ids without them.
          const local = (reference: string) => (/^t[1-6]_/.test(reference) && !/^t[1-6]_/.test(id) ? reference.slice(3) : reference);
          const thread = local(value("thread")) || id;
          const parent = local(value("parent"));
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
