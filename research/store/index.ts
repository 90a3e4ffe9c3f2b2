import path from "node:path";
import type { DocumentStore } from "./document-store.js";
import { LowdbDocumentStore } from "./lowdb-store.js";

export type { DocumentStore, StoredFileKind } from "./document-store.js";
export { LowdbDocumentStore } from "./lowdb-store.js";
export { setBeforeRenameHook } from "./atomic-json-file.js";

/** The data directory: `NETNO_DATA_DIR`, or `./data` under the working directory. */
export function resolveDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.NETNO_DATA_DIR || "./data");
}

// One store per data directory for the whole process, kept on globalThis so dev-server reloads reuse it
// (two lowdb instances on one file would lose writes).
const registry: Map<string, DocumentStore> = ((globalThis as { __netnoStores?: Map<string, DocumentStore> }).__netnoStores ??=
  new Map());

/** The store for a data directory (default: the configured one). */
export function getStore(dataDir: string = resolveDataDir()): DocumentStore {
  const root = path.resolve(dataDir);
  let store = registry.get(root);
  if (!store) {
    store = new LowdbDocumentStore(root);
    registry.set(root, store);
  }
  return store;
}
