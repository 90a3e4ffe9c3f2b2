import { AsyncLocalStorage } from "node:async_hooks";
import { createReadStream, type ReadStream } from "node:fs";
import { open, stat } from "node:fs/promises";
import path from "node:path";
import { createInterface } from "node:readline";
import { Transform, type Readable } from "node:stream";
import { ResearchError } from "../../shared/errors.js";
import type { ImportEvent } from "./types.js";

/** A whole-document JSON file above this size must come as NDJSON, which is streamed. */
export const MAX_JSON_DOCUMENT_BYTES = 512 * 1024 * 1024;

/**
 * How a text file is encoded, from its byte-order mark: UTF-16 files are what a Windows shell redirect
 * (PowerShell's `>`) writes, and they are read like any other. Without a mark, UTF-8.
 */
export type TextEncoding = string;

/**
 * Encodings a researcher can name for a file without a byte-order mark (`--encoding`): what old forum
 * dumps, Windows exports and mailing-list tools write. Names are WHATWG labels, as TextDecoder reads them.
 */
export const DECLARABLE_ENCODINGS = [
  "utf-8",
  "windows-1252",
  "iso-8859-15",
  "iso-8859-2",
  "windows-1250",
  "windows-1251",
  "koi8-r",
  "utf-16le",
  "utf-16be",
  "shift_jis",
  "euc-jp",
  "gb18030",
  "big5",
  "euc-kr",
] as const;
export type DeclaredEncoding = (typeof DECLARABLE_ENCODINGS)[number];

/** The encoding the importing researcher declared, for every file read while the import runs. */
const declaredEncoding = new AsyncLocalStorage<DeclaredEncoding | undefined>();

/** Runs an import's reading with a declared encoding (undefined: UTF-8 unless a byte-order mark says). */
export function withDeclaredEncoding<T>(
  encoding: DeclaredEncoding | undefined,
  work: () => Promise<T>,
): Promise<T> {
  return declaredEncoding.run(encoding, work);
}

/** The sentence every "not UTF-8" message ends with: how to import the file as it is. */
export const NAME_THE_ENCODING =
  "Re-export it as UTF-8, or name its encoding (for Latin-1 files from Windows: --encoding windows-1252, or the upload form's Encoding).";

export function encodingOfBytes(bytes: Uint8Array): TextEncoding {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return "utf-16le";
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return "utf-16be";
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return "utf-8";
  return declaredEncoding.getStore() ?? "utf-8";
}

async function encodingOfFile(file: string): Promise<TextEncoding> {
  const handle = await open(file, "r");
  try {
    const buffer = Buffer.alloc(3);
    const { bytesRead } = await handle.read(buffer, 0, 3, 0);
    return encodingOfBytes(buffer.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

/**
 * A file's text as a stream, whatever its encoding: UTF-8 files are the bytes themselves (readline and
 * the CSV parser decode them), UTF-16 files are decoded here. `source` counts the bytes read, for progress.
 */
export async function openTextStream(
  file: string,
): Promise<{ text: Readable; source: ReadStream; encoding: TextEncoding }> {
  const encoding = await encodingOfFile(file);
  const source = createReadStream(file);
  if (encoding === "utf-8") return { text: source, source, encoding };
  const decoder = new TextDecoder(encoding);
  const text = source.pipe(
    new Transform({
      transform(chunk: Buffer, _encoding, done) {
        done(null, decoder.decode(chunk, { stream: true }));
      },
      flush(done) {
        done(null, decoder.decode());
      },
    }),
  );
  source.on("error", (error) => text.destroy(error));
  return { text, source, encoding };
}

/** Reads the first bytes of a file for format detection. */
export async function readHead(file: string, bytes = 64 * 1024): Promise<string> {
  const handle = await open(file, "r");
  try {
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
    const head = buffer.subarray(0, bytesRead);
    return new TextDecoder(encodingOfBytes(head)).decode(head).replace(/^\uFEFF/, "");
  } finally {
    await handle.close();
  }
}

/** Reads and parses a JSON document, with an error that names the file and the line of a syntax error. */
export async function readJsonDocument(file: string): Promise<unknown> {
  const info = await stat(file);
  if (info.size > MAX_JSON_DOCUMENT_BYTES) {
    throw new ResearchError(
      "import-failed",
      `${path.basename(file)} is ${(info.size / 1024 ** 3).toFixed(1)} GB: too large to read as one JSON document. Export it as NDJSON (one record per line), which is read as a stream.`,
      { file },
    );
  }
  const bytes = await import("node:fs/promises").then((fs) => fs.readFile(file));
  const encoding = encodingOfBytes(bytes);
  let text: string;
  try {
    text = new TextDecoder(encoding, { fatal: true }).decode(bytes).replace(/^\uFEFF/, "");
  } catch {
    if (encoding !== "utf-8")
      throw new ResearchError(
        "import-failed",
        `${path.basename(file)} is read as ${encoding.toUpperCase()} text but holds bytes that are not. ${NAME_THE_ENCODING}`,
        { file },
      );
    throw new ResearchError(
      "import-failed",
      `${path.basename(file)} is not valid UTF-8 text. ${NAME_THE_ENCODING}`,
      { file, line: lineOfFirstInvalidByte(bytes) },
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = Number(/position (\d+)/.exec(message)?.[1] ?? NaN);
    const line = Number.isFinite(position) ? text.slice(0, position).split("\n").length : undefined;
    throw new ResearchError(
      "import-failed",
      `${path.basename(file)} is not valid JSON${line ? ` at line ${line}` : ""}: ${message}`,
      { file, line },
    );
  }
}

function lineOfFirstInvalidByte(bytes: Uint8Array): number {
  let line = 1;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 10) line++;
    try {
      if (bytes[i] >= 0x80) {
        new TextDecoder("utf-8", { fatal: true }).decode(
          bytes.subarray(Math.max(0, i - 3), Math.min(bytes.length, i + 4)),
        );
      }
    } catch {
      return line;
    }
  }
  return line;
}

/**
 * Streams an NDJSON file line by line (memory stays bounded), yielding parsed records with their line
 * numbers, invalid lines as events, and progress every few thousand lines.
 */
export async function* readNdjson(
  file: string,
): AsyncGenerator<{ line: number; value: unknown } | ImportEvent> {
  const { text, source: stream, encoding } = await openTextStream(file);
  const lines = createInterface({ input: text, crlfDelay: Infinity });
  let lineNumber = 0;
  for await (const rawLine of lines) {
    lineNumber++;
    const line = lineNumber === 1 ? rawLine.replace(/^\uFEFF/, "") : rawLine;
    if (line.trim() === "") continue;
    if (line.includes("\uFFFD")) {
      yield {
        kind: "invalid",
        where: { file, line: lineNumber },
        message: `The line is not valid ${encoding.toUpperCase()} text. ${NAME_THE_ENCODING}`,
      };
      continue;
    }
    try {
      yield { line: lineNumber, value: JSON.parse(line) };
    } catch (error) {
      yield {
        kind: "invalid",
        where: { file, line: lineNumber },
        message: `Not valid JSON${error instanceof Error ? `: ${error.message}` : ""}. (A truncated last line means the file was cut off.)`,
      };
    }
    if (lineNumber % 5000 === 0) yield { kind: "progress", file, bytesRead: stream.bytesRead };
  }
  yield { kind: "progress", file, bytesRead: stream.bytesRead };
}

/** Whether the first non-empty line of a file is a JSON object (NDJSON) rather than the start of a document. */
export function looksLikeNdjson(head: string): boolean {
  const lines = head.split("\n").filter((line) => line.trim());
  if (lines.length < 1) return false;
  try {
    const first = JSON.parse(lines[0]);
    return (
      typeof first === "object" &&
      first !== null &&
      !Array.isArray(first) &&
      (lines.length > 1 || head.trim() === lines[0].trim())
    );
  } catch {
    return false;
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Converts a Unix time in seconds (or milliseconds) or a date string to ISO 8601, or null. */
export function toIsoDate(value: unknown): string | null {
  if (value === null || value === undefined || value === "") return null;
  if (typeof value === "number" || (typeof value === "string" && /^\d+(\.\d+)?$/.test(value))) {
    const number = Number(value);
    const ms = number > 1e12 ? number : number * 1000;
    const date = new Date(ms);
    return Number.isNaN(date.getTime()) ? null : date.toISOString();
  }
  if (typeof value === "string") {
    // Stack Exchange and 4CAT dates have no zone: they are UTC, wherever the server runs.
    const text = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value)
      ? `${value.replace(" ", "T")}Z`
      : value;
    const date = new Date(text);
    return Number.isNaN(date.getTime()) ? null : date.toISOString();
  }
  return null;
}
