import { LRUCache } from "lru-cache";
import type { DocumentStore } from "../store/index.js";
import { getCorpusRevision } from "./corpus.js";

// Whole-corpus counts and the name scan change only with the corpus (imports, erasures, consent all bump
// its revision), so a page asked again (a report, the threads list's total) reads them from here. Bounded, keyed by the revision.
const perRevision: LRUCache<string, Promise<unknown>> = ((
  globalThis as { __netnoReportCache?: LRUCache<string, Promise<unknown>> }
).__netnoReportCache ??= new LRUCache({ max: 64 }));

/** `compute()` once per corpus revision of the project (and `part`); a failed computation is not kept. */
export async function cachedPerRevision<T>(
  store: DocumentStore,
  slug: string,
  part: string,
  compute: () => Promise<T>,
): Promise<T> {
  const revision = await getCorpusRevision({ store, slug });
  const key = `${JSON.stringify(store.sqlLocation)}|${revision}|${part}`;
  const cached = perRevision.get(key);
  // Only this function stores under the key, always the promise of `compute()`'s type.
  if (cached) return cached as Promise<T>;
  const computing = compute();
  perRevision.set(key, computing);
  computing.catch(() => {
    if (perRevision.get(key) === computing) perRevision.delete(key);
  });
  return computing;
}
