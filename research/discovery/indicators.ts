import { sql } from "kysely";
import { visiblePosts } from "../collection/corpus.js";
import type { Keyword } from "../objectives/model.js";
import { buildKeywordMatcher } from "../objectives/keywords.js";
import type { Queryable } from "../store/index.js";

/** The minimum a post needs for the indicators: computed from data, never typed in. */
export type IndicatorPost = {
  id: string;
  threadId: string;
  memberId: string | null;
  createdAt: string | null;
  text: string;
  parentSourceId: string | null;
  depth: number;
};

export type Indicators = {
  /** Share of posts matching the project keywords (0..1); null without keywords. */
  relevance: number | null;
  /** Posts per day over the window (the objectives' time window, or the span of the sample). */
  postsPerDay: number;
  windowDays: number;
  /** Share of posts that reply to another post (0..1). */
  replyShare: number;
  /** Mean over threads of the deepest reply chain (0 for threads without replies). */
  meanThreadDepth: number;
  posts: number;
  threads: number;
  members: number;
  /** Share of posts written by the most active 10% of members (at least one member). */
  top10Share: number;
  /** Gini coefficient of posts per member: 0 when everyone posts equally, towards 1 when a few post everything. */
  gini: number;
  /** Median number of words per post. */
  medianWords: number;
  /** How many posts' texts relevance and words per post were read from (all, up to TEXT_SAMPLE). */
  sampledPosts: number;
};

const DAY_MS = 86_400_000;

/** Gini coefficient of non-negative values (mean absolute difference formulation, sorted). */
export function giniCoefficient(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const total = sorted.reduce((sum, value) => sum + value, 0);
  if (n === 0 || total === 0) return 0;
  let weighted = 0;
  sorted.forEach((value, index) => (weighted += (index + 1) * value));
  return (2 * weighted) / (n * total) - (n + 1) / n;
}

export function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export function countWords(text: string): number {
  return text.match(/[\p{L}\p{N}][\p{L}\p{N}'’_-]*/gu)?.length ?? 0;
}

/**
 * Kozinets' criteria for choosing a community, computed from a sample of its posts: relevant, active,
 * interactive, substantial, heterogeneous, data-rich.
 */
export function computeIndicators({
  posts,
  keywords,
  window,
}: {
  posts: IndicatorPost[];
  keywords: Keyword[];
  window?: { from: string | null; to: string | null };
}): Indicators {
  const matcher = keywords.length > 0 ? buildKeywordMatcher(keywords) : null;
  const times = posts
    .map((post) => (post.createdAt ? Date.parse(post.createdAt) : NaN))
    .filter((time) => Number.isFinite(time));
  const from = window?.from
    ? Date.parse(`${window.from}T00:00:00Z`)
    : times.length
      ? Math.min(...times)
      : NaN;
  const to = window?.to
    ? Date.parse(`${window.to}T23:59:59.999Z`)
    : times.length
      ? Math.max(...times)
      : NaN;
  const inWindow =
    window?.from || window?.to
      ? times.filter((time) => time >= from && time <= to).length
      : times.length;
  const windowDays =
    Number.isFinite(from) && Number.isFinite(to) ? Math.max(1, (to - from) / DAY_MS) : 1;

  const perMember = new Map<string, number>();
  for (const post of posts)
    if (post.memberId) perMember.set(post.memberId, (perMember.get(post.memberId) ?? 0) + 1);
  const counts = [...perMember.values()].sort((a, b) => b - a);
  const authored = counts.reduce((sum, count) => sum + count, 0);
  const topCount = Math.max(1, Math.ceil(counts.length * 0.1));
  const deepest = new Map<string, number>();
  for (const post of posts)
    deepest.set(post.threadId, Math.max(deepest.get(post.threadId) ?? 0, post.depth));

  return {
    relevance: matcher
      ? posts.length
        ? posts.filter((post) => matcher.test(post.text)).length / posts.length
        : 0
      : null,
    postsPerDay: inWindow / windowDays,
    windowDays,
    replyShare: posts.length
      ? posts.filter((post) => post.parentSourceId).length / posts.length
      : 0,
    meanThreadDepth: deepest.size
      ? [...deepest.values()].reduce((sum, depth) => sum + depth, 0) / deepest.size
      : 0,
    posts: posts.length,
    threads: deepest.size,
    members: perMember.size,
    top10Share: authored
      ? counts.slice(0, topCount).reduce((sum, count) => sum + count, 0) / authored
      : 0,
    gini: giniCoefficient(counts),
    medianWords: median(posts.map((post) => countWords(post.text))),
    sampledPosts: posts.length,
  };
}

/** A cap on the posts whose texts are read for relevance and words per post: larger samples are spread evenly. */
export const TEXT_SAMPLE = 5_000;
const TEXT_BATCH = 1_000;
const MAX_DEPTH = 500;
/** A cap on the threads whose reply trees are walked for the mean thread depth. */
export const DEPTH_THREADS = 1_000;

/** Gini and top-10% share from a histogram of posts per member (`posts` → how many members wrote that many). */
function concentration(histogram: Array<{ posts: number; members: number }>) {
  const ascending = [...histogram].sort((a, b) => a.posts - b.posts);
  const n = ascending.reduce((sum, row) => sum + row.members, 0);
  const total = ascending.reduce((sum, row) => sum + row.posts * row.members, 0);
  if (n === 0 || total === 0) return { gini: 0, top10Share: 0 };
  // Σ (rank · value) over the sorted values, a run of k equal values at a time.
  let rank = 0;
  let weighted = 0;
  for (const { posts, members: k } of ascending) {
    weighted += posts * (k * (rank + 1) + (k * (k - 1)) / 2);
    rank += k;
  }
  let left = Math.max(1, Math.ceil(n * 0.1));
  let top = 0;
  for (const { posts, members } of ascending.reverse()) {
    const taken = Math.min(left, members);
    top += taken * posts;
    left -= taken;
    if (left === 0) break;
  }
  return { gini: (2 * weighted) / (n * total) - (n + 1) / n, top10Share: top / total };
}

/** The median of a histogram of values (`value` → how many times it occurs). */
function histogramMedian(histogram: Map<number, number>): number {
  const total = [...histogram.values()].reduce((sum, count) => sum + count, 0);
  if (total === 0) return 0;
  const sorted = [...histogram].sort((a, b) => a[0] - b[0]);
  const at = (index: number) => {
    let seen = 0;
    for (const [value, count] of sorted) {
      seen += count;
      if (index < seen) return value;
    }
    return sorted[sorted.length - 1][0];
  };
  return total % 2 ? at((total - 1) / 2) : (at(total / 2 - 1) + at(total / 2)) / 2;
}

/**
 * The same indicators for one imported community, computed by the database: counts, dates, replies and
 * posts per member as SQL aggregates, thread depth by a recursive query, and relevance and words per post
 * from the texts of at most `TEXT_SAMPLE` posts (all of them in a smaller community). Opted-out members'
 * posts are left out inside every query.
 */
export async function computeCommunityIndicators({
  db,
  projectId,
  communityId,
  keywords,
  window,
}: {
  db: Queryable;
  projectId: string;
  communityId: string;
  keywords: Keyword[];
  window?: { from: string | null; to: string | null };
}): Promise<Indicators> {
  const posts = () => visiblePosts(db, projectId).where("p.community_id", "=", communityId);
  const totals = await posts()
    .select((eb) => [
      eb.fn.countAll<number>().as("posts"),
      eb.fn.count<number>("p.thread_id").distinct().as("threads"),
      eb.fn.count<number>("p.member_id").distinct().as("members"),
      eb.fn.count<number>("p.parent_source_id").as("replies"),
      eb.fn.min("p.created_at").as("first_at"),
      eb.fn.max("p.created_at").as("last_at"),
    ])
    .executeTakeFirstOrThrow();
  const count = Number(totals.posts);
  const threads = Number(totals.threads);

  const from = window?.from
    ? Date.parse(`${window.from}T00:00:00Z`)
    : totals.first_at
      ? Date.parse(totals.first_at)
      : NaN;
  const to = window?.to
    ? Date.parse(`${window.to}T23:59:59.999Z`)
    : totals.last_at
      ? Date.parse(totals.last_at)
      : NaN;
  const windowDays =
    Number.isFinite(from) && Number.isFinite(to) ? Math.max(1, (to - from) / DAY_MS) : 1;
  let inWindow = count;
  if (window?.from || window?.to) {
    // Dates are stored as ISO 8601 in UTC (toIsoDate), so they compare as strings.
    const row =
      Number.isFinite(from) && Number.isFinite(to)
        ? await posts()
            .where("p.created_at", ">=", new Date(from).toISOString())
            .where("p.created_at", "<=", new Date(to).toISOString())
            .select((eb) => eb.fn.countAll<number>().as("n"))
            .executeTakeFirstOrThrow()
        : { n: 0 };
    inWindow = Number(row.n);
  }

  const perMember = posts()
    .where("p.member_id", "is not", null)
    .select((eb) => ["p.member_id", eb.fn.countAll<number>().as("n")])
    .groupBy("p.member_id")
    .as("per");
  const histogram = await db
    .selectFrom(perMember)
    .select((eb) => ["per.n", eb.fn.countAll<number>().as("members")])
    .groupBy("per.n")
    .execute();
  const { gini, top10Share } = concentration(
    histogram.map((row) => ({ posts: Number(row.n), members: Number(row.members) })),
  );

  const meanThreadDepth = threads ? await meanThreadDepthOf(db, projectId, communityId, posts) : 0;
  const text = await sampleTexts(posts, count, keywords);
  return {
    relevance: text.relevance,
    postsPerDay: inWindow / windowDays,
    windowDays,
    replyShare: count ? Number(totals.replies) / count : 0,
    meanThreadDepth,
    posts: count,
    threads,
    members: Number(totals.members),
    top10Share,
    gini,
    medianWords: text.medianWords,
    sampledPosts: text.sampled,
  };
}

/**
 * Mean over threads of the deepest reply chain: a recursive walk from the top-level posts down the reply
 * links (through any post, as replies hang under their parents), taking for each thread the deepest of
 * its visible posts. A large community is measured on `DEPTH_THREADS` of its threads: thread ids are
 * random, so the first ones by id are an even sample (all threads of a smaller community).
 */
async function meanThreadDepthOf(
  db: Queryable,
  projectId: string,
  communityId: string,
  posts: () => ReturnType<typeof visiblePosts>,
): Promise<number> {
  const sampled = db
    .selectFrom("threads")
    .select("id")
    .where("project_id", "=", projectId)
    .where("community_id", "=", communityId)
    .orderBy("id")
    .limit(DEPTH_THREADS);
  const visible = posts().select(["p.id as id", "p.thread_id as thread_id"]);
  const result = await sql<{ threads: number | string; total: number | string | null }>`
    with recursive chain(id, depth) as (
      select id, 0 from posts
      where project_id = ${projectId} and parent_id is null and thread_id in (${sampled})
      union all
      select child.id, chain.depth + 1 from posts child join chain on child.parent_id = chain.id
      where chain.depth < ${MAX_DEPTH}
    )
    select count(*) as threads, sum(deepest) as total from (
      select v.thread_id, max(chain.depth) as deepest
      from chain join (${visible}) v on v.id = chain.id
      group by v.thread_id
    ) per_thread`.execute(db);
  const row = result.rows[0];
  const threads = Number(row?.threads ?? 0);
  return threads ? Number(row?.total ?? 0) / threads : 0;
}

/** Relevance and median words per post over the texts of an evenly spread sample of posts. */
async function sampleTexts(
  posts: () => ReturnType<typeof visiblePosts>,
  count: number,
  keywords: Keyword[],
): Promise<{ relevance: number | null; medianWords: number; sampled: number }> {
  const matcher = keywords.length > 0 ? buildKeywordMatcher(keywords) : null;
  const step = Math.max(1, Math.ceil(count / TEXT_SAMPLE));
  const words = new Map<number, number>();
  let sampled = 0;
  let relevant = 0;
  let after = -1;
  for (;;) {
    let query = posts()
      .select(["p.seq", "p.text"])
      .where("p.seq", ">", after)
      .orderBy("p.seq")
      .limit(TEXT_BATCH);
    if (step > 1) query = query.where(sql<number>`p.seq % ${step}`, "=", 0);
    const rows = await query.execute();
    for (const row of rows) {
      sampled++;
      if (matcher?.test(row.text)) relevant++;
      const n = countWords(row.text);
      words.set(n, (words.get(n) ?? 0) + 1);
    }
    if (rows.length < TEXT_BATCH || sampled >= TEXT_SAMPLE) break;
    after = Number(rows[rows.length - 1].seq);
  }
  return {
    relevance: matcher ? (sampled ? relevant / sampled : 0) : null,
    medianWords: histogramMedian(words),
    sampled,
  };
}
