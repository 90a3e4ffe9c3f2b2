import { randomBytes } from "node:crypto";
import { statSync } from "node:fs";
import { mkdir, open, readFile, rename, rm } from "node:fs/promises";
import path from "node:path";
import type { Adapter } from "lowdb";
import { ResearchError } from "../shared/errors.js";

/** Test seam: runs after the temporary file is fully written and before it replaces the real one. */
export type BeforeRenameHook = (target: string, tempFile: string) => void | Promise<void>;
let beforeRenameHook: BeforeRenameHook | undefined;

/** Lets tests simulate a crash between writing the temporary file and renaming it. */
export function setBeforeRenameHook(hook: BeforeRenameHook | undefined): void {
  beforeRenameHook = hook;
}

/**
 * A lowdb adapter that never leaves a half-written file: it writes a temporary file in the same folder,
 * flushes it to disk, then renames it over the target (rename is atomic on POSIX file systems).
 * Unlike lowdb's JSONFile it reports a corrupt file instead of letting the caller replace it.
 */
export class AtomicJsonFile<T> implements Adapter<T> {
  readonly filePath: string;

  constructor(filePath: string) {
    this.filePath = filePath;
  }

  async read(): Promise<T | null> {
    let text: string;
    try {
      text = await readFile(this.filePath, "utf8");
    } catch (error) {
      if (isMissingFile(error)) return null;
      throw new ResearchError(
        "unreadable-file",
        `Cannot read data file ${this.filePath}: ${describe(error)}`,
        {
          file: this.filePath,
        },
      );
    }
    if (text.trim() === "") {
      throw new ResearchError(
        "corrupt-file",
        `Data file ${this.filePath} is empty; it was left untouched. Restore it from a backup or remove it.`,
        { file: this.filePath },
      );
    }
    try {
      return JSON.parse(text) as T; // validated by the caller's schema right after
    } catch (error) {
      const line = lineOfJsonError(text, error);
      throw new ResearchError(
        "corrupt-file",
        `Data file ${this.filePath} is not valid JSON${line ? ` (line ${line})` : ""}: ${describe(error)}. ` +
          "It was left untouched; restore it from a backup or repair it by hand.",
        { file: this.filePath, line },
      );
    }
  }

  async write(data: T): Promise<void> {
    await mkdir(path.dirname(this.filePath), { recursive: true });
    const tempFile = `${this.filePath}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
    const handle = await open(tempFile, "w", 0o600);
    try {
      await handle.writeFile(JSON.stringify(data));
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      if (beforeRenameHook) await beforeRenameHook(this.filePath, tempFile);
      await rename(tempFile, this.filePath);
    } catch (error) {
      await rm(tempFile, { force: true });
      throw error;
    }
    await syncDirectory(path.dirname(this.filePath));
  }

  /**
   * A cheap fingerprint used to notice that another process (the CLI) changed the file. Every read of a
   * document takes one (a page view about twenty), so it is a synchronous stat: a few microseconds on the
   * local disk the data directory is on (as SQLite's own reads are), where an asynchronous one went through
   * the thread pool and cost about ten times as much CPU.
   */
  async fingerprint(): Promise<string> {
    try {
      const info = statSync(this.filePath);
      return `${info.mtimeMs}:${info.size}:${info.ino}`;
    } catch (error) {
      if (isMissingFile(error)) return "missing";
      throw error;
    }
  }
}

function isMissingFile(error: unknown): boolean {
  return typeof error === "object" && error !== null && "code" in error && error.code === "ENOENT";
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function lineOfJsonError(text: string, error: unknown): number | undefined {
  const match = /position (\d+)/.exec(describe(error));
  if (!match) return undefined;
  const position = Number(match[1]);
  let line = 1;
  for (let i = 0; i < position && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * A rename is only durable once its folder's entry is on disk: without this a power cut right after an
 * acknowledged write could bring back the previous file. Platforms that cannot open a folder skip it.
 */
export async function syncDirectory(folder: string): Promise<void> {
  let handle;
  try {
    handle = await open(folder, "r");
  } catch {
    return;
  }
  try {
    await handle.sync();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "EINVAL" && code !== "EISDIR" && code !== "EPERM") throw error;
  } finally {
    await handle.close();
  }
}
