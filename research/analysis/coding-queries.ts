import { sql } from "kysely";
import { visiblePosts, visiblePostsOf } from "../collection/corpus.js";
import type { Queryable } from "../store/index.js";

/**
 * The project's codings (`c`) whose source any view may show: a post whose author did not opt out, or a
 * field note that still exists. Maps, reports and counts start from it, so an opted-out member's coded
 * words never reach them.
 */
export function visibleCodings(
  db: Queryable,
  projectId: string,
  /** Only posts of these communities (field notes always): a report's scope. Null: every community. */
  communityIds: readonly string[] | null = null,
) {
  const posts = () => visiblePostsOf(db, projectId, communityIds);
  return db
    .selectFrom("codings as c")
    .where("c.project_id", "=", projectId)
    .where((eb) =>
      eb.or([
        eb.and([
          eb("c.source_type", "=", "post"),
          // Correlated on purpose: one index probe per coding, not a scan of every visible post.
          eb.exists(posts().select("p.id").where("p.id", "=", sql.ref<string>("c.source_id"))),
        ]),
        eb.and([
          eb("c.source_type", "=", "fieldnote"),
          eb.exists(
            eb
              .selectFrom("field_notes as f")
              .select("f.id")
              .whereRef("f.id", "=", "c.source_id")
              .where("f.project_id", "=", projectId),
          ),
        ]),
      ]),
    );
}

/** How many codings the project's visible sources carry. */
export async function countVisibleCodings(
  db: Queryable,
  projectId: string,
  communityIds: readonly string[] | null = null,
): Promise<number> {
  const row = await visibleCodings(db, projectId, communityIds)
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export type CodeCooccurrenceCounts = {
  /** Sources (posts or notes) carrying each code. */
  sources: Map<string, number>;
  /** Sources carrying both codes of a pair (`source` < `target`). */
  pairs: Array<{ source: string; target: string; weight: number }>;
};

/** Rows per batch when codings are read source by source. */
const SOURCE_BATCH = 5_000;

type SourceRow = { source_type: string; source_id: string };

/**
 * Reads codings in batches of whole sources: `read` returns the rows after the given source (by
 * source type, then id, the order of the codings' index on source) up to `limit`, so a batch costs its
 * own rows, not a re-sort of every coding left. A batch that ends inside a source gives that source
 * back whole with the next one; a source with more rows than a batch is read with a larger one.
 */
export async function* codingsInWholeSources<R extends SourceRow>(
  read: (after: [string, string] | null, limit: number) => Promise<R[]>,
  batch = SOURCE_BATCH,
): AsyncGenerator<R[]> {
  let after: [string, string] | null = null;
  let limit = batch;
  for (;;) {
    const rows = await read(after, limit);
    if (rows.length < limit) {
      if (rows.length > 0) yield rows;
      return;
    }
    const end = rows[rows.length - 1];
    let cut = rows.length;
    while (
      cut > 0 &&
      rows[cut - 1].source_type === end.source_type &&
      rows[cut - 1].source_id === end.source_id
    )
      cut--;
    if (cut === 0) {
      limit *= 2;
      continue;
    }
    yield rows.slice(0, cut);
    after = [rows[cut - 1].source_type, rows[cut - 1].source_id];
    limit = batch;
  }
}

/**
 * Code co-occurrence: per code the sources it was applied to, per pair the shared ones. The visible
 * codings are read once, in batches of whole sources, and the codes of each source are tallied here (a
 * self-join of the distinct (code, source) pairs took 2.6 s at 100k codings, the per-code count another
 * 0.9 s).
 */
export async function countCodeCooccurrence(
  db: Queryable,
  projectId: string,
  communityIds: readonly string[] | null = null,
  batch = SOURCE_BATCH,
): Promise<CodeCooccurrenceCounts> {
  const sources = new Map<string, number>();
  const shared = new Map<string, { source: string; target: string; weight: number }>();
  const tally = (codes: Set<string>) => {
    const sorted = [...codes].sort();
    sorted.forEach((code, i) => {
      sources.set(code, (sources.get(code) ?? 0) + 1);
      for (const other of sorted.slice(i + 1)) {
        const key = `${code}\u0000${other}`;
        const pair = shared.get(key) ?? { source: code, target: other, weight: 0 };
        pair.weight++;
        shared.set(key, pair);
      }
    });
  };
  const read = (after: [string, string] | null, limit: number) => {
    let query = visibleCodings(db, projectId, communityIds)
      .select(["c.source_type", "c.source_id", "c.code_id"])
      .orderBy("c.source_type")
      .orderBy("c.source_id")
      .limit(limit);
    if (after)
      query = query.where((eb) =>
        eb(eb.refTuple("c.source_type", "c.source_id"), ">", eb.tuple(after[0], after[1])),
      );
    return query.execute();
  };
  for await (const rows of codingsInWholeSources(read, batch)) {
    let current: string | null = null;
    let codes = new Set<string>();
    for (const row of rows) {
      const source = `${row.source_type}:${row.source_id}`;
      if (source !== current) {
        if (current !== null) tally(codes);
        current = source;
        codes = new Set();
      }
      codes.add(row.code_id);
    }
    if (current !== null) tally(codes);
  }
  const order = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return {
    sources,
    pairs: [...shared.values()].sort(
      (a, b) => order(a.source, b.source) || order(a.target, b.target),
    ),
  };
}

const ID_CHUNK = 500;

/** For each of the given members, how many of their visible posts carry the code. */
export async function countCodedPostsByMember(
  db: Queryable,
  projectId: string,
  codeId: string,
  memberIds: string[],
): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (let i = 0; i < memberIds.length; i += ID_CHUNK) {
    const rows = await visiblePosts(db, projectId)
      .innerJoin("codings as c", (join) =>
        join
          .onRef("c.source_id", "=", "p.id")
          .on("c.source_type", "=", "post")
          .on("c.project_id", "=", projectId)
          .on("c.code_id", "=", codeId),
      )
      .where("p.member_id", "in", memberIds.slice(i, i + ID_CHUNK))
      .select((eb) => ["p.member_id", eb.fn.count<number>("p.id").distinct().as("n")])
      .groupBy("p.member_id")
      .execute();
    for (const row of rows) if (row.member_id) counts.set(row.member_id, Number(row.n));
  }
  return counts;
}
