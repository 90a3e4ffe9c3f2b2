import { mkdirSync } from "node:fs";
import path from "node:path";
import BetterSqlite3 from "better-sqlite3";
import {
  Kysely,
  Migrator,
  PostgresDialect,
  SqliteDialect,
  sql,
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
  type SqliteDatabase,
  type Transaction,
} from "kysely";
import pg from "pg";
import { ResearchError } from "../../shared/errors.js";
import { migrationsFor } from "./migrations.js";
import type { Database } from "./schema.js";
import { hasWordStart } from "./word-start.js";
import { withTextParametersWithoutNul } from "./nul-characters.js";

export type SqlEngine = "sqlite" | "postgres";

/** Where the tables live: the SQLite file of a data directory, or a PostgreSQL database. */
export type SqlLocation =
  { engine: "sqlite"; file: string } | { engine: "postgres"; url: string; schema: string | null };

export type SqlDatabase = {
  readonly engine: SqlEngine;
  readonly db: Kysely<Database>;
  /** Ends the connections (tests, CLI exit); the next `openSql` for the location opens it again. */
  close(): Promise<void>;
};

/** A query runner: the database itself, or a transaction. Research functions accept either. */
export type Queryable = Kysely<Database> | Transaction<Database>;

export const SQLITE_FILE_NAME = "netno.sqlite";

/** How long one SQLite statement may block the event loop waiting for another process's lock. */
const SYNC_BUSY_WAIT_MS = 20;
/** How long a transaction waits (without blocking the event loop) for the write lock: a large import. */
const WRITE_LOCK_WAIT_MS = 180_000;

/**
 * Where tables live for a data directory: PostgreSQL when a URL is given (`NETNO_DATABASE_URL`), else the
 * SQLite file `netno.sqlite` inside the data directory. A `schema` query parameter on the URL selects a
 * PostgreSQL schema (the tests give each test its own).
 */
export function sqlLocation({
  dataDir,
  databaseUrl,
}: {
  dataDir: string;
  databaseUrl?: string | null;
}): SqlLocation {
  if (databaseUrl) {
    let parsed: URL;
    try {
      parsed = new URL(databaseUrl);
    } catch {
      throw new ResearchError(
        "invalid-input",
        "NETNO_DATABASE_URL is not a URL (expected postgres://user@host:port/database).",
        {
          field: "NETNO_DATABASE_URL",
        },
      );
    }
    if (parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:") {
      throw new ResearchError(
        "invalid-input",
        `NETNO_DATABASE_URL must start with postgres:// (got ${parsed.protocol}).`,
        {
          field: "NETNO_DATABASE_URL",
        },
      );
    }
    const schema = parsed.searchParams.get("schema");
    parsed.searchParams.delete("schema");
    if (schema !== null && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
      throw new ResearchError(
        "invalid-input",
        `The schema "${schema}" in NETNO_DATABASE_URL is not a plain lower-case name.`,
        {
          field: "NETNO_DATABASE_URL",
        },
      );
    }
    return { engine: "postgres", url: parsed.toString(), schema };
  }
  return { engine: "sqlite", file: path.join(path.resolve(dataDir), SQLITE_FILE_NAME) };
}

function locationKey(location: SqlLocation): string {
  return location.engine === "sqlite"
    ? `sqlite:${location.file}`
    : `postgres:${location.url}#${location.schema ?? ""}`;
}

// One handle per location for the whole process, kept on globalThis so dev-server reloads reuse it.
const registry: Map<string, Promise<SqlDatabase>> = ((
  globalThis as { __netnoSql?: Map<string, Promise<SqlDatabase>> }
).__netnoSql ??= new Map());

// A thread that only reads (the analysis worker) opens its databases read-only and leaves the schema to the
// process that writes, which migrated it before it asked.
let readOnly = false;

/**
 * From now on, this thread opens every database read-only and without migrating it: SQLite with
 * `readonly`, PostgreSQL sessions with `default_transaction_read_only`. For worker threads that only read.
 */
export function openSqlReadOnlyInThisThread(): void {
  readOnly = true;
}

/** The database at a location, opened and migrated to the current schema on first use in this process. */
export function openSql(location: SqlLocation): Promise<SqlDatabase> {
  const key = locationKey(location);
  let opening = registry.get(key);
  if (!opening) {
    // Forget only this handle: after closeAllSql a newer one may already be registered under the key.
    const forget = () => {
      if (registry.get(key) === opening) registry.delete(key);
    };
    opening = connect(location, forget);
    registry.set(key, opening);
    opening.catch(forget);
  }
  return opening;
}

/** Closes every open database (end of a CLI command or a test file). */
export async function closeAllSql(): Promise<void> {
  const open = [...registry.values()];
  registry.clear();
  await Promise.all(open.map(async (opening) => (await opening.catch(() => null))?.close()));
}

/** SQL functions the queries call on SQLite that PostgreSQL has built in (see each one's module). */
function addFunctions(handle: BetterSqlite3.Database): void {
  handle.function("netno_word_start", { deterministic: true }, (text, word) =>
    hasWordStart(typeof text === "string" ? text : null, typeof word === "string" ? word : null),
  );
}

async function connect(location: SqlLocation, forget: () => void): Promise<SqlDatabase> {
  let db: Kysely<Database>;
  if (location.engine === "sqlite") {
    if (readOnly) {
      // WAL lets this reader run beside the writer; the journal mode and statistics are the writer's.
      const handle = new BetterSqlite3(location.file, { readonly: true, fileMustExist: true });
      handle.pragma(`busy_timeout = ${SYNC_BUSY_WAIT_MS}`);
      addFunctions(handle);
      db = new Kysely<Database>({
        dialect: new PatientSqliteDialect({ database: reusingStatements(handle) }),
      });
      return handleFor(location, db, forget);
    }
    mkdirSync(path.dirname(location.file), { recursive: true });
    const handle = new BetterSqlite3(location.file);
    // WAL lets the CLI import while the server reads; FULL syncs every commit, so an acknowledged write
    // survives a power cut. better-sqlite3 waits for a busy database synchronously, which would freeze the
    // web server while the CLI holds the write lock: wait briefly here, and longer (asynchronously) in
    // inTransaction.
    handle.pragma("journal_mode = WAL");
    handle.pragma("synchronous = FULL");
    handle.pragma("foreign_keys = ON");
    // An erased member's words must not linger in freed pages of the file: overwrite what is deleted.
    handle.pragma("secure_delete = ON");
    handle.pragma(`busy_timeout = ${SYNC_BUSY_WAIT_MS}`);
    addFunctions(handle);
    db = new Kysely<Database>({
      dialect: new PatientSqliteDialect({ database: reusingStatements(handle) }),
    });
  } else {
    const schema = location.schema;
    // The schema goes in the startup packet (the name is checked by sqlLocation), so every connection
    // is on it before its first query, with no extra round trip.
    const options = [
      ...(schema ? [`-c search_path=${schema}`] : []),
      ...(readOnly ? ["-c default_transaction_read_only=on"] : []),
    ];
    const pool = new pg.Pool({
      connectionString: location.url,
      max: readOnly ? 2 : 10,
      ...(options.length ? { options: options.join(" ") } : {}),
    });
    // An idle connection that the server ends (a restart, an administrator) is an "error" event on the
    // pool: without a listener it would end the whole process. The pool opens a new one when needed.
    pool.on("error", (error) =>
      console.warn(`netno: a PostgreSQL connection was closed: ${error.message}`),
    );
    db = new Kysely<Database>({ dialect: new NulSafePostgresDialect({ pool }) });
    if (readOnly) return handleFor(location, db, forget);
    if (schema) {
      try {
        await createSchema(db, schema);
      } catch (error) {
        await db.destroy();
        throw error;
      }
    }
  }
  try {
    await migrate(db, location.engine);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  if (location.engine === "sqlite") await refreshStatistics(db);
  return handleFor(location, db, forget);
}

function handleFor(location: SqlLocation, db: Kysely<Database>, forget: () => void): SqlDatabase {
  let closed = false;
  return {
    engine: location.engine,
    db,
    async close() {
      if (closed) return;
      closed = true;
      forget();
      await db.destroy();
    },
  };
}

/** Creates a schema; two servers starting at once may both try, and one of them then finds it made. */
async function createSchema(db: Kysely<Database>, schema: string): Promise<void> {
  try {
    await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
  } catch (error) {
    const found = await sql<{
      n: string;
    }>`select count(*) as n from pg_namespace where nspname = ${schema}`.execute(db);
    if (Number(found.rows[0]?.n ?? 0) === 0) throw error;
  }
}

async function currentSchema(db: Kysely<Database>): Promise<string> {
  const result = await sql<{ name: string | null }>`select current_schema() as name`.execute(db);
  return result.rows[0]?.name ?? "public";
}

async function migrate(db: Kysely<Database>, engine: SqlEngine): Promise<void> {
  if (engine === "sqlite") {
    // Kysely runs SQLite migrations outside a transaction, so two processes opening a new data directory at
    // once (the server and the CLI) would both create the tables, and a failed migration would stay half
    // done. Under BEGIN IMMEDIATE the second waits, then finds them applied; a failure leaves nothing.
    await db.connection().execute(async (connection) => {
      await beginImmediate(connection);
      try {
        await runMigrations(connection, engine);
        await sql`commit`.execute(connection);
      } catch (error) {
        await sql`rollback`.execute(connection).catch(() => undefined);
        throw error;
      }
    });
    return;
  }
  await runMigrations(db, engine);
}

async function runMigrations(db: Kysely<Database>, engine: SqlEngine): Promise<void> {
  const migrations = migrationsFor(engine);
  const migrator = new Migrator({
    db,
    // Kysely looks for its bookkeeping tables in every schema unless told which: a second schema on the
    // same server (another team, another test) would look migrated already. Name the one we work in.
    ...(engine === "postgres" ? { migrationTableSchema: await currentSchema(db) } : {}),
    provider: { getMigrations: async () => migrations },
    migrationTableName: "netno_migrations",
    migrationLockTableName: "netno_migrations_lock",
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((result) => result.status === "Error");
    throw new ResearchError(
      "unreadable-file",
      `The ${engine === "sqlite" ? "SQLite" : "PostgreSQL"} database could not be brought to the current schema` +
        `${failed ? ` (migration ${failed.migrationName})` : ""}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/**
 * Runs `work` in one transaction: all of it is stored, or none. On SQLite the transaction takes the write
 * lock at once (BEGIN IMMEDIATE), so two processes never both read and then fail to write; on PostgreSQL
 * `lockKey`, when given, serialises transactions that must not interleave (imports and erasures of one
 * project) with a transaction-scoped advisory lock.
 */
export async function inTransaction<R>(
  database: SqlDatabase,
  work: (trx: Kysely<Database>) => Promise<R>,
  options: { lockKey?: string } = {},
): Promise<R> {
  if (database.engine === "sqlite") {
    return database.db.connection().execute(async (connection) => {
      await beginImmediate(connection);
      try {
        const result = await work(connection);
        await sql`commit`.execute(connection);
        // Imports and erasures change table sizes a lot: refresh the planner's statistics, or SQLite walks
        // a whole project's posts for one thread (78 ms instead of 0.06 ms on 20k posts).
        if (options.lockKey?.startsWith("corpus:")) await refreshStatistics(connection);
        return result;
      } catch (error) {
        await sql`rollback`.execute(connection).catch(() => undefined);
        throw error;
      }
    });
  }
  const result = await database.db.transaction().execute(async (trx) => {
    if (options.lockKey)
      await sql`select pg_advisory_xact_lock(hashtext(${options.lockKey}))`.execute(trx);
    const done = await work(trx);
    // This connection's row counts reach pg_stat_user_tables when it is next idle, not up to 1 s later
    // (PostgreSQL 15 and later; an unknown function would abort the transaction, hence the version check).
    if (options.lockKey?.startsWith("corpus:")) {
      const version = await sql<{
        v: number;
      }>`select current_setting('server_version_num')::int as v`.execute(trx);
      if (Number(version.rows[0]?.v) >= 150000)
        await sql`select pg_stat_force_next_flush()`.execute(trx);
    }
    return done;
  });
  if (options.lockKey?.startsWith("corpus:")) await refreshPostgresStatistics(database.db);
  return result;
}

/**
 * PostgreSQL's planner without statistics takes `project_id = ?` for 0.5% of the rows: after an import the
 * threads list sorted every thread after checking each (100k posts: 172 ms instead of 15 ms) until
 * autovacuum analysed the tables, up to a minute or more later. So the tables an import (or a removal)
 * changed by more than a tenth are analysed at once, as autovacuum would (a rename analyses nothing;
 * 100k new posts about 1 s). Best effort: a failure only costs speed.
 */
async function refreshPostgresStatistics(db: Kysely<Database>): Promise<void> {
  try {
    const stale = await sql<{ relname: string }>`select s.relname from pg_stat_user_tables s
      join pg_class c on c.oid = s.relid
      where s.schemaname = current_schema() and s.n_mod_since_analyze > 50 + 0.1 * greatest(c.reltuples, 0)`.execute(
      db,
    );
    if (stale.rows.length === 0) return;
    await sql`analyze ${sql.join(stale.rows.map((row) => sql.id(row.relname)))}`.execute(db);
  } catch {
    // statistics are an optimisation
  }
}

/**
 * SQLite's query planner needs statistics (ANALYZE) to prefer a thread's index over the project's; a
 * bounded sample keeps this to milliseconds on large tables. Best effort: a failure only costs speed.
 */
async function refreshStatistics(connection: Kysely<Database>): Promise<void> {
  try {
    await sql`pragma analysis_limit = 2000`.execute(connection);
    await sql`pragma optimize = 0x10002`.execute(connection);
  } catch {
    // statistics are an optimisation
  }
}

function isBusy(error: unknown): boolean {
  return (
    typeof error === "object" &&
    error !== null &&
    "code" in error &&
    String(error.code).startsWith("SQLITE_BUSY")
  );
}

/** Takes SQLite's write lock (the patient connection waits for it without blocking the event loop). */
async function beginImmediate(connection: Kysely<Database>): Promise<void> {
  await sql`begin immediate`.execute(connection);
}

/** Runs a statement again while another process holds SQLite's write lock, yielding between tries. */
async function patiently<R>(run: () => Promise<R>): Promise<R> {
  const deadline = Date.now() + WRITE_LOCK_WAIT_MS;
  for (let attempt = 0; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (!isBusy(error)) throw error;
      if (Date.now() > deadline) {
        throw new ResearchError(
          "conflict",
          "The database stayed busy (a long import is running?). Try again when it has finished.",
        );
      }
      await new Promise((resolve) =>
        setTimeout(resolve, Math.min(200, 5 * 2 ** Math.min(attempt, 6))),
      );
    }
  }
}

class PatientConnection implements DatabaseConnection {
  constructor(private readonly inner: DatabaseConnection) {}
  executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const query = withTextParametersWithoutNul(compiledQuery);
    return patiently(() => this.inner.executeQuery<R>(query));
  }
  streamQuery<R>(
    compiledQuery: CompiledQuery,
    chunkSize?: number,
  ): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(withTextParametersWithoutNul(compiledQuery), chunkSize);
  }
}

/** A PostgreSQL connection whose text parameters hold no NUL character (see nul-characters.ts). */
class NulSafeConnection implements DatabaseConnection {
  constructor(readonly inner: DatabaseConnection) {}
  executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    return this.inner.executeQuery<R>(withTextParametersWithoutNul(compiledQuery));
  }
  streamQuery<R>(
    compiledQuery: CompiledQuery,
    chunkSize?: number,
  ): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(withTextParametersWithoutNul(compiledQuery), chunkSize);
  }
}

class NulSafePostgresDialect extends PostgresDialect {
  createDriver(): Driver {
    const inner = super.createDriver();
    return {
      init: () => inner.init(),
      acquireConnection: async () => new NulSafeConnection(await inner.acquireConnection()),
      beginTransaction: (connection, settings) => inner.beginTransaction(connection, settings),
      commitTransaction: (connection) => inner.commitTransaction(connection),
      rollbackTransaction: (connection) => inner.rollbackTransaction(connection),
      savepoint: inner.savepoint?.bind(inner),
      rollbackToSavepoint: inner.rollbackToSavepoint?.bind(inner),
      releaseSavepoint: inner.releaseSavepoint?.bind(inner),
      // The pool's connection releases itself through a private method: hand back the one it gave.
      releaseConnection: (connection) =>
        inner.releaseConnection((connection as NulSafeConnection).inner),
      destroy: () => inner.destroy(),
    };
  }
}

/** How many prepared statements one SQLite handle keeps for reuse (the least recently used go first). */
const STATEMENT_CACHE_SIZE = 256;

/**
 * Kysely prepares every statement anew; a page view runs ten or so, each prepared in 20 to 60 µs on this
 * kind of machine. This keeps the most recently used ones by their SQL text (bounded: a statement with an
 * `in (...)` list has one text per list length). A statement still being iterated (a streamed query) is
 * busy and cannot be run again meanwhile: then a fresh one is prepared and kept instead, and the busy one is
 * left to its iteration (and the garbage collector), as every statement was before.
 */
function reusingStatements(handle: BetterSqlite3.Database): SqliteDatabase {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => handle.close(),
    prepare(text: string) {
      const cached = cache.get(text);
      cache.delete(text);
      if (cached && !cached.busy) {
        cache.set(text, cached);
        return cached;
      }
      const statement = handle.prepare(text);
      cache.set(text, statement);
      if (cache.size > STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
      return statement;
    },
  };
}

/**
 * better-sqlite3 waits for a busy database synchronously (the whole server would stand still while the CLI
 * imports), so statements wait only briefly there and are retried here, asynchronously.
 */
class PatientSqliteDialect extends SqliteDialect {
  createDriver(): Driver {
    const inner = super.createDriver();
    return {
      init: () => inner.init(),
      acquireConnection: async () => new PatientConnection(await inner.acquireConnection()),
      beginTransaction: (connection, settings) => inner.beginTransaction(connection, settings),
      commitTransaction: (connection) => inner.commitTransaction(connection),
      rollbackTransaction: (connection) => inner.rollbackTransaction(connection),
      savepoint: inner.savepoint?.bind(inner),
      rollbackToSavepoint: inner.rollbackToSavepoint?.bind(inner),
      releaseSavepoint: inner.releaseSavepoint?.bind(inner),
      releaseConnection: (connection) => inner.releaseConnection(connection),
      destroy: () => inner.destroy(),
    };
  }
}
