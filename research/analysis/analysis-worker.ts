// The analysis worker thread (see off-thread.ts): opens the asking server's data read-only and runs the
// analyses it is sent, one message each, answering with the result or the error.
import { parentPort } from "node:worker_threads";
import { LRUCache } from "lru-cache";
import { isResearchError } from "../shared/errors.js";
import {
  LowdbDocumentStore,
  PostgresDocumentStore,
  sqlFor,
  type DocumentStore,
} from "../store/index.js";
import { openSqlReadOnlyInThisThread } from "../store/sql/database.js";
import { isAnalysisKind, runAnalysisTask } from "./analysis-tasks.js";
import type { WorkerError, WorkerReply, WorkerRequest, WorkerStore } from "./off-thread.js";

openSqlReadOnlyInThisThread();

// A server has one data directory; tests have one per test. The least recently used are closed.
const stores = new LRUCache<string, DocumentStore>({
  max: 4,
  dispose: (store) => {
    void sqlFor(store)
      .then((database) => database.close())
      .catch(() => undefined);
  },
});

function storeFor({ root, sqlLocation }: WorkerStore): DocumentStore {
  const key = `${root}|${JSON.stringify(sqlLocation)}`;
  let store = stores.get(key);
  if (!store) {
    store =
      sqlLocation.engine === "postgres"
        ? new PostgresDocumentStore(root, sqlLocation)
        : new LowdbDocumentStore(root);
    stores.set(key, store);
  }
  return store;
}

function describe(error: unknown): WorkerError {
  if (isResearchError(error))
    return { name: error.name, message: error.message, code: error.code, location: error.location };
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: "Error", message: String(error) };
}

async function answer({ id, store, task }: WorkerRequest): Promise<WorkerReply> {
  try {
    if (!isAnalysisKind(task.kind)) throw new Error(`Unknown analysis "${task.kind}".`);
    // The arguments were built for this kind by runOffThread's typed caller, on the other thread.
    const result = await runAnalysisTask(storeFor(store), task.kind, task.slug, task.args as never);
    return { id, ok: true, result };
  } catch (error) {
    return { id, ok: false, error: describe(error) };
  }
}

parentPort?.on("message", (request: WorkerRequest) => {
  void answer(request).then((reply) => parentPort?.postMessage(reply));
});
