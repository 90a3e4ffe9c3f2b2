import { safeWebUrl } from "../shared/safe-url.js";
import { sql, type Selectable } from "kysely";
import { requireProject } from "../projects/projects.js";
import type { Capability, Project } from "../projects/model.js";
import { requireCapability } from "../shared/roles.js";
import { sqlFor, type DocumentStore, type Queryable, type SqlDatabase } from "../store/index.js";
import type { MembersTable, PostsTable, ThreadsTable } from "../store/sql/schema.js";
import {
  PlatformSchema,
  type Community,
  type CorpusPost,
  type Member,
  type Thread,
} from "./model.js";

/**
 * The corpus as queries. Every read of posts or members goes through `visiblePosts` / `visibleMembers`,
 * which leave out opted-out members inside the query, so no view, suggestion, map, report or export can
 * see their words. Nothing here loads a whole corpus: pages ask for pages, long work iterates in batches.
 */

export type ProjectSql = {
  database: SqlDatabase;
  db: Queryable;
  project: Project;
  projectId: string;
};

/** The project (404 when it does not exist) and the database holding its tables. */
export async function projectSql({
  store,
  slug,
}: {
  store: DocumentStore;
  slug: string;
}): Promise<ProjectSql> {
  const project = await requireProject({ store, slug });
  const database = await sqlFor(store);
  return { database, db: database.db, project, projectId: project.id };
}

/**
 * `projectSql` for a command that changes the project: the acting user's role must allow the capability
 * (not-found for a non-member, forbidden for a role without it), checked on the one read of the project.
 */
export async function projectSqlAs({
  store,
  slug,
  userId,
  capability,
}: {
  store: DocumentStore;
  slug: string;
  userId: string;
  capability: Capability;
}): Promise<ProjectSql> {
  const { project } = await requireCapability({ store, slug, userId, capability });
  const database = await sqlFor(store);
  return { database, db: database.db, project, projectId: project.id };
}

/**
 * The project's posts (`p`) that any view may show, joined to their author (`m`, absent for deleted authors).
 * The opt-out is a separate `not exists` on the (few) opted-out members, not a condition on `m`: a query
 * that uses no column of `m` then drops the join, and PostgreSQL no longer hashes every member of the
 * project for each query (100k posts: 12,496 members hashed per search and per threads-list count).
 */
export function visiblePosts(db: Queryable, projectId: string) {
  return db
    .selectFrom("posts as p")
    .leftJoin("members as m", "m.id", "p.member_id")
    .where("p.project_id", "=", projectId)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom("members as opted_out")
            .select(sql`1`.as("one"))
            .whereRef("opted_out.id", "=", "p.member_id")
            .where("opted_out.project_id", "=", projectId)
            .where("opted_out.consent_status", "=", "opted-out"),
        ),
      ),
    );
}

/**
 * The visible posts of some communities only (a report's scope); null: of every community. An empty list
 * is a scope holding nothing, not "no filter".
 */
export function visiblePostsOf(
  db: Queryable,
  projectId: string,
  communityIds: readonly string[] | null,
) {
  const visible = visiblePosts(db, projectId);
  if (!communityIds) return visible;
  return visible.where("p.community_id", "in", communityIds.length ? [...communityIds] : [""]);
}

/** The project's members that any view may show (not opted out). */
export function visibleMembers(db: Queryable, projectId: string) {
  return db
    .selectFrom("members as m")
    .where("m.project_id", "=", projectId)
    .where((eb) =>
      eb.or([eb("m.consent_status", "is", null), eb("m.consent_status", "!=", "opted-out")]),
    );
}

export const POST_COLUMNS = [
  "p.seq",
  "p.id",
  "p.source_id",
  "p.thread_id",
  "p.community_id",
  "p.parent_source_id",
  "p.parent_source_key",
  "p.parent_id",
  "p.member_id",
  "p.created_at",
  "p.title",
  "p.html",
  "p.text",
  "p.url",
  "p.language",
  "p.deleted_upstream",
] as const;

type PostRow = Pick<
  Selectable<PostsTable>,
  | "id"
  | "source_id"
  | "thread_id"
  | "community_id"
  | "parent_source_id"
  | "parent_source_key"
  | "parent_id"
  | "member_id"
  | "created_at"
  | "title"
  | "html"
  | "text"
  | "url"
  | "language"
  | "deleted_upstream"
>;

/** A posts row as the rest of the core sees it. `depth` is only known inside a thread tree (0 here). */
export function toCorpusPost(row: PostRow): CorpusPost {
  return {
    id: row.id,
    sourceId: row.source_id,
    threadId: row.thread_id,
    communityId: row.community_id,
    parentSourceId: row.parent_source_id,
    memberId: row.member_id,
    createdAt: row.created_at,
    title: row.title,
    html: row.html,
    text: row.text,
    url: safeWebUrl(row.url),
    language: row.language,
    deletedUpstream: Boolean(row.deleted_upstream),
    parentId: row.parent_id,
    orphan: row.parent_source_key !== null && row.parent_id === null,
    depth: 0,
  };
}

export function toMember(row: Selectable<MembersTable>): Member {
  return {
    id: row.id,
    platform: PlatformSchema.catch("other").parse(row.platform),
    handle: row.handle,
    displayName: row.display_name,
    platformUserId: row.platform_user_id,
    identityKey: row.identity_key,
    pseudonym: row.pseudonym,
    postCount: Number(row.post_count),
    firstPostAt: row.first_post_at,
    lastPostAt: row.last_post_at,
    privacySignals: parseJsonArray(row.privacy_signals),
  };
}

export function toThread(row: Selectable<ThreadsTable>): Thread {
  return {
    id: row.id,
    communityId: row.community_id,
    sourceId: row.source_id,
    title: row.title,
    url: safeWebUrl(row.url),
    createdAt: row.created_at,
  };
}

export function parseJsonArray(text: string | null): string[] {
  if (!text) return [];
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value)
      ? value.filter((item): item is string => typeof item === "string")
      : [];
  } catch {
    return [];
  }
}

/** The project's communities, in the order they were first imported. */
export async function listCommunities({
  store,
  slug,
}: {
  store: DocumentStore;
  slug: string;
}): Promise<Community[]> {
  const { db, projectId } = await projectSql({ store, slug });
  const rows = await db
    .selectFrom("communities")
    .selectAll()
    .where("project_id", "=", projectId)
    .orderBy("created_at")
    .orderBy("name")
    .execute();
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    platform: PlatformSchema.catch("other").parse(row.platform),
    url: safeWebUrl(row.url),
    createdAt: row.created_at,
  }));
}

/** One visible post, or null (unknown, another project's, or its author opted out). */
export async function getVisiblePost({
  store,
  slug,
  postId,
}: {
  store: DocumentStore;
  slug: string;
  postId: string;
}): Promise<CorpusPost | null> {
  const { db, projectId } = await projectSql({ store, slug });
  const row = await visiblePosts(db, projectId)
    .select(POST_COLUMNS)
    .where("p.id", "=", postId)
    .executeTakeFirst();
  return row ? toCorpusPost(row) : null;
}

/** Chunks for `in (...)` lists: both engines take far more, but plans stay cheap at this size. */
const ID_CHUNK = 500;

export type PostWithContext = CorpusPost & {
  threadTitle: string;
  communityName: string;
  pseudonym: string | null;
};

/** The visible ones among the given posts, with their thread title, community and author's pseudonym. */
export async function getVisiblePosts({
  store,
  slug,
  postIds,
}: {
  store: DocumentStore;
  slug: string;
  postIds: Iterable<string>;
}): Promise<Map<string, PostWithContext>> {
  const { db, projectId } = await projectSql({ store, slug });
  return getVisiblePostsIn(db, projectId, postIds);
}

export async function getVisiblePostsIn(
  db: Queryable,
  projectId: string,
  postIds: Iterable<string>,
): Promise<Map<string, PostWithContext>> {
  const ids = [...new Set(postIds)];
  const found = new Map<string, PostWithContext>();
  for (let i = 0; i < ids.length; i += ID_CHUNK) {
    const rows = await visiblePosts(db, projectId)
      .innerJoin("threads as t", "t.id", "p.thread_id")
      .innerJoin("communities as c", "c.id", "p.community_id")
      .select([
        ...POST_COLUMNS,
        "t.title as thread_title",
        "c.name as community_name",
        "m.pseudonym as pseudonym",
      ])
      .where("p.id", "in", ids.slice(i, i + ID_CHUNK))
      .execute();
    for (const row of rows) {
      found.set(row.id, {
        ...toCorpusPost(row),
        threadTitle: row.thread_title,
        communityName: row.community_name,
        pseudonym: row.pseudonym,
      });
    }
  }
  return found;
}

/** The visible ones among the given members. */
export async function getVisibleMembers({
  store,
  slug,
  memberIds,
}: {
  store: DocumentStore;
  slug: string;
  memberIds: Iterable<string>;
}): Promise<Map<string, Member>> {
  const { db, projectId } = await projectSql({ store, slug });
  const ids = [...new Set(memberIds)];
  const found = new Map<string, Member>();
  for (let i = 0; i < ids.length; i += ID_CHUNK) {
    const rows = await visibleMembers(db, projectId)
      .selectAll()
      .where("m.id", "in", ids.slice(i, i + ID_CHUNK))
      .execute();
    for (const row of rows) found.set(row.id, toMember(row));
  }
  return found;
}

/** The given threads of the project. */
export async function getThreads({
  store,
  slug,
  threadIds,
}: {
  store: DocumentStore;
  slug: string;
  threadIds: Iterable<string>;
}): Promise<Map<string, Thread>> {
  const { db, projectId } = await projectSql({ store, slug });
  const ids = [...new Set(threadIds)];
  const found = new Map<string, Thread>();
  for (let i = 0; i < ids.length; i += ID_CHUNK) {
    const rows = await db
      .selectFrom("threads")
      .selectAll()
      .where("project_id", "=", projectId)
      .where("id", "in", ids.slice(i, i + ID_CHUNK))
      .execute();
    for (const row of rows) found.set(row.id, toThread(row));
  }
  return found;
}

/**
 * Every visible post of the project (or of some communities), oldest first by import order, in batches:
 * for NLP runs, exports and analyses that must see all posts without holding them all in memory.
 */
export async function* iterateVisiblePosts({
  store,
  slug,
  communityIds,
  batchSize = 2_000,
}: {
  store: DocumentStore;
  slug: string;
  communityIds?: string[];
  batchSize?: number;
}): AsyncGenerator<CorpusPost[]> {
  const { db, projectId } = await projectSql({ store, slug });
  if (communityIds && communityIds.length === 0) return;
  let after = 0;
  for (;;) {
    let query = visiblePosts(db, projectId)
      .select(POST_COLUMNS)
      .where("p.seq", ">", after)
      .orderBy("p.seq")
      .limit(batchSize);
    if (communityIds) query = query.where("p.community_id", "in", communityIds);
    const rows = await query.execute();
    if (rows.length === 0) return;
    after = Number(rows[rows.length - 1].seq);
    yield rows.map(toCorpusPost);
    if (rows.length < batchSize) return;
  }
}

/**
 * A fingerprint of what the corpus shows: changes with every import, erasure and consent change, so a
 * bounded cache (a map layout, say) keyed by it is never stale.
 */
export async function getCorpusRevision({
  store,
  slug,
}: {
  store: DocumentStore;
  slug: string;
}): Promise<string> {
  const { db, projectId } = await projectSql({ store, slug });
  const row = await db
    .selectFrom("corpus_revisions")
    .select("revision")
    .where("project_id", "=", projectId)
    .executeTakeFirst();
  return `${projectId}:${row ? Number(row.revision) : 0}`;
}

// The codings' revision is a second row of corpus_revisions, keyed `<project id>/codings` (project ids have
// no slash), so it needed no new table: applies bump it, and the corpus counts keyed by the corpus revision
// alone stay cached while people code.
const codingsRevisionKey = (projectId: string) => `${projectId}/codings`;

/**
 * The revisions an analysis of the project's codings depends on, read from the database (so they are the
 * same on every app server and after a CLI write): what the corpus shows and the codings themselves.
 */
export async function getCodingsRevision(db: Queryable, projectId: string): Promise<string> {
  const rows = await db
    .selectFrom("corpus_revisions")
    .select(["project_id", "revision"])
    .where("project_id", "in", [projectId, codingsRevisionKey(projectId)])
    .execute();
  const of = (key: string) => Number(rows.find((row) => row.project_id === key)?.revision ?? 0);
  return `${projectId}:${of(projectId)}:${of(codingsRevisionKey(projectId))}`;
}

/** Marks a change to the project's codings; call inside the transaction that makes the change. */
export async function bumpCodingsRevision(trx: Queryable, projectId: string): Promise<void> {
  await trx
    .insertInto("corpus_revisions")
    .values({ project_id: codingsRevisionKey(projectId), revision: 1 })
    .onConflict((conflict) =>
      conflict
        .column("project_id")
        .doUpdateSet((eb) => ({ revision: eb("corpus_revisions.revision", "+", 1) })),
    )
    .execute();
}

/** Marks a change to what the corpus shows; call inside the transaction that makes the change. */
export async function bumpCorpusRevision(trx: Queryable, projectId: string): Promise<void> {
  await trx
    .insertInto("corpus_revisions")
    .values({ project_id: projectId, revision: 1 })
    .onConflict((conflict) =>
      conflict
        .column("project_id")
        .doUpdateSet((eb) => ({ revision: eb("corpus_revisions.revision", "+", 1) })),
    )
    .execute();
}

/**
 * Recomputes the latest post of the given threads after posts left or joined them (an erasure, a removed
 * import, a merge), so the threads list sorts them by what they still hold.
 */
export async function refreshThreadsLastPost(
  trx: Queryable,
  projectId: string,
  threadIds: string[],
): Promise<void> {
  for (let i = 0; i < threadIds.length; i += ID_CHUNK)
    await trx
      .updateTable("threads")
      .set((eb) => ({
        last_post_at: eb
          .selectFrom("posts as rp")
          .select((inner) => inner.fn.max("rp.created_at").as("latest"))
          .whereRef("rp.thread_id", "=", "threads.id"),
      }))
      .where("project_id", "=", projectId)
      .where("id", "in", threadIds.slice(i, i + ID_CHUNK))
      .execute();
}

export type CorpusCounts = {
  posts: number;
  threads: number;
  members: number;
  withheldPosts: number;
  withheldMembers: number;
};

/** What the corpus holds and how much of it is withheld because members opted out. */
export async function countCorpus({
  store,
  slug,
}: {
  store: DocumentStore;
  slug: string;
}): Promise<CorpusCounts> {
  const { db, projectId } = await projectSql({ store, slug });
  const [all, visible, threads, members, visibleMemberCount] = await Promise.all([
    db
      .selectFrom("posts")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("project_id", "=", projectId)
      .executeTakeFirstOrThrow(),
    visiblePosts(db, projectId)
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow(),
    visiblePosts(db, projectId)
      .select((eb) => eb.fn.count<number>("p.thread_id").distinct().as("n"))
      .executeTakeFirstOrThrow(),
    db
      .selectFrom("members")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("project_id", "=", projectId)
      .executeTakeFirstOrThrow(),
    visibleMembers(db, projectId)
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow(),
  ]);
  return {
    posts: Number(visible.n),
    threads: Number(threads.n),
    members: Number(visibleMemberCount.n),
    withheldPosts: Number(all.n) - Number(visible.n),
    withheldMembers: Number(members.n) - Number(visibleMemberCount.n),
  };
}
