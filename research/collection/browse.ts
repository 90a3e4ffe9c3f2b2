import { sql, type SqlBool } from "kysely";
import { ConsentStatusSchema, type ConsentStatus } from "../entree/model.js";
import type { DocumentStore, Queryable } from "../store/index.js";
import {
  listCommunities,
  POST_COLUMNS,
  projectSql,
  toCorpusPost,
  toMember,
  toThread,
  visibleMembers,
  visiblePosts,
} from "./corpus.js";
import type { Community, CorpusPost, Member, Thread } from "./model.js";
import { applyPostFilter, postMatches } from "./search.js";
import { cachedPerRevision } from "./revision-cache.js";
import { parseSearchQuery } from "./search-query.js";

/**
 * The collection's browsing views as page-shaped queries: one page of threads, one thread as a tree,
 * one page of members. Opted-out members' posts are left out inside each query (visiblePosts).
 */

export type ThreadFilter = {
  communityId?: string;
  memberId?: string;
  /** YYYY-MM-DD, inclusive. */
  from?: string;
  to?: string;
  /** A search query (words, "phrases", prefix*, AND/OR/NOT) some post of the thread must match. */
  keyword?: string;
};
export type ThreadSort = "last-post" | "created";
export type ThreadSummary = Thread & {
  communityName: string;
  postCount: number;
  lastPostAt: string | null;
  orphans: number;
};

/**
 * Threads with at least one visible post matching the filter (member, date range, keyword), a page at
 * a time: newest last post first, or newest thread first. `total` counts every matching thread.
 */
export async function listThreads({
  store,
  slug,
  filter = {},
  sort = "last-post",
  limit = 200,
  offset = 0,
}: {
  store: DocumentStore;
  slug: string;
  filter?: ThreadFilter;
  sort?: ThreadSort;
  limit?: number;
  offset?: number;
}): Promise<{ threads: ThreadSummary[]; total: number }> {
  const { database, db, projectId } = await projectSql({ store, slug });
  const keyword = filter.keyword?.trim() ? parseSearchQuery(filter.keyword) : null;
  const postFilter = { memberId: filter.memberId, from: filter.from, to: filter.to };

  // The threads that some visible post (matching the post filters) belongs to. A member or a keyword
  // picks few posts: their threads are found from the posts (index on member, full-text index).
  // Otherwise each thread is checked for one visible post (index on thread and date), which stops at
  // the first and lets the page walk the threads in sort order.
  let posts = applyPostFilter(visiblePosts(db, projectId), postFilter).select("p.thread_id");
  if (keyword) posts = posts.where(postMatches(database.engine, keyword));
  const selective = Boolean(keyword || filter.memberId);

  let threads = db
    .selectFrom("threads as t")
    .innerJoin("communities as c", "c.id", "t.community_id")
    .where("t.project_id", "=", projectId)
    .where((eb) =>
      selective
        ? eb("t.id", "in", posts)
        : eb.exists(
            posts
              .where(sql<SqlBool>`p.thread_id = t.id`)
              .clearSelect()
              .select(sql`1`.as("one")),
          ),
    );
  if (filter.communityId) threads = threads.where("t.community_id", "=", filter.communityId);

  const onlyByCommunity = !selective && !filter.from && !filter.to;
  const countMatching = async () =>
    onlyByCommunity
      ? countThreadsWithVisiblePosts(db, projectId, filter.communityId)
      : Number(
          (await threads.select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n,
        );
  const [total, rows] = await Promise.all([
    // The total changes only with the corpus (imports, erasures, consent): counted once per revision.
    cachedPerRevision(
      store,
      slug,
      `threads-total|${JSON.stringify({ ...filter, keyword })}`,
      countMatching,
    ),
    threads
      .selectAll("t")
      .select("c.name as community_name")
      .orderBy(
        sort === "created" ? "t.created_at" : sql`coalesce(t.last_post_at, t.created_at)`,
        "desc",
      )
      .orderBy("t.id")
      .limit(limit)
      .offset(offset)
      .execute(),
  ]);

  // Counts over the page's threads only (index on posts by thread).
  const ids = rows.map((row) => row.id);
  const stats =
    ids.length === 0
      ? []
      : await visiblePosts(db, projectId)
          .where("p.thread_id", "in", ids)
          .groupBy("p.thread_id")
          .select((eb) => [
            "p.thread_id",
            eb.fn.countAll().as("posts"),
            eb.fn.max("p.created_at").as("last_post_at"),
            eb.fn
              .sum(
                sql<number>`case when p.parent_source_key is not null and p.parent_id is null then 1 else 0 end`,
              )
              .as("orphans"),
          ])
          .execute();
  const statsOf = new Map(stats.map((row) => [row.thread_id, row]));
  return {
    total,
    threads: rows.map((row) => {
      const stat = statsOf.get(row.id);
      return {
        ...toThread(row),
        communityName: row.community_name,
        postCount: Number(stat?.posts ?? 0),
        lastPostAt: (stat?.last_post_at as string | null | undefined) ?? null,
        orphans: Number(stat?.orphans ?? 0),
      };
    }),
  };
}

/**
 * How many threads (of a community) have a visible post, without checking every thread's posts
 * against their authors' consent: the threads with any post, less those whose posts are all withheld,
 * which can only be threads holding an opted-out member's post (few, found from those members).
 */
async function countThreadsWithVisiblePosts(
  db: Queryable,
  projectId: string,
  communityId: string | undefined,
): Promise<number> {
  let withPosts = db
    .selectFrom("threads as t")
    .where("t.project_id", "=", projectId)
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom("posts as p")
          .select(sql`1`.as("one"))
          .where("p.project_id", "=", projectId)
          .whereRef("p.thread_id", "=", "t.id"),
      ),
    );
  if (communityId) withPosts = withPosts.where("t.community_id", "=", communityId);
  let withWithheld = db
    .selectFrom("members as m")
    .innerJoin("posts as w", "w.member_id", "m.id")
    .where("m.project_id", "=", projectId)
    .where("m.consent_status", "=", "opted-out")
    .select("w.thread_id")
    .distinct();
  if (communityId) withWithheld = withWithheld.where("w.community_id", "=", communityId);
  const [all, onlyWithheld] = await Promise.all([
    withPosts.select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow(),
    db
      .selectFrom(withWithheld.as("h"))
      .where(({ not, exists }) =>
        not(
          exists(
            visiblePosts(db, projectId)
              .select(sql`1`.as("one"))
              .where(sql<SqlBool>`p.thread_id = h.thread_id`),
          ),
        ),
      )
      .select((eb) => eb.fn.countAll().as("n"))
      .executeTakeFirstOrThrow(),
  ]);
  return Number(all.n) - Number(onlyWithheld.n);
}

export type PostNode = {
  post: CorpusPost;
  author: { pseudonym: string; handle: string } | null;
  replies: PostNode[];
};

/**
 * One thread's visible posts as a reply tree (orphans, top-level posts and replies to withheld posts
 * at the root), oldest first, with each post's depth set. Null when the thread has no visible post.
 */
export async function getThreadTree({
  store,
  slug,
  threadId,
}: {
  store: DocumentStore;
  slug: string;
  threadId: string;
}): Promise<{
  thread: Thread;
  communityName: string;
  roots: PostNode[];
  postCount: number;
} | null> {
  const { db, projectId } = await projectSql({ store, slug });
  const thread = await db
    .selectFrom("threads as t")
    .innerJoin("communities as c", "c.id", "t.community_id")
    .selectAll("t")
    .select("c.name as community_name")
    .where("t.project_id", "=", projectId)
    .where("t.id", "=", threadId)
    .executeTakeFirst();
  if (!thread) return null;
  const rows = await visiblePosts(db, projectId)
    .select([...POST_COLUMNS, "m.pseudonym as pseudonym", "m.handle as handle"])
    .where("p.thread_id", "=", threadId)
    .orderBy("p.created_at")
    .orderBy("p.seq")
    .execute();
  if (rows.length === 0) return null;

  const nodes = new Map<string, PostNode>();
  for (const row of rows) {
    const author =
      row.pseudonym !== null && row.handle !== null
        ? { pseudonym: row.pseudonym, handle: row.handle }
        : null;
    nodes.set(row.id, { post: toCorpusPost(row), author, replies: [] });
  }
  const roots: PostNode[] = [];
  for (const node of nodes.values()) {
    const parent = node.post.parentId ? nodes.get(node.post.parentId) : undefined;
    if (parent && parent !== node) parent.replies.push(node);
    else roots.push(node);
  }
  // Depth from the roots down (iterative: a long reply chain must not overflow the stack).
  const stack = roots.map((node) => ({ node, depth: 0 }));
  const seen = new Set<PostNode>();
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    if (seen.has(node)) continue;
    seen.add(node);
    node.post.depth = depth;
    for (const reply of node.replies) stack.push({ node: reply, depth: depth + 1 });
  }
  // A reply cycle (bad data) is never reachable from a root: show those posts at the root too.
  for (const node of nodes.values()) if (!seen.has(node)) roots.push(node);
  return {
    thread: toThread(thread),
    communityName: thread.community_name,
    roots,
    postCount: rows.length,
  };
}

export type MemberRow = Member & { consent: ConsentStatus | null; communityNames: string[] };
export type MemberSort = "posts" | "pseudonym" | "last-post";

function likePattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * Members a page at a time, most active first, with consent status and the communities they posted
 * in; `search` matches pseudonym, handle or display name. Opted-out members are left out unless
 * `includeOptedOut` (the owner's consent log, where an opt-out must stay visible).
 */
export async function listMembers({
  store,
  slug,
  search,
  includeOptedOut = false,
  sort = "posts",
  limit = 100,
  offset = 0,
  withCommunities = true,
}: {
  store: DocumentStore;
  slug: string;
  search?: string;
  includeOptedOut?: boolean;
  sort?: MemberSort;
  limit?: number;
  offset?: number;
  /**
   * False when only the members are wanted (a filter's list of names): `communityNames` is then empty,
   * which saves reading every post of the page's members (500 members: 7,149 posts on 100k).
   */
  withCommunities?: boolean;
}): Promise<{ members: MemberRow[]; total: number }> {
  const { db, projectId } = await projectSql({ store, slug });
  let members = includeOptedOut
    ? db.selectFrom("members as m").where("m.project_id", "=", projectId)
    : visibleMembers(db, projectId);
  const needle = search?.trim();
  if (needle) {
    const pattern = likePattern(needle);
    members = members.where(
      sql<SqlBool>`(lower(m.pseudonym) like ${pattern} escape '\\' or lower(m.handle) like ${pattern} escape '\\'
        or lower(coalesce(m.display_name, '')) like ${pattern} escape '\\')`,
    );
  }
  let page = members.selectAll("m");
  if (sort === "pseudonym") page = page.orderBy("m.pseudonym");
  else if (sort === "last-post")
    page = page.orderBy("m.last_post_at", "desc").orderBy("m.pseudonym");
  else page = page.orderBy("m.post_count", "desc").orderBy("m.pseudonym");
  const [counted, rows] = await Promise.all([
    members.select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow(),
    page.limit(limit).offset(offset).execute(),
  ]);

  const ids = rows.map((row) => row.id);
  const places =
    ids.length === 0 || !withCommunities
      ? []
      : await db
          .selectFrom("posts as p")
          .innerJoin("communities as c", "c.id", "p.community_id")
          .select(["p.member_id", "c.name"])
          .distinct()
          .where("p.project_id", "=", projectId)
          .where("p.member_id", "in", ids)
          .execute();
  const communitiesOf = new Map<string, string[]>();
  for (const place of places) {
    if (!place.member_id) continue;
    communitiesOf.set(place.member_id, [...(communitiesOf.get(place.member_id) ?? []), place.name]);
  }
  return {
    total: Number(counted.n),
    members: rows.map((row) => ({
      ...toMember(row),
      consent: ConsentStatusSchema.nullable().catch(null).parse(row.consent_status),
      communityNames: (communitiesOf.get(row.id) ?? []).sort(),
    })),
  };
}

export type CommunitySummary = Community & {
  /** Visible posts and the threads they are in: what every view shows. */
  posts: number;
  threads: number;
  /** Posts withheld because their authors opted out (in no view, search, report or export). */
  withheldPosts: number;
};

/** The project's communities with their visible posts and threads, and how many posts are withheld. */
export async function listCommunitySummaries({
  store,
  slug,
}: {
  store: DocumentStore;
  slug: string;
}): Promise<CommunitySummary[]> {
  const { db, projectId } = await projectSql({ store, slug });
  const communities = await listCommunities({ store, slug });
  const [counts, totals] = await Promise.all([
    visiblePosts(db, projectId)
      .groupBy("p.community_id")
      .select((eb) => [
        "p.community_id",
        eb.fn.countAll().as("posts"),
        eb.fn.count("p.thread_id").distinct().as("threads"),
      ])
      .execute(),
    // One count per community along its own index (a community belongs to one project), rather than
    // grouping every post of the project.
    Promise.all(
      communities.map(async (community) => {
        const row = await db
          .selectFrom("posts")
          .where("community_id", "=", community.id)
          .select((eb) => eb.fn.countAll().as("posts"))
          .executeTakeFirst();
        return [community.id, Number(row?.posts ?? 0)] as const;
      }),
    ),
  ]);
  const countOf = new Map(counts.map((row) => [row.community_id, row]));
  const totalOf = new Map(totals);
  return communities.map((community) => {
    const posts = Number(countOf.get(community.id)?.posts ?? 0);
    return {
      ...community,
      posts,
      threads: Number(countOf.get(community.id)?.threads ?? 0),
      withheldPosts: Math.max(0, (totalOf.get(community.id) ?? 0) - posts),
    };
  });
}
