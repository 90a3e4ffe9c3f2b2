import { buildKeywordMatcher } from "../objectives/keywords.js";
import type { DocumentStore } from "../store/index.js";
import { loadCorpus, loadVisibleCorpus } from "./corpus.js";
import type { ConsentStatus } from "../entree/model.js";
import type { CorpusPost, Member, Thread } from "./model.js";

export type ThreadFilter = { communityId?: string; memberId?: string; from?: string; to?: string; keyword?: string };
export type ThreadSummary = Thread & { communityName: string; postCount: number; lastPostAt: string | null; orphans: number };

function postMatches(post: CorpusPost, filter: ThreadFilter, keyword: ReturnType<typeof buildKeywordMatcher> | null): boolean {
  if (filter.memberId && post.memberId !== filter.memberId) return false;
  if (filter.from && (!post.createdAt || post.createdAt.slice(0, 10) < filter.from)) return false;
  if (filter.to && (!post.createdAt || post.createdAt.slice(0, 10) > filter.to)) return false;
  if (keyword && !keyword.test(post.text)) return false;
  return true;
}

/** Threads with at least one visible post matching the filter (member, date range, keyword), newest first. */
export async function listThreads({ store, slug, filter = {}, limit = 200, offset = 0 }: { store: DocumentStore; slug: string; filter?: ThreadFilter; limit?: number; offset?: number }): Promise<{ threads: ThreadSummary[]; total: number }> {
  const corpus = await loadVisibleCorpus({ store, slug });
  const keyword = filter.keyword?.trim() ? buildKeywordMatcher([{ id: "q", term: filter.keyword.trim(), synonyms: [] }]) : null;
  const communityNames = new Map(corpus.communities.map((community) => [community.id, community.name]));
  const filtering = Boolean(filter.memberId || filter.from || filter.to || keyword);
  const summaries: ThreadSummary[] = [];
  for (const [threadId, posts] of corpus.postsByThread) {
    const thread = corpus.threads.get(threadId);
    if (!thread) continue;
    if (filter.communityId && thread.communityId !== filter.communityId) continue;
    if (filtering && !posts.some((post) => postMatches(post, filter, keyword))) continue;
    summaries.push({
      ...thread,
      communityName: communityNames.get(thread.communityId) ?? "",
      postCount: posts.length,
      lastPostAt: posts.at(-1)?.createdAt ?? null,
      orphans: posts.filter((post) => post.orphan).length,
    });
  }
  summaries.sort((a, b) => (b.lastPostAt ?? "").localeCompare(a.lastPostAt ?? ""));
  return { threads: summaries.slice(offset, offset + limit), total: summaries.length };
}

export type PostNode = { post: CorpusPost; author: { pseudonym: string; handle: string } | null; replies: PostNode[] };

/** A thread's visible posts as a reply tree (orphans and top-level posts at the root), oldest first. */
export async function getThreadTree({ store, slug, threadId }: { store: DocumentStore; slug: string; threadId: string }): Promise<{ thread: Thread; communityName: string; roots: PostNode[]; postCount: number } | null> {
  const corpus = await loadVisibleCorpus({ store, slug });
  const thread = corpus.threads.get(threadId);
  const posts = corpus.postsByThread.get(threadId);
  if (!thread || !posts) return null;
  const nodes = new Map<string, PostNode>();
  for (const post of posts) {
    const member = post.memberId ? corpus.members.get(post.memberId) : undefined;
    nodes.set(post.id, { post, author: member ? { pseudonym: member.pseudonym, handle: member.handle } : null, replies: [] });
  }
  const roots: PostNode[] = [];
  for (const post of posts) {
    const node = nodes.get(post.id)!;
    const parent = post.parentId ? nodes.get(post.parentId) : undefined;
    if (parent) parent.replies.push(node);
    else roots.push(node);
  }
  return { thread, communityName: corpus.communities.find((c) => c.id === thread.communityId)?.name ?? "", roots, postCount: posts.length };
}

export type MemberRow = Member & { consent: ConsentStatus | null; communityNames: string[] };

/** Members with their pseudonym, post count, first and last post and consent status; opted-out members excluded unless asked. */
export async function listMembers({ store, slug, includeOptedOut = false }: { store: DocumentStore; slug: string; includeOptedOut?: boolean }): Promise<MemberRow[]> {
  const corpus = await loadVisibleCorpus({ store, slug });
  const source = includeOptedOut ? await loadCorpus({ store, slug }) : corpus;
  const communityNames = new Map(source.communities.map((community) => [community.id, community.name]));
  const communitiesOf = new Map<string, Set<string>>();
  for (const post of source.posts) {
    if (!post.memberId) continue;
    const set = communitiesOf.get(post.memberId) ?? new Set<string>();
    set.add(communityNames.get(post.communityId) ?? "");
    communitiesOf.set(post.memberId, set);
  }
  return [...source.members.values()]
    .map((member) => ({ ...member, consent: corpus.consent.get(member.id) ?? null, communityNames: [...(communitiesOf.get(member.id) ?? [])] }))
    .sort((a, b) => b.postCount - a.postCount || a.pseudonym.localeCompare(b.pseudonym));
}
