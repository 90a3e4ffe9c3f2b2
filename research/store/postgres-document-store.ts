import path from "node:path";
import { ResearchError, formatIssuePath } from "../shared/errors.js";
import { nowIso } from "../shared/ids.js";
import type { DocumentStore, StoredFileKind } from "./document-store.js";
import { parseVersioned } from "./lowdb-store.js";
import { openSql, type SqlLocation } from "./sql/database.js";

/** How often a change is retried when another server changed the same document in between. */
const MAX_ATTEMPTS = 40;

/**
 * Documents in PostgreSQL (team servers): one row per key in `documents`, JSON text with a version.
 * A change reads the row, applies the change and writes it only if the version is still the one read
 * (optimistic concurrency), so several app servers on one database never lose each other's changes.
 * Validation, schema versions and migrations are the same as for the lowdb files.
 */
export class PostgresDocumentStore implements DocumentStore {
  readonly root: string;
  readonly sqlLocation: SqlLocation;
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(root: string, sqlLocation: SqlLocation) {
    if (sqlLocation.engine !== "postgres") throw new Error("PostgresDocumentStore needs a PostgreSQL location.");
    this.root = path.resolve(root);
    this.sqlLocation = sqlLocation;
  }

  private checkKey(key: string): string {
    const normal = path.posix.normalize(key);
    if (normal.startsWith("..") || normal.startsWith("/")) {
      throw new ResearchError("invalid-input", `Storage key "${key}" points outside the data directory.`);
    }
    return normal;
  }

  private async readRow(key: string): Promise<{ data: string; version: number } | undefined> {
    const { db } = await openSql(this.sqlLocation);
    const row = await db.selectFrom("documents").select(["data", "version"]).where("key", "=", key).executeTakeFirst();
    return row ? { data: row.data, version: Number(row.version) } : undefined;
  }

  private decode<T>(kind: StoredFileKind<T>, key: string, text: string): T {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (error) {
      throw new ResearchError("corrupt-file", `Document ${key} is not valid JSON: ${error instanceof Error ? error.message : String(error)}. It was left untouched.`, {
        file: key,
      });
    }
    return parseVersioned(raw, kind, key);
  }

  async read<T>(kind: StoredFileKind<T>, key: string): Promise<T> {
    const clean = this.checkKey(key);
    const pending = this.queues.get(clean);
    if (pending) await pending;
    const row = await this.readRow(clean);
    return row ? this.decode(kind, clean, row.data) : kind.empty();
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

  async update<T, R = void>(kind: StoredFileKind<T>, key: string, mutate: (data: T) => R | Promise<R>): Promise<R> {
    const clean = this.checkKey(key);
    return this.enqueue(clean, async () => {
      const { db } = await openSql(this.sqlLocation);
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        const row = await this.readRow(clean);
        const data = row ? this.decode(kind, clean, row.data) : kind.empty();
        const result = await mutate(data);
        const parsed = kind.schema.safeParse(data);
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          throw new ResearchError(
            "invalid-input",
            `Refusing to write ${kind.description}: ${issue ? formatIssuePath(issue.path) : ""} ${issue?.message ?? ""}`.trim(),
            { field: issue ? formatIssuePath(issue.path) : undefined },
          );
        }
        const text = JSON.stringify({ schemaVersion: kind.version, ...(data as Record<string, unknown>) });
        if (row) {
          const updated = await db
            .updateTable("documents")
            .set({ data: text, version: row.version + 1, updated_at: nowIso() })
            .where("key", "=", clean)
            .where("version", "=", row.version)
            .executeTakeFirst();
          if (Number(updated.numUpdatedRows) === 1) return result;
        } else {
          const inserted = await db
            .insertInto("documents")
            .values({ key: clean, data: text, version: 1, updated_at: nowIso() })
            .onConflict((conflict) => conflict.column("key").doNothing())
            .executeTakeFirst();
          if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1) return result;
        }
        // Another server changed the document since we read it: apply the change again on its version.
        // Random waits, so two servers that keep colliding on one document fall out of step.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(100, attempt * 5)));
      }
      throw new ResearchError("conflict", `Document ${clean} kept changing while this change was made. Try again.`, { file: clean });
    });
  }

  async exists(key: string): Promise<boolean> {
    const clean = this.checkKey(key);
    const { db } = await openSql(this.sqlLocation);
    const row = await db
      .selectFrom("documents")
      .select("key")
      .where((eb) => eb.or([eb("key", "=", clean), eb("key", "like", `${escapeLike(clean)}/%`)]))
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  async list(folderKey: string): Promise<string[]> {
    const folder = this.checkKey(folderKey).replace(/\/$/, "");
    const { db } = await openSql(this.sqlLocation);
    // "" (normalised to ".") is the top of the data directory: every key is under it.
    const prefix = folder === "." ? "" : `${folder}/`;
    const rows = await db.selectFrom("documents").select("key").where("key", "like", `${escapeLike(prefix)}%`).execute();
    const names = new Set(rows.map((row) => row.key.slice(prefix.length).split("/")[0]));
    return [...names].sort();
  }

  async remove(key: string): Promise<void> {
    const clean = this.checkKey(key);
    const { db } = await openSql(this.sqlLocation);
    await db
      .deleteFrom("documents")
      .where((eb) => eb.or([eb("key", "=", clean), eb("key", "like", `${escapeLike(clean)}/%`)]))
      .execute();
  }

  async move(fromKey: string, toKey: string): Promise<void> {
    const from = this.checkKey(fromKey);
    const to = this.checkKey(toKey);
    const database = await openSql(this.sqlLocation);
    await database.db.transaction().execute(async (trx) => {
      const rows = await trx
        .selectFrom("documents")
        .select("key")
        .where((eb) => eb.or([eb("key", "=", from), eb("key", "like", `${escapeLike(from)}/%`)]))
        .execute();
      for (const row of rows) {
        await trx.updateTable("documents").set({ key: to + row.key.slice(from.length) }).where("key", "=", row.key).execute();
      }
    });
  }
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (char) => `\\${char}`);
}
