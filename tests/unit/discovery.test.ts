import path from "node:path";
import { expect, test } from "vitest";
import { importFiles } from "../../research/collection/index.js";
import { listCommunities, projectSql } from "../../research/collection/corpus.js";
import { recordConsent, resolveMemberByHandle } from "../../research/entree/index.js";
import {
  addCandidate,
  compareCandidates,
  computeCommunityIndicators,
  assessCandidate,
  giniCoefficient,
  linkCandidateSample,
  listStudiedCommunities,
  median,
} from "../../research/discovery/index.js";
import { addKeyword, saveScope } from "../../research/objectives/index.js";
import { addMember, buildProject, buildStore, buildUser } from "../factories.js";

const FIXTURES = path.resolve(__dirname, "../fixtures");

test("the Gini coefficient matches textbook values", () => {
  expect(giniCoefficient([1, 1, 1, 1])).toBe(0);
  expect(giniCoefficient([0, 0, 0, 1])).toBeCloseTo(0.75, 10);
  expect(giniCoefficient([1, 2, 2])).toBeCloseTo(2 / 15, 10);
  expect(giniCoefficient([])).toBe(0);
  expect(median([16, 11, 12, 12, 1, 13])).toBe(12);
});

/**
 * Hand-computed on the Reddit thread fixture (6 posts):
 * - relevance: submission, c2, c3, c5 mention solar / battery / charge controller: 4/6
 * - replies: every post but the submission: 5/6; deepest chain submission → c1 → c2 → c3: depth 3
 * - members: dusty_roads 2, wrench_wendy 2, sunny_van 1 ([deleted] is nobody): top 10% = 1 member = 2/5;
 *   Gini of [1, 2, 2] = 2/15
 * - words per post: 16, 11, 12, 12, 1, 13: median 12
 * - the thread lasts 4,000 seconds: under a day counts as one day, so 6 posts per day
 */
test("indicators are computed from a community's posts as counted by hand", async () => {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const project = await buildProject(store, owner);
  const slug = project.slug;
  await importFiles({ store, slug, files: [path.join(FIXTURES, "reddit-thread.json")] });
  const { db, projectId } = await projectSql({ store, slug });
  const [community] = await listCommunities({ store, slug });
  const keywords = [{ id: "k", term: "solar", synonyms: ["battery", "charge controller"] }];
  const of = (options: { keywords: typeof keywords; window?: { from: string; to: string } }) =>
    computeCommunityIndicators({ db, projectId, communityId: community.id, ...options });
  const indicators = await of({ keywords });
  expect(indicators.relevance).toBeCloseTo(4 / 6, 10);
  expect(indicators.replyShare).toBeCloseTo(5 / 6, 10);
  expect(indicators.meanThreadDepth).toBe(3);
  expect(indicators.posts).toBe(6);
  expect(indicators.threads).toBe(1);
  expect(indicators.members).toBe(3);
  expect(indicators.top10Share).toBeCloseTo(2 / 5, 10);
  expect(indicators.gini).toBeCloseTo(2 / 15, 10);
  expect(indicators.medianWords).toBe(12);
  expect(indicators.postsPerDay).toBe(6);
  expect(indicators.sampledPosts).toBe(6);
  // Over the objectives' two-day window (14 and 15 November 2023) the same posts make 3 a day.
  const windowed = await of({ keywords, window: { from: "2023-11-14", to: "2023-11-15" } });
  expect(windowed.postsPerDay).toBeCloseTo(3, 5);
  expect((await of({ keywords: [] })).relevance).toBeNull();
  // A member who opts out leaves every indicator: sunny_van wrote one post, which replied to another.
  const sunny = await resolveMemberByHandle({ store, slug, handle: "sunny_van" });
  await recordConsent({ store, slug, memberId: sunny.id, status: "opted-out", userId: owner.id });
  const without = await of({ keywords });
  expect(without.posts).toBe(5);
  expect(without.members).toBe(2);
  expect(without.replyShare).toBeCloseTo(4 / 5, 10);
});

test("candidates are compared on their sample data and a selection keeps its reason", async () => {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const project = await buildProject(store, owner);
  const { slug } = project;
  await addKeyword({ store, slug, userId: owner.id, term: "solar", synonyms: ["battery"] });
  await saveScope({ store, slug, userId: owner.id, from: "2023-11-01", to: "2023-11-30" });
  await importFiles({ store, slug, files: [path.join(FIXTURES, "reddit-thread.json")] });
  const [community] = await listCommunities({ store, slug });
  const candidate = await addCandidate({
    store,
    slug,
    userId: owner.id,
    name: "r/VanLife",
    platform: "reddit",
    url: "https://www.reddit.com/r/VanLife/",
  });
  await addCandidate({
    store,
    slug,
    userId: owner.id,
    name: "Unsampled forum",
    platform: "discourse",
  });
  await expect(
    addCandidate({
      store,
      slug,
      userId: owner.id,
      name: "Again",
      platform: "reddit",
      url: "https://www.reddit.com/r/VanLife/",
    }),
  ).rejects.toThrow(/already listed/);
  await linkCandidateSample({
    store,
    slug,
    userId: owner.id,
    candidateId: candidate.id,
    communityId: community.id,
  });
  const [sampled, unsampled] = await compareCandidates({ store, slug });
  expect(sampled.indicators?.posts).toBe(6);
  expect(sampled.indicators?.postsPerDay).toBeCloseTo(6 / 30, 5);
  expect(unsampled.indicators).toBeNull();
  // The card is saved whole: a decision without a reason refuses the lot, the judgements included.
  const card = {
    store,
    slug,
    candidateId: candidate.id,
    userId: owner.id,
    communityId: community.id,
    judgements: { relevance: { score: 5, comment: "Core repair talk" } },
  };
  await expect(
    assessCandidate({ ...card, decision: "selected", reason: " " }),
  ).rejects.toMatchObject({ location: { field: "reason" } });
  expect((await compareCandidates({ store, slug }))[0].judgements).toEqual({});
  await expect(
    assessCandidate({ ...card, judgements: { activity: { score: 7 } }, decision: null }),
  ).rejects.toThrow(/score from 1 to 5/);
  const saved = await assessCandidate({
    ...card,
    decision: "selected",
    reason: "Active repair talk",
  });
  expect(saved.judgements.relevance).toEqual({ score: 5, comment: "Core repair talk" });
  // Saving the card again without a change keeps the decision's date.
  const again = await assessCandidate({
    ...card,
    decision: "selected",
    reason: "Active repair talk",
  });
  expect(again.decision?.at).toBe(saved.decision?.at);
  // A strategist may not assess; someone outside the project finds no project.
  const strategist = await buildUser(store);
  await addMember(store, project, strategist, "strategist", owner.id);
  await expect(
    assessCandidate({ ...card, userId: strategist.id, decision: "rejected", reason: "No" }),
  ).rejects.toMatchObject({ code: "forbidden" });
  const outsider = await buildUser(store);
  await expect(
    assessCandidate({ ...card, userId: outsider.id, decision: "rejected", reason: "No" }),
  ).rejects.toMatchObject({ code: "not-found" });
  const studied = await listStudiedCommunities({ store, slug });
  expect(studied.map((c) => [c.name, c.decision?.reason])).toEqual([
    ["r/VanLife", "Active repair talk"],
  ]);
});

test("a candidate's URL must be a web link: javascript: and data: are refused on the url field", async () => {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const { slug } = await buildProject(store, owner);
  for (const url of ["javascript:alert(document.cookie)", "data:text/html,<script>x</script>"]) {
    const refused = await addCandidate({
      store,
      slug,
      userId: owner.id,
      name: "Trap",
      platform: "other",
      url,
    }).then(
      () => null,
      (error: unknown) => error as { code?: string; location?: { field?: string } },
    );
    expect(refused, url).toMatchObject({ code: "invalid-input", location: { field: "url" } });
  }
  // Absent and empty are both fine; an https link is kept.
  await addCandidate({ store, slug, userId: owner.id, name: "No link", platform: "other" });
  await addCandidate({
    store,
    slug,
    userId: owner.id,
    name: "Empty link",
    platform: "other",
    url: "",
  });
  const kept = await addCandidate({
    store,
    slug,
    userId: owner.id,
    name: "Forum",
    platform: "discourse",
    url: "https://forum.example/",
  });
  expect(kept.url).toBe("https://forum.example/");
});
