import { statSync } from "node:fs";
import { mkdir, readdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import { Low, type Adapter } from "lowdb";
import { lock } from "proper-lockfile";
import { ResearchError, formatIssuePath } from "../shared/errors.js";
import { AtomicJsonFile, syncDirectory } from "./atomic-json-file.js";
import type { DocumentStore, StoredFileKind } from "./document-store.js";
import { sqlLocation, type SqlLocation } from "./sql/database.js";

type VersionedOnDisk = { schemaVersion: number } & Record<string, unknown>;

/** Migrates and validates on read; stamps the schema version on write. */
class VersionedFile<T> implements Adapter<T> {
  constructor(
    private readonly file: AtomicJsonFile<VersionedOnDisk>,
    private readonly kind: StoredFileKind<T>,
  ) {}

  async read(): Promise<T | null> {
    const raw = await this.file.read();
    if (raw === null) return null;
    return parseVersioned(raw, this.kind, this.file.filePath);
  }

  async write(data: T): Promise<void> {
    await this.file.write({ schemaVersion: this.kind.version, ...(data as Record<string, unknown>) });
  }
}

export function parseVersioned<T>(raw: unknown, kind: StoredFileKind<T>, filePath: string): T {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new ResearchError("corrupt-file", `Data file ${filePath} does not hold a JSON object (${kind.description}).`, {
      file: filePath,
    });
  }
  const { schemaVersion, ...rest } = raw as Record<string, unknown>;
  if (typeof schemaVersion !== "number" || !Number.isInteger(schemaVersion) || schemaVersion < 1) {
    throw new ResearchError("corrupt-file", `Data file ${filePath} has no valid "schemaVersion" field.`, {
      file: filePath,
      field: "schemaVersion",
    });
  }
  if (schemaVersion > kind.version) {
    throw new ResearchError(
      "unreadable-file",
      `Data file ${filePath} was written by a newer version of the workbench (schema ${schemaVersion}, this one knows ${kind.version}).`,
      { file: filePath, field: "schemaVersion" },
    );
  }
  let data: Record<string, unknown> = rest;
  for (let version = schemaVersion; version < kind.version; version++) {
    const migrate = kind.migrations?.[version];
    if (!migrate) {
      throw new ResearchError("unreadable-file", `No migration from schema ${version} for ${filePath}.`, {
        file: filePath,
        field: "schemaVersion",
      });
    }
    data = migrate(data);
  }
  const parsed = kind.schema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue ? formatIssuePath(issue.path) : "";
    throw new ResearchError(
      "corrupt-file",
      `Data file ${filePath} (${kind.description}) is invalid at ${field || "its top level"}: ${issue?.message ?? "unknown problem"}. It was left untouched.`,
      { file: filePath, field },
    );
  }
  return parsed.data;
}

type OpenFile = { db: Low<unknown>; file: AtomicJsonFile<VersionedOnDisk>; fingerprint: string | null; kindVersion: number };

/**
 * The embedded default engine: one lowdb instance per file, kept in memory and refreshed when another
 * process (the CLI) changed the file on disk. Writes to a key are chained, so they run one at a time.
 */
export class LowdbDocumentStore implements DocumentStore {
  readonly root: string;
  readonly sqlLocation: SqlLocation;
  private readonly open = new Map<string, OpenFile>();
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(root: string) {
    this.root = path.resolve(root);
    this.sqlLocation = sqlLocation({ dataDir: this.root });
  }

  private resolveKey(key: string): string {
    const resolved = path.resolve(this.root, key);
    if (resolved !== this.root && !resolved.startsWith(this.root + path.sep)) {
      throw new ResearchError("invalid-input", `Storage key "${key}" points outside the data directory.`);
    }
    return resolved;
  }

  private async load<T>(kind: StoredFileKind<T>, key: string): Promise<Low<T>> {
    let entry = this.open.get(key);
    if (!entry || entry.kindVersion !== kind.version) {
      const file = new AtomicJsonFile<VersionedOnDisk>(this.resolveKey(key));
      const db = new Low<unknown>(new VersionedFile(file, kind) as Adapter<unknown>, null);
      entry = { db, file, fingerprint: null, kindVersion: kind.version };
      this.open.set(key, entry);
    }
    const current = await entry.file.fingerprint();
    if (entry.fingerprint !== current) {
      try {
        await entry.db.read();
      } catch (error) {
        this.open.delete(key);
        throw error;
      }
      if (entry.db.data === null) entry.db.data = kind.empty();
      entry.fingerprint = current;
    }
    return entry.db as Low<T>;
  }

  private enqueue<R>(key: string, task: () => Promise<R>): Promise<R> {
    const previous = this.queues.get(key) ?? Promise.resolve();
    const run = previous.then(task, task);
    const settled = run.catch(() => undefined);
    this.queues.set(key, settled);
    void settled.then(() => {
      if (this.queues.get(key) === settled) this.queues.delete(key);
    });
    return run;
  }

  async read<T>(kind: StoredFileKind<T>, key: string): Promise<T> {
    // Reads wait for queued writes to the same key so that a read after an acknowledged write sees it.
    const pending = this.queues.get(key);
    if (pending) await pending;
    const db = await this.load(kind, key);
    return db.data;
  }

  /**
   * Holds the file's lock (a `.lock` directory beside it) while a change is read, made and written, so that
   * the CLI and the web server changing the same file at once never lose each other's writes. A lock left
   * by a crashed process goes stale after a few seconds.
   */
  private async withFileLock<R>(key: string, task: () => Promise<R>): Promise<R> {
    const filePath = this.resolveKey(key);
    await mkdir(path.dirname(filePath), { recursive: true });
    let release: () => Promise<void>;
    try {
      release = await lock(filePath, {
        realpath: false, stale: 10_000, update: 2_000, retries: { retries: 400, factor: 1.2, minTimeout: 5, maxTimeout: 100 },
        // The library's default throws from a timer (crashing the server) when a busy event loop let the lock
        // look stale; the write itself is still atomic, so note it and go on.
        onCompromised: (error) => console.warn(`netno: lock on ${filePath} was taken over: ${error.message}`),
      });
    } catch (error) {
      throw new ResearchError("conflict", `Data file ${filePath} is locked by another process (${error instanceof Error ? error.message : String(error)}). Try again.`, { file: filePath });
    }
    try {
      return await task();
    } finally {
      await release().catch(() => undefined);
    }
  }

  update<T, R = void>(kind: StoredFileKind<T>, key: string, mutate: (data: T) => R | Promise<R>): Promise<R> {
    return this.enqueue(key, () => this.withFileLock(key, async () => {
      // Under the lock: load() re-reads the file if another process changed it since we last did.
      const db = await this.load(kind, key);
      const entry = this.open.get(key);
      try {
        const result = await mutate(db.data);
        const parsed = kind.schema.safeParse(db.data);
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          throw new ResearchError(
            "invalid-input",
            `Refusing to write ${kind.description}: ${issue ? formatIssuePath(issue.path) : ""} ${issue?.message ?? ""}`.trim(),
            { field: issue ? formatIssuePath(issue.path) : undefined },
          );
        }
        await db.write();
        if (entry) entry.fingerprint = await entry.file.fingerprint();
        return result;
      } catch (error) {
        // The in-memory copy may hold the failed change: forget it so the next read comes from disk.
        this.open.delete(key);
        throw error;
      }
    }));
  }

  async exists(key: string): Promise<boolean> {
    try {
      // Synchronous for the same reason as the fingerprint: every project page asks it of project.json.
      statSync(this.resolveKey(key));
      return true;
    } catch {
      return false;
    }
  }

  async list(folderKey: string): Promise<string[]> {
    try {
      const entries = await readdir(this.resolveKey(folderKey));
      return entries.filter((name) => !name.endsWith(".tmp") && !name.endsWith(".lock")).sort();
    } catch (error) {
      if (typeof error === "object" && error && "code" in error && error.code === "ENOENT") return [];
      throw error;
    }
  }

  async remove(key: string): Promise<void> {
    const target = this.resolveKey(key);
    for (const openKey of [...this.open.keys()]) {
      if (openKey === key || openKey.startsWith(`${key}/`)) this.open.delete(openKey);
    }
    await rm(target, { recursive: true, force: true });
  }

  async move(fromKey: string, toKey: string): Promise<void> {
    const to = this.resolveKey(toKey);
    await mkdir(path.dirname(to), { recursive: true });
    for (const openKey of [...this.open.keys()]) {
      if (openKey === fromKey || openKey.startsWith(`${fromKey}/`)) this.open.delete(openKey);
    }
    const from = this.resolveKey(fromKey);
    await rename(from, to);
    await syncDirectory(path.dirname(to));
    if (path.dirname(from) !== path.dirname(to)) await syncDirectory(path.dirname(from));
  }
}
