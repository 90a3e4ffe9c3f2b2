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

/** Code co-occurrence counted in SQL: per code the sources it was applied to, per pair the shared ones. */
export async function countCodeCooccurrence(
  db: Queryable,
  projectId: string,
  communityIds: readonly string[] | null = null,
): Promise<CodeCooccurrenceCounts> {
  const applied = () =>
    visibleCodings(db, projectId, communityIds)
      .select(["c.code_id as code_id", "c.source_id as source_id"])
      .distinct();
  const [perCode, perPair] = await Promise.all([
    visibleCodings(db, projectId, communityIds)
      .select((eb) => ["c.code_id", eb.fn.count<number>("c.source_id").distinct().as("n")])
      .groupBy("c.code_id")
      .execute(),
    db
      .selectFrom(applied().as("a"))
      .innerJoin(applied().as("b"), (join) =>
        join.onRef("a.source_id", "=", "b.source_id").onRef("a.code_id", "<", "b.code_id"),
      )
      .select((eb) => [
        "a.code_id as source",
        "b.code_id as target",
        eb.fn.countAll<number>().as("weight"),
      ])
      .groupBy(["a.code_id", "b.code_id"])
      .orderBy("a.code_id")
      .orderBy("b.code_id")
      .execute(),
  ]);
  return {
    sources: new Map(perCode.map((row) => [row.code_id, Number(row.n)])),
    pairs: perPair.map((row) => ({
      source: row.source,
      target: row.target,
      weight: Number(row.weight),
    })),
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
