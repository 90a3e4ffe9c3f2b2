import type { Keyword } from "../objectives/model.js";
import { buildKeywordMatcher } from "../objectives/keywords.js";

/** The minimum a post needs for the indicators: computed from data, never typed in. */
export type IndicatorPost = { id: string; threadId: string; memberId: string | null; createdAt: string | null; text: string; parentSourceId: string | null; depth: number };

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
export function computeIndicators({ posts, keywords, window }: { posts: IndicatorPost[]; keywords: Keyword[]; window?: { from: string | null; to: string | null } }): Indicators {
  const matcher = keywords.length > 0 ? buildKeywordMatcher(keywords) : null;
  const times = posts.map((post) => (post.createdAt ? Date.parse(post.createdAt) : NaN)).filter((time) => Number.isFinite(time));
  const from = window?.from ? Date.parse(`${window.from}T00:00:00Z`) : times.length ? Math.min(...times) : NaN;
  const to = window?.to ? Date.parse(`${window.to}T23:59:59.999Z`) : times.length ? Math.max(...times) : NaN;
  const inWindow = window?.from || window?.to ? times.filter((time) => time >= from && time <= to).length : times.length;
  const windowDays = Number.isFinite(from) && Number.isFinite(to) ? Math.max(1, (to - from) / DAY_MS) : 1;

  const perMember = new Map<string, number>();
  for (const post of posts) if (post.memberId) perMember.set(post.memberId, (perMember.get(post.memberId) ?? 0) + 1);
  const counts = [...perMember.values()].sort((a, b) => b - a);
  const authored = counts.reduce((sum, count) => sum + count, 0);
  const topCount = Math.max(1, Math.ceil(counts.length * 0.1));
  const deepest = new Map<string, number>();
  for (const post of posts) deepest.set(post.threadId, Math.max(deepest.get(post.threadId) ?? 0, post.depth));

  return {
    relevance: matcher ? (posts.length ? posts.filter((post) => matcher.test(post.text)).length / posts.length : 0) : null,
    postsPerDay: inWindow / windowDays,
    windowDays,
    replyShare: posts.length ? posts.filter((post) => post.parentSourceId).length / posts.length : 0,
    meanThreadDepth: deepest.size ? [...deepest.values()].reduce((sum, depth) => sum + depth, 0) / deepest.size : 0,
    posts: posts.length,
    threads: deepest.size,
    members: perMember.size,
    top10Share: authored ? counts.slice(0, topCount).reduce((sum, count) => sum + count, 0) / authored : 0,
    gini: giniCoefficient(counts),
    medianWords: median(posts.map((post) => countWords(post.text))),
  };
}
