import { listCodings } from "../coding/codings.js";
import { codebookFile } from "../coding/model.js";
import { loadVisibleCorpus } from "../collection/corpus.js";
import { projectKeys } from "../projects/model.js";
import type { DocumentStore } from "../store/index.js";

export type FrequencyDimension = "community" | "member" | "month";
export type CodeFrequencies = { codes: Array<{ id: string; name: string; total: number }>; groups: string[]; counts: Record<string, Record<string, number>> };

/** How often each code was applied, split by community, member (pseudonym) or month. */
export async function codeFrequencies({ store, slug, by }: { store: DocumentStore; slug: string; by: FrequencyDimension }): Promise<CodeFrequencies> {
  const [codings, codebook, corpus] = await Promise.all([listCodings({ store, slug }), store.read(codebookFile, projectKeys.codebook(slug)), loadVisibleCorpus({ store, slug })]);
  const communityName = new Map(corpus.communities.map((c) => [c.id, c.name]));
  const counts: Record<string, Record<string, number>> = {};
  const groups = new Set<string>();
  for (const coding of codings) {
    const post = coding.sourceType === "post" ? corpus.postsById.get(coding.sourceId) : undefined;
    const group = !post ? "field notes"
      : by === "community" ? communityName.get(post.communityId) ?? "?"
      : by === "member" ? (post.memberId ? corpus.members.get(post.memberId)?.pseudonym ?? "?" : "[deleted]")
      : post.createdAt?.slice(0, 7) ?? "undated";
    groups.add(group);
    counts[coding.codeId] ??= {};
    counts[coding.codeId][group] = (counts[coding.codeId][group] ?? 0) + 1;
  }
  const codes = codebook.codes.filter((code) => !code.mergedInto).map((code) => ({ id: code.id, name: code.name, total: Object.values(counts[code.id] ?? {}).reduce((a, b) => a + b, 0) }));
  return { codes: codes.sort((a, b) => b.total - a.total), groups: [...groups].sort(), counts };
}

export type CooccurrenceNetwork = {
  nodes: Array<{ id: string; name: string; colour: string; count: number }>;
  /** Undirected weighted edges: the number of sources (posts or notes) where both codes were applied. */
  edges: Array<{ source: string; target: string; weight: number }>;
  matrix: number[][];
};

/**
 * Code co-occurrence: two codes co-occur in a source when both were applied to it (overlapping or not).
 * Returned as a matrix and as a network (the reporting phase draws it).
 */
export async function codeCooccurrence({ store, slug, overlappingOnly = false }: { store: DocumentStore; slug: string; overlappingOnly?: boolean }): Promise<CooccurrenceNetwork> {
  const [codings, codebook] = await Promise.all([listCodings({ store, slug }), store.read(codebookFile, projectKeys.codebook(slug))]);
  const codes = codebook.codes.filter((code) => !code.mergedInto);
  const index = new Map(codes.map((code, i) => [code.id, i]));
  const matrix = codes.map(() => codes.map(() => 0));
  const bySource = new Map<string, typeof codings>();
  for (const coding of codings) bySource.set(coding.sourceId, [...(bySource.get(coding.sourceId) ?? []), coding]);
  const counts = codes.map(() => 0);
  for (const list of bySource.values()) {
    const present = new Set(list.map((coding) => coding.codeId));
    for (const id of present) if (index.has(id)) counts[index.get(id)!]++;
    const ids = [...present].filter((id) => index.has(id));
    for (let i = 0; i < ids.length; i++) {
      for (let j = i + 1; j < ids.length; j++) {
        const a = ids[i];
        const b = ids[j];
        if (overlappingOnly && !list.some((x) => x.codeId === a && list.some((y) => y.codeId === b && x.start < y.end && y.start < x.end))) continue;
        matrix[index.get(a)!][index.get(b)!]++;
        matrix[index.get(b)!][index.get(a)!]++;
      }
    }
  }
  const edges: CooccurrenceNetwork["edges"] = [];
  for (let i = 0; i < codes.length; i++) for (let j = i + 1; j < codes.length; j++) if (matrix[i][j] > 0) edges.push({ source: codes[i].id, target: codes[j].id, weight: matrix[i][j] });
  return { nodes: codes.map((code, i) => ({ id: code.id, name: code.name, colour: code.colour, count: counts[i] })), edges, matrix };
}
