import { insertAuditEvent } from "../entree/audit.js";
import { ResearchError } from "../shared/errors.js";
import { withCount } from "../shared/plural.js";
import { requireCapability } from "../shared/roles.js";
import { inTransaction, type DocumentStore, type Queryable } from "../store/index.js";
import {
  bumpCodingsRevision,
  bumpCorpusRevision,
  parseJsonArray,
  projectSql,
  refreshThreadsLastPost,
} from "./corpus.js";
import { unlinkFieldNotes } from "./field-notes.js";
import { toImportSummary, type ImportSummary } from "./imports.js";

/**
 * Removing an import as a whole: a wrong file, a test upload, a community that turned out to be out of
 * scope. Its posts go with what was made on them (codings, memos, NLP annotations and suggestions,
 * member-check responses quoting those codings, field-note links); threads and communities left empty
 * go; members left without posts go unless their consent log holds an entry (that is evidence the study
 * keeps). Replies in other imports to a removed post stay, as replies whose parent is not collected.
 */

export type ImportRemoval = {
  import: ImportSummary;
  posts: number;
  threads: number;
  communities: number;
  members: number;
  codings: number;
  memos: number;
  /** Whether the acting person may remove it (the owner, or the researcher who imported it). */
  allowed: boolean;
};

type WithImport = { store: DocumentStore; slug: string; importId: string; userId: string };

/** Chunks for `in (...)` lists, as in the corpus queries. */
const ID_CHUNK = 500;

async function importRow(db: Queryable, projectId: string, importId: string) {
  const row = await db
    .selectFrom("imports")
    .selectAll()
    .where("project_id", "=", projectId)
    .where("id", "=", importId)
    .executeTakeFirst();
  if (!row) throw new ResearchError("not-found", "No such import in this project.");
  return row;
}

/** The import's posts, as a subquery. */
const postsOf = (db: Queryable, projectId: string, importId: string) =>
  db
    .selectFrom("posts as ip")
    .select("ip.id")
    .where("ip.project_id", "=", projectId)
    .where("ip.import_id", "=", importId);

/** Members whose every post is in this import and who have no consent entry: they go with it. */
async function membersOnlyIn(
  db: Queryable,
  projectId: string,
  importId: string,
): Promise<string[]> {
  const rows = await db
    .selectFrom("members as m")
    .select("m.id")
    .where("m.project_id", "=", projectId)
    .where((eb) =>
      eb.and([
        eb.exists(
          eb
            .selectFrom("posts as p")
            .select("p.id")
            .whereRef("p.member_id", "=", "m.id")
            .where("p.import_id", "=", importId),
        ),
        eb.not(
          eb.exists(
            eb
              .selectFrom("posts as o")
              .select("o.id")
              .whereRef("o.member_id", "=", "m.id")
              .where("o.import_id", "!=", importId),
          ),
        ),
        eb.not(
          eb.exists(
            eb
              .selectFrom("consent_entries as ce")
              .select("ce.id")
              .whereRef("ce.member_id", "=", "m.id")
              .where("ce.project_id", "=", projectId),
          ),
        ),
      ]),
    )
    .execute();
  return rows.map((row) => row.id);
}

async function threadsOnlyIn(db: Queryable, projectId: string, importId: string) {
  const rows = await db
    .selectFrom("threads as t")
    .select("t.id")
    .where("t.project_id", "=", projectId)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom("posts as o")
            .select("o.id")
            .whereRef("o.thread_id", "=", "t.id")
            .where("o.import_id", "!=", importId),
        ),
      ),
    )
    .where((eb) =>
      eb.or([
        eb("t.import_id", "=", importId),
        eb.exists(
          eb
            .selectFrom("posts as p")
            .select("p.id")
            .whereRef("p.thread_id", "=", "t.id")
            .where("p.import_id", "=", importId),
        ),
      ]),
    )
    .execute();
  return rows.map((row) => row.id);
}

async function communitiesLeftEmpty(
  db: Queryable,
  projectId: string,
  importId: string,
  candidates: string[],
): Promise<string[]> {
  if (candidates.length === 0) return [];
  const rows = await db
    .selectFrom("communities as c")
    .select("c.id")
    .where("c.project_id", "=", projectId)
    .where("c.id", "in", candidates)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom("posts as o")
            .select("o.id")
            .whereRef("o.community_id", "=", "c.id")
            .where("o.import_id", "!=", importId),
        ),
      ),
    )
    .execute();
  return rows.map((row) => row.id);
}

async function countRemoval(db: Queryable, projectId: string, importId: string) {
  const row = await importRow(db, projectId, importId);
  const count = async (query: Promise<{ n: number | string | bigint }>) => Number((await query).n);
  const [posts, codings, memos] = await Promise.all([
    count(
      db
        .selectFrom("posts")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("project_id", "=", projectId)
        .where("import_id", "=", importId)
        .executeTakeFirstOrThrow(),
    ),
    count(
      db
        .selectFrom("codings")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("project_id", "=", projectId)
        .where("source_type", "=", "post")
        .where("source_id", "in", postsOf(db, projectId, importId))
        .executeTakeFirstOrThrow(),
    ),
    count(
      db
        .selectFrom("memos")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("project_id", "=", projectId)
        .where("target_type", "=", "post")
        .where("target_id", "in", postsOf(db, projectId, importId))
        .executeTakeFirstOrThrow(),
    ),
  ]);
  const threads = await threadsOnlyIn(db, projectId, importId);
  let threadMemos = 0;
  for (let i = 0; i < threads.length; i += ID_CHUNK)
    threadMemos += await count(
      db
        .selectFrom("memos")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("project_id", "=", projectId)
        .where("target_type", "=", "thread")
        .where("target_id", "in", threads.slice(i, i + ID_CHUNK))
        .executeTakeFirstOrThrow(),
    );
  const members = await membersOnlyIn(db, projectId, importId);
  const communities = await communitiesLeftEmpty(
    db,
    projectId,
    importId,
    parseJsonArray(row.community_ids),
  );
  return { row, posts, codings, memos: memos + threadMemos, threads, members, communities };
}

async function mayRemove(
  store: DocumentStore,
  slug: string,
  userId: string,
  importedBy: string,
): Promise<boolean> {
  const { role } = await requireCapability({ store, slug, userId, capability: "code" });
  return role === "owner" || importedBy === userId;
}

/** What removing the import would take away, for the confirmation the researcher reads first. */
export async function previewImportRemoval({
  store,
  slug,
  importId,
  userId,
}: WithImport): Promise<ImportRemoval> {
  await requireCapability({ store, slug, userId, capability: "code" });
  const { db, projectId } = await projectSql({ store, slug });
  const counted = await countRemoval(db, projectId, importId);
  return {
    import: toImportSummary(counted.row),
    posts: counted.posts,
    threads: counted.threads.length,
    communities: counted.communities.length,
    members: counted.members.length,
    codings: counted.codings,
    memos: counted.memos,
    allowed: await mayRemove(store, slug, userId, counted.row.imported_by),
  };
}

/**
 * Removes the import and what was made on its posts, in one transaction under the corpus lock (an
 * import or an erasure cannot interleave). Only the owner or the researcher who imported it may.
 */
export async function removeImport({
  store,
  slug,
  importId,
  userId,
}: WithImport): Promise<Omit<ImportRemoval, "allowed" | "import">> {
  await requireCapability({ store, slug, userId, capability: "code" });
  const { database, projectId } = await projectSql({ store, slug });
  return inTransaction(
    database,
    async (trx) => {
      const counted = await countRemoval(trx, projectId, importId);
      if (!(await mayRemove(store, slug, userId, counted.row.imported_by)))
        throw new ResearchError(
          "forbidden",
          "Only the project's owner or the researcher who imported it can remove an import.",
        );
      const posts = postsOf(trx, projectId, importId);
      const codings = trx
        .selectFrom("codings as ic")
        .select("ic.id")
        .where("ic.project_id", "=", projectId)
        .where("ic.source_type", "=", "post")
        .where("ic.source_id", "in", posts);
      const notes = await unlinkFieldNotes(trx, database.engine, projectId, {
        memberIds: counted.members,
        threadIds: counted.threads,
        postsOf: { column: "import_id", value: importId },
      });
      await trx
        .deleteFrom("member_responses")
        .where("project_id", "=", projectId)
        .where("quote_ref", "in", codings)
        .execute();
      await trx
        .deleteFrom("codings")
        .where("project_id", "=", projectId)
        .where("source_type", "=", "post")
        .where("source_id", "in", posts)
        .execute();
      await trx
        .deleteFrom("memos")
        .where("project_id", "=", projectId)
        .where("target_type", "=", "post")
        .where("target_id", "in", posts)
        .execute();
      for (const table of ["suggestions", "suggestion_decisions"] as const)
        await trx
          .deleteFrom(table)
          .where("project_id", "=", projectId)
          .where("source_id", "in", posts)
          .execute();
      await trx.deleteFrom("annotations").where("post_id", "in", posts).execute();
      await trx.deleteFrom("withheld_quotes").where("post_id", "in", posts).execute();
      // Replies from other imports lose their parent, as after an erasure.
      await trx
        .updateTable("posts")
        .set({ parent_id: null })
        .where("project_id", "=", projectId)
        .where("import_id", "!=", importId)
        .where("parent_id", "in", posts)
        .execute();
      const touchedMembers = (
        await trx
          .selectFrom("posts")
          .select("member_id")
          .distinct()
          .where("project_id", "=", projectId)
          .where("import_id", "=", importId)
          .where("member_id", "is not", null)
          .execute()
      ).map((row) => row.member_id!);
      const touchedThreads = (
        await trx
          .selectFrom("posts")
          .select("thread_id")
          .distinct()
          .where("project_id", "=", projectId)
          .where("import_id", "=", importId)
          .execute()
      ).map((row) => row.thread_id);
      await trx
        .deleteFrom("posts")
        .where("project_id", "=", projectId)
        .where("import_id", "=", importId)
        .execute();
      for (let i = 0; i < counted.threads.length; i += ID_CHUNK) {
        await trx
          .deleteFrom("memos")
          .where("project_id", "=", projectId)
          .where("target_type", "=", "thread")
          .where("target_id", "in", counted.threads.slice(i, i + ID_CHUNK))
          .execute();
        await trx
          .deleteFrom("threads")
          .where("project_id", "=", projectId)
          .where("id", "in", counted.threads.slice(i, i + ID_CHUNK))
          .execute();
      }
      for (let i = 0; i < counted.members.length; i += ID_CHUNK)
        await trx
          .deleteFrom("members")
          .where("project_id", "=", projectId)
          .where("id", "in", counted.members.slice(i, i + ID_CHUNK))
          .execute();
      if (counted.communities.length > 0)
        await trx
          .deleteFrom("communities")
          .where("project_id", "=", projectId)
          .where("id", "in", counted.communities)
          .execute();
      // What stays shows its own figures: members' post counts and dates, threads' latest post.
      const gone = new Set(counted.members);
      const kept = touchedMembers.filter((id) => !gone.has(id));
      for (let i = 0; i < kept.length; i += ID_CHUNK)
        await trx
          .updateTable("members")
          .set((eb) => ({
            post_count: eb
              .selectFrom("posts as mp")
              .select((inner) => inner.fn.countAll<number>().as("n"))
              .whereRef("mp.member_id", "=", "members.id"),
            first_post_at: eb
              .selectFrom("posts as mp")
              .select((inner) => inner.fn.min("mp.created_at").as("first"))
              .whereRef("mp.member_id", "=", "members.id"),
            last_post_at: eb
              .selectFrom("posts as mp")
              .select((inner) => inner.fn.max("mp.created_at").as("last"))
              .whereRef("mp.member_id", "=", "members.id"),
          }))
          .where("project_id", "=", projectId)
          .where("id", "in", kept.slice(i, i + ID_CHUNK))
          .execute();
      const goneThreads = new Set(counted.threads);
      const keptThreads = touchedThreads.filter((id) => !goneThreads.has(id));
      await refreshThreadsLastPost(trx, projectId, keptThreads);
      await trx
        .deleteFrom("imports")
        .where("project_id", "=", projectId)
        .where("id", "=", importId)
        .execute();
      await bumpCorpusRevision(trx, projectId);
      await bumpCodingsRevision(trx, projectId);
      const result = {
        posts: counted.posts,
        threads: counted.threads.length,
        communities: counted.communities.length,
        members: counted.members.length,
        codings: counted.codings,
        memos: counted.memos,
      };
      await insertAuditEvent(trx, projectId, {
        by: userId,
        action: "import-removed",
        detail:
          `import ${importId} removed: ${withCount(result.posts, "post")},` +
          ` ${withCount(result.threads, "thread")},` +
          ` ${withCount(result.communities, "community", "communities")},` +
          ` ${withCount(result.members, "member")}, ${withCount(result.codings, "coding")},` +
          ` ${withCount(result.memos, "memo")}; ${withCount(notes, "field note")} unlinked`,
      });
      return result;
    },
    { lockKey: `corpus:${projectId}` },
  );
}
