import { sql } from "kysely";
import { visibleCodingRows } from "../coding/codings.js";
import { codebookFile } from "../coding/model.js";
import { listCommunities, projectSql } from "../collection/corpus.js";
import { projectKeys } from "../projects/model.js";
import type { DocumentStore, Queryable } from "../store/index.js";
import { cachedOffThread } from "./analysis-cache.js";
import { countCodeCooccurrence, type CodeCooccurrenceCounts } from "./coding-queries.js";

/**
 * Code frequencies and co-occurrence, counted in SQL over the visible codings (opted-out members' posts
 * left out in the query): what reaches JavaScript is one row per code and group, or per pair of codes.
 */

export type FrequencyDimension = "community" | "member" | "month";
export type CodeFrequencies = {
  codes: Array<{ id: string; name: string; total: number }>;
  groups: string[];
  counts: Record<string, Record<string, number>>;
};

/**
 * How often each code was applied, split by community, member (pseudonym) or month. Kept per revision of
 * the codings and corpus, computed on the analysis worker.
 */
export async function codeFrequencies({
  store,
  slug,
  by,
}: {
  store: DocumentStore;
  slug: string;
  by: FrequencyDimension;
}): Promise<CodeFrequencies> {
  const codebook = await store.read(codebookFile, projectKeys.codebook(slug));
  return cachedOffThread({
    store,
    slug,
    kind: "frequencies",
    args: { by },
    dependsOn: [codebook.codes],
  });
}

/** Counts what codeFrequencies describes, on this thread and without its cache. */
export async function countCodeFrequencies({
  store,
  slug,
  by,
}: {
  store: DocumentStore;
  slug: string;
  by: FrequencyDimension;
}): Promise<CodeFrequencies> {
  const { db, projectId } = await projectSql({ store, slug });
  const group =
    by === "community"
      ? sql<string | null>`sp.community_id`
      : by === "member"
        ? sql<string | null>`sa.pseudonym`
        : sql<string | null>`substr(sp.created_at, 1, 7)`;
  const [rows, codebook, communities] = await Promise.all([
    visibleCodingRows(db, projectId)
      .select((eb) => [
        "c.code_id",
        "c.source_type",
        group.as("grp"),
        eb.fn.countAll<number>().as("n"),
      ])
      .groupBy(["c.code_id", "c.source_type", group])
      .execute(),
    store.read(codebookFile, projectKeys.codebook(slug)),
    by === "community" ? listCommunities({ store, slug }) : Promise.resolve([]),
  ]);
  const communityName = new Map(communities.map((c) => [c.id, c.name]));
  const label = (sourceType: string, value: string | null) => {
    if (sourceType === "fieldnote") return "field notes";
    if (by === "community") return (value && communityName.get(value)) ?? "?";
    if (by === "member") return value ?? "[deleted]";
    return value ?? "undated";
  };
  const counts: Record<string, Record<string, number>> = {};
  const groups = new Set<string>();
  for (const row of rows) {
    const name = label(row.source_type, row.grp);
    groups.add(name);
    counts[row.code_id] ??= {};
    counts[row.code_id][name] = (counts[row.code_id][name] ?? 0) + Number(row.n);
  }
  const codes = codebook.codes
    .filter((code) => !code.mergedInto)
    .map((code) => ({
      id: code.id,
      name: code.name,
      total: Object.values(counts[code.id] ?? {}).reduce((a, b) => a + b, 0),
    }));
  return { codes: codes.sort((a, b) => b.total - a.total), groups: [...groups].sort(), counts };
}

export type CooccurrenceNetwork = {
  nodes: Array<{ id: string; name: string; colour: string; count: number }>;
  /** Undirected weighted edges: the number of sources (posts or notes) where both codes were applied. */
  edges: Array<{ source: string; target: string; weight: number }>;
  matrix: number[][];
};

/**
 * Code co-occurrence: two codes co-occur in a source when both were applied to it (overlapping or not,
 * or only on overlapping spans). Returned as a matrix and as a network (the reporting phase draws it).
 * Kept per revision of the codings and corpus, computed on the analysis worker.
 */
export async function codeCooccurrence({
  store,
  slug,
  overlappingOnly = false,
}: {
  store: DocumentStore;
  slug: string;
  overlappingOnly?: boolean;
}): Promise<CooccurrenceNetwork> {
  const codebook = await store.read(codebookFile, projectKeys.codebook(slug));
  return cachedOffThread({
    store,
    slug,
    kind: "cooccurrence",
    args: { overlappingOnly },
    dependsOn: [codebook.codes],
  });
}

/** Counts what codeCooccurrence describes, on this thread and without its cache. */
export async function countCooccurrence({
  store,
  slug,
  overlappingOnly = false,
}: {
  store: DocumentStore;
  slug: string;
  overlappingOnly?: boolean;
}): Promise<CooccurrenceNetwork> {
  const { db, projectId } = await projectSql({ store, slug });
  const tallied = overlappingOnly
    ? countOverlappingCooccurrence(db, projectId)
    : countCodeCooccurrence(db, projectId);
  const [codebook, { sources: counts, pairs: pairRows }] = await Promise.all([
    store.read(codebookFile, projectKeys.codebook(slug)),
    tallied,
  ]);
  const codes = codebook.codes.filter((code) => !code.mergedInto);
  const index = new Map(codes.map((code, i) => [code.id, i]));
  const matrix = codes.map(() => codes.map(() => 0));
  for (const row of pairRows) {
    const a = index.get(row.source);
    const b = index.get(row.target);
    if (a === undefined || b === undefined) continue;
    matrix[a][b] = matrix[b][a] = Number(row.weight);
  }
  const edges: CooccurrenceNetwork["edges"] = [];
  for (let i = 0; i < codes.length; i++) {
    for (let j = i + 1; j < codes.length; j++) {
      if (matrix[i][j] > 0)
        edges.push({ source: codes[i].id, target: codes[j].id, weight: matrix[i][j] });
    }
  }
  return {
    nodes: codes.map((code) => ({
      id: code.id,
      name: code.name,
      colour: code.colour,
      count: counts.get(code.id) ?? 0,
    })),
    edges,
    matrix,
  };
}

/**
 * Per code the sources it was applied to, and per pair of codes the sources where they were applied to
 * overlapping spans (countCodeCooccurrence counts pairs anywhere in a source).
 */
async function countOverlappingCooccurrence(
  db: Queryable,
  projectId: string,
): Promise<CodeCooccurrenceCounts> {
  const [perCode, perPair] = await Promise.all([
    visibleCodingRows(db, projectId)
      .select([
        "c.code_id",
        sql<number>`count(distinct c.source_type || ':' || c.source_id)`.as("n"),
      ])
      .groupBy("c.code_id")
      .execute(),
    visibleCodingRows(db, projectId)
      .innerJoin("codings as o", (join) =>
        join
          .on("o.project_id", "=", projectId)
          .onRef("o.source_type", "=", "c.source_type")
          .onRef("o.source_id", "=", "c.source_id")
          .onRef("o.code_id", ">", "c.code_id")
          .onRef("o.start_cp", "<", "c.end_cp")
          .onRef("o.end_cp", ">", "c.start_cp"),
      )
      .select([
        "c.code_id as source",
        "o.code_id as target",
        sql<number>`count(distinct c.source_type || ':' || c.source_id)`.as("weight"),
      ])
      .groupBy(["c.code_id", "o.code_id"])
      .execute(),
  ]);
  return {
    sources: new Map(perCode.map((row) => [row.code_id, Number(row.n)])),
    pairs: perPair.map((row) => ({ ...row, weight: Number(row.weight) })),
  };
}
