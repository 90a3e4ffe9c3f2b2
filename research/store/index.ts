import path from "node:path";
import type { DocumentStore } from "./document-store.js";
import { LowdbDocumentStore } from "./lowdb-store.js";
import { PostgresDocumentStore } from "./postgres-document-store.js";
import { openSql, sqlLocation, type SqlDatabase } from "./sql/database.js";

export type { DocumentStore, StoredFileKind } from "./document-store.js";
export { LowdbDocumentStore } from "./lowdb-store.js";
export { PostgresDocumentStore } from "./postgres-document-store.js";
export { setBeforeRenameHook } from "./atomic-json-file.js";
export { closeAllSql, inTransaction, openSql, sqlLocation, SQLITE_FILE_NAME } from "./sql/database.js";
export type { Queryable, SqlDatabase, SqlEngine, SqlLocation } from "./sql/database.js";
export type { Database } from "./sql/schema.js";

/** The data directory: `NETNO_DATA_DIR`, or `./data` under the working directory. */
export function resolveDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.NETNO_DATA_DIR || "./data");
}

/** The PostgreSQL URL of a team server (`NETNO_DATABASE_URL`), or null for the embedded default. */
export function resolveDatabaseUrl(env: NodeJS.ProcessEnv = process.env): string | null {
  return env.NETNO_DATABASE_URL?.trim() || null;
}

// One store per data directory and database for the whole process, kept on globalThis so dev-server
// reloads reuse it (two lowdb instances on one file would lose writes).
const registry: Map<string, DocumentStore> = ((globalThis as { __netnoStores?: Map<string, DocumentStore> }).__netnoStores ??=
  new Map());

/**
 * The store for a data directory (default: the configured one). With a database URL (default:
 * `NETNO_DATABASE_URL`) documents and tables live in PostgreSQL; otherwise documents are lowdb files and
 * tables a SQLite file, both in the data directory.
 */
export function getStore(dataDir: string = resolveDataDir(), databaseUrl: string | null = resolveDatabaseUrl()): DocumentStore {
  const root = path.resolve(dataDir);
  const key = `${root}|${databaseUrl ?? ""}`;
  let store = registry.get(key);
  if (!store) {
    store = databaseUrl ? new PostgresDocumentStore(root, sqlLocation({ dataDir: root, databaseUrl })) : new LowdbDocumentStore(root);
    registry.set(key, store);
  }
  return store;
}

/** The SQL database holding a store's tables, opened and migrated on first use. */
export function sqlFor(store: DocumentStore): Promise<SqlDatabase> {
  return openSql(store.sqlLocation);
}
