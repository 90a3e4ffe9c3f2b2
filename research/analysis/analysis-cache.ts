import { createHash } from "node:crypto";
import { LRUCache } from "lru-cache";
import { getCodingsRevision, projectSql } from "../collection/corpus.js";
import type { DocumentStore } from "../store/index.js";
import type { AnalysisArgs, AnalysisKind, AnalysisResult } from "./analysis-tasks.js";
import { runOffThread } from "./off-thread.js";

/**
 * Aggregates over all of a project's codings (agreement, frequencies, co-occurrence, maps, report counts)
 * take seconds at 100k codings. They change only when the codings or what the corpus shows change (an
 * apply, a removal, an import, an opt-out, an erasure: each bumps a revision in the same transaction), or
 * a document they read (the codebook's names), or the request's own choices. So each result is kept under
 * the project's revisions, read from the database on every call (right with several app servers and with
 * the CLI writing), plus a fingerprint of those documents and choices. Bounded: the least recently used go.
 */
const results: LRUCache<string, Promise<unknown>> = ((
  globalThis as { __netnoAnalysisCache?: LRUCache<string, Promise<unknown>> }
).__netnoAnalysisCache ??= new LRUCache({ max: 100 }));

/** A short fingerprint of what a result depends on besides the revisions (documents, choices). */
function fingerprint(values: unknown[]): string {
  return createHash("sha256").update(JSON.stringify(values)).digest("base64url").slice(0, 22);
}

/**
 * `compute()` once per revision of the project's corpus and codings, `part` and `dependsOn` (the
 * documents and choices the result reads: they must be read before the call, so a newer one is never
 * kept under an older key). The promise is kept, so two requests at once share one computation; a failed
 * one is not kept.
 */
export async function cachedAnalysis<T>({
  store,
  slug,
  part,
  dependsOn = [],
  compute,
}: {
  store: DocumentStore;
  slug: string;
  part: string;
  dependsOn?: unknown[];
  compute: () => Promise<T>;
}): Promise<T> {
  const { db, projectId } = await projectSql({ store, slug });
  // Read before computing: what is computed afterwards is at least as new as the key says.
  const revision = await getCodingsRevision(db, projectId);
  const key = `${JSON.stringify(store.sqlLocation)}|${revision}|${part}|${fingerprint(dependsOn)}`;
  const cached = results.get(key);
  // Only this function stores under the key, always the promise of `compute()`'s type.
  if (cached) return cached as Promise<T>;
  const computing = compute();
  results.set(key, computing);
  computing.catch(() => {
    if (results.get(key) === computing) results.delete(key);
  });
  return computing;
}

/**
 * The analysis `kind` of analysis-tasks.ts, kept under the project's revisions, its arguments and
 * `dependsOn` (the documents it reads, read by the caller first: see cachedAnalysis), computed on the
 * analysis worker when it is not kept.
 */
export function cachedOffThread<K extends AnalysisKind>({
  store,
  slug,
  kind,
  args,
  dependsOn = [],
}: {
  store: DocumentStore;
  slug: string;
  kind: K;
  args: AnalysisArgs<K>;
  dependsOn?: unknown[];
}): Promise<AnalysisResult<K>> {
  return cachedAnalysis({
    store,
    slug,
    part: kind,
    dependsOn: [args, ...dependsOn],
    compute: () => runOffThread(store, { kind, slug, args }),
  });
}
