import { getConsentStatuses } from "../entree/consent-status.js";
import type { ConsentStatus } from "../entree/model.js";
import { projectKeys } from "../projects/model.js";
import { requireProject } from "../projects/projects.js";
import { nextTurn } from "../shared/next-turn.js";
import type { DocumentStore } from "../store/index.js";
import { corpusBatchFile, corpusManifestFile, membersFile, sourceKey, type Community, type CorpusManifest, type CorpusPost, type Member, type Thread } from "./model.js";

export type Corpus = {
  revision: string;
  communities: Community[];
  threads: Map<string, Thread>;
  posts: CorpusPost[];
  postsById: Map<string, CorpusPost>;
  postsByThread: Map<string, CorpusPost[]>;
  members: Map<string, Member>;
};

type CacheEntry = { key: string; corpus: Promise<Corpus> };
const cache: Map<string, CacheEntry> = ((globalThis as { __netnoCorpusCache?: Map<string, CacheEntry> }).__netnoCorpusCache ??= new Map());

/**
 * The whole corpus of a project, with replies linked to their parents across imports (a post whose parent
 * arrived in a later import is no longer an orphan). Cached until the corpus changes.
 */
export async function loadCorpus({ store, slug }: { store: DocumentStore; slug: string }): Promise<Corpus> {
  await requireProject({ store, slug });
  const manifest = await store.read(corpusManifestFile, projectKeys.corpusManifest(slug));
  const membersData = await store.read(membersFile, projectKeys.members(slug));
  const key = `${store.root}|${slug}|${manifest.revision}|${manifest.batches.length}|${membersData.members.length}`;
  const cached = cache.get(`${store.root}|${slug}`);
  if (cached && cached.key === key) return cached.corpus;
  // The promise is cached, not its result: loaders that ask at the same moment share one build.
  const corpus = buildCorpus({ store, slug, key, manifest, members: membersData.members });
  cache.set(`${store.root}|${slug}`, { key, corpus });
  corpus.catch(() => {
    if (cache.get(`${store.root}|${slug}`)?.corpus === corpus) cache.delete(`${store.root}|${slug}`);
  });
  return corpus;
}

async function buildCorpus({ store, slug, key, manifest, members }: { store: DocumentStore; slug: string; key: string; manifest: CorpusManifest; members: Member[] }): Promise<Corpus> {
  const threads = new Map<string, Thread>();
  const posts: CorpusPost[] = [];
  for (const batch of manifest.batches) {
    const data = await store.read(corpusBatchFile, projectKeys.corpusBatch(slug, batch.id));
    for (const thread of data.threads) threads.set(thread.id, thread);
    for (const post of data.posts) posts.push({ ...post, parentId: null, orphan: false, depth: 0 });
  }
  const platformOf = new Map(manifest.communities.map((community) => [community.id, community.platform]));
  const keyOf = (post: CorpusPost, id: string) => sourceKey(platformOf.get(post.communityId) ?? "other", post.communityId, id);
  const bySource = new Map<string, CorpusPost>();
  for (const post of posts) bySource.set(keyOf(post, post.sourceId), post);
  await nextTurn();
  for (const [i, post] of posts.entries()) {
    if (i % 20_000 === 19_999) await nextTurn();
    if (!post.parentSourceId) continue;
    const parent = bySource.get(keyOf(post, post.parentSourceId));
    if (parent && parent.id !== post.id) post.parentId = parent.id;
    else post.orphan = true;
  }
  const postsById = new Map(posts.map((post) => [post.id, post]));
  await nextTurn();
  for (const [i, post] of posts.entries()) {
    if (i % 20_000 === 19_999) await nextTurn();
    let depth = 0;
    let current = post;
    while (current.parentId && depth < 500) {
      const parent = postsById.get(current.parentId);
      if (!parent) break;
      depth++;
      current = parent;
    }
    post.depth = depth;
  }
  await nextTurn();
  posts.sort((a, b) => (a.createdAt ?? "").localeCompare(b.createdAt ?? ""));
  await nextTurn();
  const postsByThread = new Map<string, CorpusPost[]>();
  for (const post of posts) {
    const list = postsByThread.get(post.threadId);
    if (list) list.push(post);
    else postsByThread.set(post.threadId, [post]);
  }
  return {
    revision: key,
    communities: manifest.communities,
    threads,
    posts,
    postsById,
    postsByThread,
    members: new Map(members.map((member) => [member.id, member])),
  };
}

export type VisibleCorpus = Corpus & { consent: Map<string, ConsentStatus>; hiddenMemberIds: Set<string> };

/**
 * The corpus as every view, suggestion, map, report and export must see it: opted-out members' posts
 * and the members themselves are gone from the moment the opt-out is recorded.
 */
export async function loadVisibleCorpus({ store, slug }: { store: DocumentStore; slug: string }): Promise<VisibleCorpus> {
  const [corpus, consent] = await Promise.all([loadCorpus({ store, slug }), getConsentStatuses({ store, slug })]);
  const hidden = new Set([...consent].filter(([, status]) => status === "opted-out").map(([memberId]) => memberId));
  if (hidden.size === 0) return { ...corpus, consent, hiddenMemberIds: hidden };
  const posts = corpus.posts.filter((post) => !post.memberId || !hidden.has(post.memberId));
  const postsByThread = new Map<string, CorpusPost[]>();
  for (const post of posts) {
    const list = postsByThread.get(post.threadId);
    if (list) list.push(post);
    else postsByThread.set(post.threadId, [post]);
  }
  const members = new Map([...corpus.members].filter(([id]) => !hidden.has(id)));
  return {
    ...corpus,
    revision: `${corpus.revision}|hidden:${[...hidden].sort().join(",")}`,
    posts,
    postsById: new Map(posts.map((post) => [post.id, post])),
    postsByThread,
    members,
    consent,
    hiddenMemberIds: hidden,
  };
}
