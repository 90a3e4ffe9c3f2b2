// The project overview and the collection page count what views show: posts of members who opted out are
// withheld and said so. The overview's next steps are only those the viewer's role can take (a strategist
// neither codes nor runs member checks).
import path from "node:path";
import { expect, test } from "vitest";
import { applyCode, createCodes } from "../../research/coding/index.js";
import {
  importFiles,
  iterateVisiblePosts,
  type CorpusPost,
} from "../../research/collection/index.js";
import { recordConsent, resolveMemberByHandle } from "../../research/entree/index.js";
import { createTheme } from "../../research/reporting/index.js";
import { getProjectStats } from "../../research/projects/stats.js";
import { addMember, buildProject, buildUser } from "../factories.js";
import {
  bodyOf,
  buildAppStore,
  reloadAppForEachTest,
  routeCaller,
  signInCookie,
} from "../helpers/route-requests.js";

reloadAppForEachTest();

const FIXTURES = path.resolve(__dirname, "../fixtures");

type Overview = {
  path: { phases: Array<{ id: string; summary: string; nextStep: string | null }> };
  counts: { posts: number; threads: number; members: number; withheldPosts: number };
};

test("the overview shows each role only the next steps it can take, and counts visible posts", async () => {
  const { store, owner } = await buildAppStore();
  const project = await buildProject(store, owner);
  const { slug } = project;
  const strategist = await buildUser(store);
  const researcher = await buildUser(store);
  await addMember(store, project, strategist, "strategist", owner.id);
  await addMember(store, project, researcher, "researcher", owner.id);
  await importFiles({ store, slug, files: [path.join(FIXTURES, "reddit-thread.json")] });
  const dusty = await resolveMemberByHandle({ store, slug, handle: "dusty_roads" });
  await recordConsent({ store, slug, memberId: dusty.id, status: "opted-out", userId: owner.id });
  const route = await import("../../app/routes/projects.$slug._index");
  const overviewFor = async (userId: string) =>
    bodyOf(
      await routeCaller(route, `/projects/${slug}`, { slug }, await signInCookie(userId)).get(),
    ) as Overview;
  const phase = (overview: Overview, id: string) =>
    overview.path.phases.find((candidate) => candidate.id === id)!;

  // Nothing coded yet: the reporting step is to code, which the strategist cannot do.
  const early = await overviewFor(strategist.id);
  expect(phase(early, "reporting").nextStep).toBeNull();
  expect(phase(await overviewFor(owner.id), "reporting").nextStep).toBe(
    "Code data before building themes.",
  );

  // The collection counts are the visible ones, with what is withheld said apart.
  const totals = await getProjectStats({ store, slug });
  const { counts } = early;
  expect(counts.withheldPosts).toBeGreaterThan(0);
  expect(counts.posts + counts.withheldPosts).toBe(totals.posts);
  const summary = phase(early, "collection").summary;
  expect(summary).toContain(`${counts.posts} visible post`);
  expect(summary).toContain(`${counts.members} member`);
  expect(summary).toContain(`${counts.withheldPosts} post${counts.withheldPosts === 1 ? "" : "s"}`);
  expect(summary).toContain("1 member withheld: they opted out");
  expect(summary).not.toContain(`${totals.posts} `);

  // Coded, themed and evidenced: the next step is a member check, the owner's alone.
  const [code] = await createCodes({ store, slug, userId: owner.id, codes: [{ name: "Fixes" }] });
  const posts: CorpusPost[] = [];
  for await (const batch of iterateVisiblePosts({ store, slug })) posts.push(...batch);
  const codings = await applyCode({
    store,
    slug,
    coderId: owner.id,
    codeIds: [code.id],
    span: { sourceType: "post", sourceId: posts[0].id, start: 0, end: 5 },
  });
  await createTheme({
    store,
    slug,
    userId: owner.id,
    name: "Self-repair",
    statement: "Members fix their own gear.",
    codeIds: [code.id],
    confidence: "high",
    evidenceCodingIds: codings.map((coding) => coding.id),
  });
  const memberCheck = "Share findings with the community for a member check.";
  const asOwner = await overviewFor(owner.id);
  expect(phase(asOwner, "reporting").nextStep).toBe(memberCheck);
  expect(phase(asOwner, "coding").nextStep).toBe("Review suggestions and compare coders.");
  expect(phase(asOwner, "entree").nextStep).toMatch(/^Complete the ethics plan/);

  const asStrategist = await overviewFor(strategist.id);
  expect(asStrategist.path.phases.map((one) => one.nextStep)).toEqual([
    null,
    null,
    null,
    null,
    null,
    null,
  ]);
  expect(JSON.stringify(asStrategist)).not.toContain(memberCheck);

  // A researcher codes but neither runs member checks nor edits the ethics plan.
  const asResearcher = await overviewFor(researcher.id);
  expect(phase(asResearcher, "reporting").nextStep).toBeNull();
  expect(phase(asResearcher, "entree").nextStep).toBeNull();
  expect(phase(asResearcher, "coding").nextStep).toBe("Review suggestions and compare coders.");
});

test("the collection page's communities count visible posts and say how many are withheld", async () => {
  const { store, owner } = await buildAppStore();
  const project = await buildProject(store, owner);
  const { slug } = project;
  await importFiles({ store, slug, files: [path.join(FIXTURES, "reddit-thread.json")] });
  const route = await import("../../app/routes/projects.$slug.collection._index");
  const page = routeCaller(
    route,
    `/projects/${slug}/collection`,
    { slug },
    await signInCookie(owner.id),
  );
  type Collection = { communities: Array<{ posts: number; withheldPosts: number }> };
  const before = bodyOf(await page.get()) as Collection;
  expect(before.communities).toHaveLength(1);
  const [all] = before.communities;
  expect(all.withheldPosts).toBe(0);

  const dusty = await resolveMemberByHandle({ store, slug, handle: "dusty_roads" });
  await recordConsent({ store, slug, memberId: dusty.id, status: "opted-out", userId: owner.id });
  const [after] = (bodyOf(await page.get()) as Collection).communities;
  expect(after.withheldPosts).toBeGreaterThan(0);
  expect(after.posts + after.withheldPosts).toBe(all.posts);
  const visible: CorpusPost[] = [];
  for await (const batch of iterateVisiblePosts({ store, slug })) visible.push(...batch);
  expect(after.posts).toBe(visible.length);
});
