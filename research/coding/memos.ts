import type { Selectable } from "kysely";
import { z } from "zod";
import { projectSql, projectSqlAs } from "../collection/corpus.js";
import { ResearchError } from "../shared/errors.js";
import { newId, nowIso } from "../shared/ids.js";
import type { DocumentStore, Queryable, StoredFileKind } from "../store/index.js";
import type { MemosTable } from "../store/sql/schema.js";

export const MemoTargetSchema = z.object({
  type: z.enum(["code", "post", "thread", "project"]),
  id: z.string(),
});
export type MemoTarget = z.infer<typeof MemoTargetSchema>;
export const MemoSchema = z.object({
  id: z.string(),
  target: MemoTargetSchema,
  markdown: z.string(),
  authorId: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Memo = z.infer<typeof MemoSchema>;

/**
 * The `memos.json` of releases before the SQL tables: only the upgrade of an old data directory reads it.
 * Memos live in the `memos` table.
 */
export const memosFile: StoredFileKind<{ memos: Memo[] }> = {
  description: "memos",
  schema: z.object({ memos: z.array(MemoSchema) }),
  version: 1,
  empty: () => ({ memos: [] }),
};

type WithProject = { store: DocumentStore; slug: string };

function toMemo(row: Selectable<MemosTable>): Memo {
  const target = MemoTargetSchema.safeParse({ type: row.target_type, id: row.target_id });
  return {
    id: row.id,
    target: target.success ? target.data : { type: "project", id: row.target_id },
    markdown: row.markdown,
    authorId: row.author_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Writes an analytic memo about a code, a post, a thread or the project as a whole. */
export async function addMemo({
  store,
  slug,
  target,
  markdown,
  authorId,
}: WithProject & { target: MemoTarget; markdown: string; authorId: string }): Promise<Memo> {
  // The author is who acts: their role must allow coding (memos are analytic work).
  const { db, projectId } = await projectSqlAs({
    store,
    slug,
    userId: authorId,
    capability: "code",
  });
  const parsed = MemoTargetSchema.safeParse(target);
  if (!parsed.success) {
    throw new ResearchError(
      "invalid-input",
      "A memo is about a code, a post, a thread or the project.",
      {
        field: "target",
      },
    );
  }
  const text = markdown.trim();
  if (!text) throw new ResearchError("invalid-input", "Write the memo.", { field: "markdown" });
  if (text.length > 100_000) {
    throw new ResearchError("invalid-input", "A memo holds at most 100,000 characters.", {
      field: "markdown",
    });
  }
  const now = nowIso();
  const memo: Memo = {
    id: newId(),
    target: parsed.data,
    markdown: text,
    authorId,
    createdAt: now,
    updatedAt: now,
  };
  await insertMemoIn(db, projectId, memo);
  return memo;
}

/** Writes a memo row (inside the caller's transaction when given one: a REFI-QDA import). */
export async function insertMemoIn(db: Queryable, projectId: string, memo: Memo): Promise<void> {
  await db
    .insertInto("memos")
    .values({
      id: memo.id,
      project_id: projectId,
      target_type: memo.target.type,
      target_id: memo.target.id,
      markdown: memo.markdown,
      author_id: memo.authorId,
      created_at: memo.createdAt,
      updated_at: memo.updatedAt,
    })
    .execute();
}

/** Deletes a memo (`userId` is who acts). */
export async function deleteMemo({
  store,
  slug,
  memoId,
  userId,
}: WithProject & { memoId: string; userId: string }): Promise<void> {
  const { db, projectId } = await projectSqlAs({ store, slug, userId, capability: "code" });
  const result = await db
    .deleteFrom("memos")
    .where("project_id", "=", projectId)
    .where("id", "=", memoId)
    .executeTakeFirst();
  if (Number(result.numDeletedRows) === 0)
    throw new ResearchError(
      "not-found",
      "That memo does not exist (it may have been deleted already).",
    );
}

/** Memos about the given targets (or all of the project's), newest first. */
export async function listMemos({
  store,
  slug,
  targets,
  limit,
}: WithProject & { targets?: MemoTarget[]; limit?: number }): Promise<Memo[]> {
  const { db, projectId } = await projectSql({ store, slug });
  if (targets && targets.length === 0) return [];
  let query = db.selectFrom("memos").selectAll().where("project_id", "=", projectId);
  if (targets) {
    // One `type = ? and id in (...)` per target type: each is a probe of the (project, type, id) index.
    const byType = new Map<string, string[]>();
    for (const target of targets)
      byType.set(target.type, [...(byType.get(target.type) ?? []), target.id]);
    query = query.where((eb) =>
      eb.or(
        [...byType].map(([type, ids]) =>
          eb.and([eb("target_type", "=", type), eb("target_id", "in", [...new Set(ids)])]),
        ),
      ),
    );
  }
  query = query.orderBy("created_at", "desc").orderBy("id", "desc");
  if (limit !== undefined) query = query.limit(limit);
  return (await query.execute()).map(toMemo);
}
