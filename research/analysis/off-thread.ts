import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { ResearchError, type ErrorLocation, type ResearchErrorCode } from "../shared/errors.js";
import type { DocumentStore, SqlLocation } from "../store/index.js";
import type { AnalysisArgs, AnalysisKind, AnalysisResult } from "./analysis-tasks.js";

/**
 * Aggregates over a project's codings run on a worker thread with its own read-only connection (SQLite in
 * WAL lets it read beside the server's connection; PostgreSQL sessions are read-only), so better-sqlite3's
 * synchronous queries and the tallying in JavaScript do not hold the server's event loop, and other people's
 * pages answer meanwhile. One worker: on a two-core machine the other core serves requests.
 */

/** One analysis as the worker runs it: the name of a function of analysis-tasks.ts and its arguments. */
export type AnalysisTask = { kind: string; slug: string; args: unknown };

/** What the worker is told to open: the same data directory and tables as the asking store. */
export type WorkerStore = { root: string; sqlLocation: SqlLocation };

export type WorkerRequest = { id: number; store: WorkerStore; task: AnalysisTask };
export type WorkerError = {
  name: string;
  message: string;
  code?: ResearchErrorCode;
  location?: ErrorLocation;
};
export type WorkerReply =
  { id: number; ok: true; result: unknown } | { id: number; ok: false; error: WorkerError };

type Pending = { resolve: (value: unknown) => void; reject: (error: unknown) => void };
type Running = { worker: Worker; pending: Map<number, Pending> };

let running: Running | null = null;
let nextId = 1;
const counts = { offThread: 0, inline: 0 };

/** How many analyses this process computed on the worker and inline so far (tests read it). */
export function analysisRuns(): { offThread: number; inline: number } {
  return { ...counts };
}

/**
 * The worker's script: beside this module when it runs from source (vitest, tsx: a small loader that
 * registers tsx first), or `analysis-worker.mjs` beside the bundle (`npm run build` writes it into build/).
 * Null when neither is there (the CLI's bundle, a dev build without it): then analyses run inline.
 */
function workerScript(): URL | null {
  const here = import.meta.url;
  if (!here.startsWith("file:")) return null;
  const script = here.endsWith(".ts")
    ? new URL("./analysis-worker-source.mjs", here)
    : new URL("./analysis-worker.mjs", here);
  return existsSync(fileURLToPath(script)) ? script : null;
}

function startWorker(script: URL): Running {
  const worker = new Worker(script);
  // An idle worker must not keep a CLI command or a test file alive.
  worker.unref();
  const state: Running = { worker, pending: new Map() };
  const failAll = (error: unknown) => {
    if (running === state) running = null;
    for (const { reject } of state.pending.values()) reject(error);
    state.pending.clear();
  };
  worker.on("message", (reply: WorkerReply) => {
    const waiting = state.pending.get(reply.id);
    if (!waiting) return;
    state.pending.delete(reply.id);
    if (state.pending.size === 0) worker.unref();
    if (reply.ok) waiting.resolve(reply.result);
    else waiting.reject(revive(reply.error));
  });
  worker.on("error", failAll);
  worker.on("exit", (code) =>
    failAll(new Error(`The analysis worker stopped (exit code ${code}).`)),
  );
  return state;
}

function revive(error: WorkerError): Error {
  if (error.code) return new ResearchError(error.code, error.message, error.location ?? {});
  const revived = new Error(error.message);
  revived.name = error.name;
  return revived;
}

/**
 * Runs the analysis `kind` of analysis-tasks.ts on the worker against the same data as `store`; without a
 * worker script (the CLI's bundle: a process of its own anyway) it runs on this thread instead.
 */
export async function runOffThread<K extends AnalysisKind>(
  store: DocumentStore,
  { kind, slug, args }: { kind: K; slug: string; args: AnalysisArgs<K> },
): Promise<AnalysisResult<K>> {
  const script = workerScript();
  if (!script) {
    counts.inline++;
    // Loaded when first needed: the tasks import the analyses, which import this module.
    const { runAnalysisTask } = await import("./analysis-tasks.js");
    return runAnalysisTask(store, kind, slug, args);
  }
  counts.offThread++;
  return postToWorker(script, store, { kind, slug, args }) as Promise<AnalysisResult<K>>;
}

/** Sends `task` to the worker (started on first use) and waits for its reply to this very request. */
function postToWorker(script: URL, store: DocumentStore, task: AnalysisTask): Promise<unknown> {
  running ??= startWorker(script);
  const { worker, pending } = running;
  const id = nextId++;
  const request: WorkerRequest = {
    id,
    store: { root: store.root, sqlLocation: store.sqlLocation },
    task,
  };
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    // A request in flight keeps the process alive until its answer.
    worker.ref();
    worker.postMessage(request);
  });
}

/** Stops the worker (tests that check it starts again); the next task starts a new one. */
export async function stopAnalysisWorker(): Promise<void> {
  const current = running;
  running = null;
  await current?.worker.terminate();
}
