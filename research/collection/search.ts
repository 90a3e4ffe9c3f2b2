import MiniSearch from "minisearch";
import { projectKeys } from "../projects/model.js";
import type { DocumentStore } from "../store/index.js";
import { loadVisibleCorpus } from "./corpus.js";
import { fieldNotesFile } from "./model.js";

type IndexedDoc = { id: string; kind: "post" | "note"; text: string; title: string };
type CachedIndex = { key: string; index: MiniSearch<IndexedDoc> };
const indexes: Map<string, CachedIndex> = ((globalThis as { __netnoSearch?: Map<string, CachedIndex> }).__netnoSearch ??= new Map());

export type SearchHit = { kind: "post" | "note"; id: string; score: number; terms: string[] };

function buildIndex(): MiniSearch<IndexedDoc> {
  return new MiniSearch<IndexedDoc>({
    fields: ["title", "text"],
    storeFields: ["kind"],
    searchOptions: { boost: { title: 2 }, prefix: (term) => term.length > 3, fuzzy: (term) => (term.length > 5 ? 0.15 : false), combineWith: "AND" },
    processTerm: (term) => term.normalize("NFKD").replace(/\p{M}+/gu, "").toLowerCase(),
  });
}

/**
 * Full-text search over the project's visible posts and its field notes. The index is built once per
 * corpus revision (and rebuilt when notes or consent change) and kept in memory.
 */
export async function searchProject({ store, slug, query, limit = 50 }: { store: DocumentStore; slug: string; query: string; limit?: number }): Promise<{ hits: SearchHit[]; total: number }> {
  const trimmed = query.trim();
  if (!trimmed) return { hits: [], total: 0 };
  const corpus = await loadVisibleCorpus({ store, slug });
  const notes = await store.read(fieldNotesFile, projectKeys.fieldNotes(slug));
  const notesKey = `${notes.notes.length}|${notes.notes.reduce((latest, note) => (note.updatedAt > latest ? note.updatedAt : latest), "")}`;
  const key = `${corpus.revision}|${notesKey}`;
  const cacheKey = `${store.root}|${slug}`;
  let cached = indexes.get(cacheKey);
  if (!cached || cached.key !== key) {
    const index = buildIndex();
    index.addAll(corpus.posts.map((post) => ({ id: `post:${post.id}`, kind: "post" as const, text: post.text, title: post.title ?? "" })));
    index.addAll(notes.notes.map((note) => ({ id: `note:${note.id}`, kind: "note" as const, text: note.markdown, title: note.title })));
    cached = { key, index };
    indexes.set(cacheKey, cached);
  }
  const results = cached.index.search(trimmed);
  return {
    total: results.length,
    hits: results.slice(0, limit).map((result) => ({ kind: result.kind as "post" | "note", id: String(result.id).slice(5), score: result.score, terms: result.terms })),
  };
}
