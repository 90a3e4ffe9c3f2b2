// Reports, maps and exports cover the communities chosen in discovery: the selected ones by default, or
// those the researcher picks; a community rejected in discovery never appears in a client report.
import path from "node:path";
import { expect, test } from "vitest";
import { applyCode, createCodes } from "../../research/coding/index.js";
import {
  importFiles,
  iterateVisiblePosts,
  listCommunities,
  type CorpusPost,
} from "../../research/collection/index.js";
import { projectSql, visiblePostsOf } from "../../research/collection/corpus.js";
import { addCandidate, assessCandidate } from "../../research/discovery/index.js";
import {
  buildReportData,
  createTheme,
  renderExport,
  resolveReportScope,
  saveReportScope,
} from "../../research/reporting/index.js";
import { addMember, buildProject, buildStore, buildUser } from "../factories.js";

const FIXTURES = path.resolve(__dirname, "../fixtures");

async function twoCommunitiesWithFindings() {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const project = await buildProject(store, owner);
  const { slug } = project;
  await importFiles({
    store,
    slug,
    files: [
      path.join(FIXTURES, "mastodon-statuses.json"),
      path.join(FIXTURES, "reddit-thread.json"),
    ],
  });
  const communities = await listCommunities({ store, slug });
  const reddit = communities.find((community) => community.platform === "reddit")!;
  const mastodon = communities.find((community) => community.platform === "mastodon")!;
  const [code] = await createCodes({ store, slug, userId: owner.id, codes: [{ name: "Repair" }] });
  const posts: CorpusPost[] = [];
  for await (const batch of iterateVisiblePosts({ store, slug })) posts.push(...batch);
  const ids: string[] = [];
  const quotes = new Map<string, string>();
  for (const community of [reddit, mastodon]) {
    for (const post of posts.filter((p) => p.communityId === community.id).slice(0, 3)) {
      const [coding] = await applyCode({
        store,
        slug,
        coderId: owner.id,
        codeIds: [code.id],
        span: { sourceType: "post", sourceId: post.id, start: 0, end: [...post.text].length },
      });
      ids.push(coding.id);
      quotes.set(coding.id, community.id);
    }
  }
  await createTheme({
    store,
    slug,
    userId: owner.id,
    name: "Self-repair",
    statement: "Members fix their own gear.",
    codeIds: [code.id],
    confidence: "high",
    evidenceCodingIds: ids,
  });
  const decide = async (name: string, communityId: string, decision: "selected" | "rejected") => {
    const candidate = await addCandidate({
      store,
      slug,
      userId: owner.id,
      name,
      platform: "web",
    });
    await assessCandidate({
      store,
      slug,
      userId: owner.id,
      candidateId: candidate.id,
      communityId,
      judgements: {},
      decision,
      reason: `${decision} for the test`,
    });
  };
  return { store, slug, owner, project, reddit, mastodon, quotes, decide };
}

test("before any decision a report covers every community; once one is selected, only that one", async () => {
  const { store, slug, reddit, mastodon, decide } = await twoCommunitiesWithFindings();
  const before = await buildReportData({ store, slug });
  expect(before.scope).toMatchObject({ basis: "not-rejected", communities: 2, leftOut: 0 });
  expect(before.themes[0].evidence).toHaveLength(6);

  await decide("Van life subreddit", reddit.id, "selected");
  const selected = await buildReportData({ store, slug });
  expect(selected.scope).toMatchObject({ basis: "selected", communities: 1, leftOut: 1 });
  expect(selected.communities).toHaveLength(1);
  expect(selected.communities[0].platform).toBe("reddit");
  expect(selected.themes[0].evidence).toHaveLength(3);
  expect(selected.method.posts).toBe(selected.communities[0].posts);
  expect(selected.method.posts).toBeLessThan(before.method.posts);
  expect(selected.method.codings).toBe(3);
  // The maps draw only what the scope holds.
  const memberCount = (report: typeof before) => report.maps.members?.nodes.length ?? 0;
  expect(memberCount(selected)).toBeLessThan(memberCount(before));
  expect(selected.maps.codes.nodes.find((node) => node.label === "Repair")?.size).toBeDefined();

  const scope = await resolveReportScope({ store, slug });
  expect(scope.communityIds).toEqual([reddit.id]);
  expect(scope.communities.find((c) => c.id === mastodon.id)).toMatchObject({
    inScope: false,
    rejected: false,
  });
});

test("a rejected community is never in a report, in any export, even when chosen", async () => {
  const { store, slug, owner, reddit, mastodon, decide } = await twoCommunitiesWithFindings();
  const countNodes = (gexf: string | Uint8Array) => String(gexf).match(/<node /g)?.length ?? 0;
  const membersBefore = countNodes(await renderExport({ store, slug, format: "gexf" }));
  const mastodonMembers = (await buildReportData({ store, slug })).communities.find(
    (c) => c.platform === "mastodon",
  )!.members;
  await decide("Fediverse repair folk", mastodon.id, "rejected");
  const report = await buildReportData({ store, slug });
  expect(report.scope.basis).toBe("not-rejected");
  expect(report.communities.map((c) => c.platform)).toEqual(["reddit"]);
  const mastodonPosts: string[] = [];
  for await (const batch of iterateVisiblePosts({ store, slug }))
    mastodonPosts.push(
      ...batch.filter((p) => p.communityId === mastodon.id).map((p) => p.text.slice(0, 30)),
    );
  for (const format of ["html", "md", "json"] as const) {
    const body = await renderExport({ store, slug, format });
    const text = typeof body === "string" ? body : Buffer.from(body).toString("utf8");
    for (const words of mastodonPosts) expect(text).not.toContain(words);
  }
  // The member map export draws only the members of what is in scope.
  expect(countNodes(await renderExport({ store, slug, format: "gexf" }))).toBe(
    membersBefore - mastodonMembers,
  );
  await expect(
    saveReportScope({ store, slug, userId: owner.id, communityIds: [reddit.id, mastodon.id] }),
  ).rejects.toThrow(/rejected in discovery/);
});

test("the researcher chooses the scope, or hands it back to discovery; a strategist cannot", async () => {
  const { store, slug, owner, project, reddit, mastodon, decide } =
    await twoCommunitiesWithFindings();
  await decide("Van life subreddit", reddit.id, "selected");
  const researcher = await buildUser(store);
  const strategist = await buildUser(store);
  await addMember(store, project, researcher, "researcher", owner.id);
  await addMember(store, project, strategist, "strategist", owner.id);

  const chosen = await saveReportScope({
    store,
    slug,
    userId: researcher.id,
    communityIds: [mastodon.id],
  });
  expect(chosen).toMatchObject({ basis: "chosen", communityIds: [mastodon.id] });
  const report = await buildReportData({ store, slug });
  expect(report.communities.map((c) => c.platform)).toEqual(["mastodon"]);
  expect(report.themes[0].evidence).toHaveLength(3);

  await expect(
    saveReportScope({ store, slug, userId: strategist.id, communityIds: [reddit.id] }),
  ).rejects.toThrow(/does not allow/);
  await expect(
    saveReportScope({ store, slug, userId: researcher.id, communityIds: [] }),
  ).rejects.toThrow(/at least one community/);
  await expect(
    saveReportScope({ store, slug, userId: researcher.id, communityIds: ["nope"] }),
  ).rejects.toThrow(/not in this project/);
  expect((await resolveReportScope({ store, slug })).communityIds).toEqual([mastodon.id]);

  const back = await saveReportScope({ store, slug, userId: researcher.id, communityIds: null });
  expect(back).toMatchObject({ basis: "selected", communityIds: [reddit.id] });
});

test("posts of a scope: null is every community, an empty scope holds nothing", async () => {
  const { store, slug, reddit } = await twoCommunitiesWithFindings();
  const { db, projectId } = await projectSql({ store, slug });
  const count = async (ids: string[] | null) =>
    Number(
      (
        await visiblePostsOf(db, projectId, ids)
          .select((eb) => eb.fn.countAll<number>().as("n"))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const all = await count(null);
  const ofReddit = await count([reddit.id]);
  expect(ofReddit).toBeGreaterThan(0);
  expect(ofReddit).toBeLessThan(all);
  expect(await count([])).toBe(0);
});
