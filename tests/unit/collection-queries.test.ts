// The collection's page-shaped queries: threads, a thread tree, members, search (both engines).
import path from "node:path";
import { expect, test } from "vitest";
import {
  getThreadTree,
  importFiles,
  listMembers,
  listThreads,
  piecesText,
  searchProject,
  type PostNode,
} from "../../research/collection/index.js";
import { parseSearchQuery, toFts5, toTsquery } from "../../research/collection/search-query.js";
import { purgeMember, recordConsent, resolveMemberByHandle } from "../../research/entree/index.js";
import { getProjectStats } from "../../research/projects/index.js";
import { isResearchError } from "../../research/shared/errors.js";
import { buildProject, buildStore, buildUser } from "../factories.js";

const FIXTURES = path.resolve(__dirname, "../fixtures");

async function projectWithData() {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const { slug } = await buildProject(store, owner);
  await importFiles({ store, slug, files: [path.join(FIXTURES, "reddit-thread.json")] });
  await importFiles({ store, slug, files: [path.join(FIXTURES, "reddit-arctic-shift.ndjson")] });
  return { store, slug, owner };
}

function flatten(nodes: PostNode[]): PostNode[] {
  return nodes.flatMap((node) => [node, ...flatten(node.replies)]);
}

test("a user's query is written for each engine with only quoted words and our operators", () => {
  const node = parseSearchQuery(
    'solar "charge controller" batt* -rust OR inverter AND NOT "x\'); drop',
  );
  expect(node).not.toBeNull();
  expect(toFts5(node!)).toBe(
    '((("solar" AND "charge controller" AND "batt"*) NOT ("rust")) OR ("inverter" NOT ("x drop")))',
  );
  expect(toTsquery(node!)).toBe(
    "(('solar' & ('charge' <-> 'controller') & 'batt':* & !'rust') | ('inverter' & !('x' <-> 'drop')))",
  );
  expect(parseSearchQuery('  ( ) "" *** ')).toBeNull();
  expect(() => parseSearchQuery("NOT solar")).toThrow(/at least one word/);
});

test("threads are listed a page at a time with counts, filters and both sorts", async () => {
  const { store, slug } = await projectWithData();
  const all = await listThreads({ store, slug });
  expect(all.total).toBe(3);
  expect(all.threads.map((t) => t.postCount).sort()).toEqual([1, 5, 6]);
  const vanlife = all.threads.find((t) => t.title.startsWith("Solar setup"))!;
  expect(vanlife).toMatchObject({ communityName: "r/VanLife", postCount: 6, orphans: 0 });
  expect(all.threads.find((t) => t.orphans > 0)).toBeDefined();

  const page = await listThreads({ store, slug, limit: 1, offset: 1 });
  expect(page).toMatchObject({ total: 3 });
  expect(page.threads).toHaveLength(1);
  expect(page.threads[0].id).toBe(all.threads[1].id);

  const keyword = await listThreads({ store, slug, filter: { keyword: "inverter" } });
  expect(keyword.threads.map((t) => t.id)).toEqual([vanlife.id]);
  const byCommunity = await listThreads({
    store,
    slug,
    filter: { communityId: vanlife.communityId },
  });
  expect(byCommunity.total).toBe(1);
  const wendy = await resolveMemberByHandle({ store, slug, handle: "wrench_wendy" });
  expect((await listThreads({ store, slug, filter: { memberId: wendy.id } })).total).toBe(1);
  expect((await listThreads({ store, slug, filter: { from: "2030-01-01" } })).total).toBe(0);
  const created = await listThreads({ store, slug, sort: "created" });
  expect(created.threads.map((t) => t.createdAt)).toEqual(
    [...created.threads.map((t) => t.createdAt)].sort().reverse(),
  );
});

test("the threads total counts only threads with a visible post, after opt-outs and erasures too", async () => {
  const { store, slug, owner } = await projectWithData();
  const before = await listThreads({ store, slug });
  const single = before.threads.find((t) => t.postCount === 1)!;
  const tree = (await getThreadTree({ store, slug, threadId: single.id }))!;
  const author = tree.roots[0].author!;
  const member = await resolveMemberByHandle({ store, slug, handle: author.handle });
  // What the total must be: the threads whose page still shows a post.
  const showing = async (threads: typeof before.threads) =>
    (
      await Promise.all(
        threads.map((t) => getThreadTree({ store, slug, threadId: t.id }).then(Boolean)),
      )
    ).filter(Boolean).length;
  const inCommunity = { communityId: single.communityId };
  const communityBefore = (await listThreads({ store, slug, filter: inCommunity })).total;

  await recordConsent({ store, slug, memberId: member.id, status: "opted-out", userId: owner.id });
  const optedOut = await listThreads({ store, slug });
  expect(optedOut.total).toBe(await showing(before.threads));
  expect(optedOut.total).toBe(before.total - 1);
  expect(optedOut.threads.map((t) => t.id)).not.toContain(single.id);
  expect((await listThreads({ store, slug, filter: inCommunity })).total).toBe(communityBefore - 1);

  await recordConsent({ store, slug, memberId: member.id, status: "consented", userId: owner.id });
  expect((await listThreads({ store, slug })).total).toBe(before.total);

  await purgeMember({ store, slug, memberId: member.id, userId: owner.id });
  const erased = await listThreads({ store, slug });
  expect(erased.total).toBe(await showing(before.threads));
  expect(erased.total).toBe(before.total - 1);
});

test("a thread is a tree with depths; an opted-out member's posts leave it and every list", async () => {
  const { store, slug, owner } = await projectWithData();
  const { threads } = await listThreads({ store, slug, filter: { keyword: "inverter" } });
  const tree = (await getThreadTree({ store, slug, threadId: threads[0].id }))!;
  expect(tree.postCount).toBe(6);
  const posts = flatten(tree.roots);
  expect(posts.find((n) => n.post.sourceId === "t1_c3")?.post.depth).toBe(3);
  expect(posts.find((n) => n.post.sourceId === "t1_c4")?.author).toBeNull();

  const sunny = await resolveMemberByHandle({ store, slug, handle: "sunny_van" });
  expect((await searchProject({ store, slug, query: "inverter" })).total).toBe(1);
  await recordConsent({ store, slug, memberId: sunny.id, status: "opted-out", userId: owner.id });
  const after = (await getThreadTree({ store, slug, threadId: threads[0].id }))!;
  expect(after.postCount).toBe(5);
  // The reply to the withheld post moves to the root rather than disappearing.
  expect(after.roots.some((n) => n.post.sourceId === "t1_c2")).toBe(true);
  expect((await searchProject({ store, slug, query: "inverter" })).total).toBe(0);
  const members = await listMembers({ store, slug });
  expect(members.members.some((m) => m.id === sunny.id)).toBe(false);
  const everyone = await listMembers({ store, slug, includeOptedOut: true });
  expect(everyone.members.find((m) => m.id === sunny.id)?.consent).toBe("opted-out");
  expect(everyone.total).toBe(members.total + 1);
  // Stats count what is stored; the views count what may be shown.
  expect(await getProjectStats({ store, slug })).toMatchObject({ posts: 12, threads: 3 });
});

test("members are paged, searchable and carry their communities", async () => {
  const { store, slug } = await projectWithData();
  const { members, total } = await listMembers({ store, slug, limit: 2 });
  expect(total).toBe(6);
  expect(members).toHaveLength(2);
  expect(members[0].postCount).toBeGreaterThanOrEqual(members[1].postCount);
  const found = await listMembers({ store, slug, search: "WRENCH" });
  expect(found.members.map((m) => m.handle)).toEqual(["wrench_wendy"]);
  expect(found.members[0].communityNames).toEqual(["r/VanLife"]);
  // A filter's list of names does not read the members' posts for their communities.
  const names = await listMembers({ store, slug, search: "WRENCH", withCommunities: false });
  expect(names.members.map((m) => [m.handle, m.communityNames])).toEqual([["wrench_wendy", []]]);
  expect(names.total).toBe(1);
  expect((await listMembers({ store, slug, search: "100%_" })).total).toBe(0);
});

test("search ranks, marks matched words, pages, filters and understands phrases and prefixes", async () => {
  const { store, slug } = await projectWithData();
  const battery = await searchProject({ store, slug, query: "battery" });
  expect(battery.total).toBe(3);
  expect(battery.totalCapped).toBe(false);
  expect(battery.hits.map((h) => h.score)).toEqual(
    [...battery.hits.map((h) => h.score)].sort((a, b) => b - a),
  );
  const first = battery.hits[0];
  expect(first.snippet.some((piece) => piece.match && /battery/i.test(piece.text))).toBe(true);
  expect(piecesText(first.snippet)).not.toMatch(/[\uE000\uE001<>]/);
  expect(first).toMatchObject({ threadTitle: expect.any(String), communityName: "r/VanLife" });

  const paged = await searchProject({ store, slug, query: "battery", limit: 2, offset: 2 });
  expect(paged.hits.map((h) => h.id)).toEqual([battery.hits[2].id]);
  expect(paged.total).toBe(3);
  // A page past the last hit still says how many match (PostgreSQL counts them with the page).
  const past = await searchProject({ store, slug, query: "battery", limit: 2, offset: 4 });
  expect(past).toMatchObject({ hits: [], total: 3, totalCapped: false });

  expect((await searchProject({ store, slug, query: '"charge controller"' })).total).toBe(2);
  expect((await searchProject({ store, slug, query: '"controller charge"' })).total).toBe(0);
  expect((await searchProject({ store, slug, query: "invert*" })).total).toBe(1);
  expect((await searchProject({ store, slug, query: "battery NOT lithium" })).total).toBe(2);
  expect((await searchProject({ store, slug, query: "inverter OR shunt" })).total).toBe(2);
  expect((await searchProject({ store, slug, query: 'shunt) OR "(' })).total).toBe(1);
  const other = battery.hits[0];
  const elsewhere = await searchProject({
    store,
    slug,
    query: "battery",
    filter: { communityId: "no-such-community" },
  });
  expect(elsewhere.total).toBe(0);
  const until = await searchProject({
    store,
    slug,
    query: "battery",
    filter: { to: "2000-01-01" },
  });
  expect(until.total).toBe(0);
  expect(other.createdAt).not.toBeNull();

  const error = await searchProject({ store, slug, query: "-battery" }).catch((e: unknown) => e);
  expect(isResearchError(error, "invalid-input")).toBe(true);
});
