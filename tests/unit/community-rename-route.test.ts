// Renaming a community from its page: the owner and researchers may, a strategist may not; a name
// another community of the platform has is a field error; a later import joins the renamed community.
import path from "node:path";
import { expect, test } from "vitest";
import {
  importFiles,
  listCommunities,
  listCommunitySummaries,
  listThreads,
} from "../../research/collection/index.js";
import {
  addCandidate,
  compareCandidates,
  linkCandidateSample,
} from "../../research/discovery/index.js";
import { addMember, buildProject, buildUser } from "../factories.js";
import {
  bodyOf,
  buildAppStore,
  reloadAppForEachTest,
  routeCaller,
  signInCookie,
  statusOf,
} from "../helpers/route-requests.js";

reloadAppForEachTest();

const CSV = path.resolve(__dirname, "../fixtures/4cat-export.csv");

test("a community is renamed; a taken name is a field error; a strategist cannot; an import joins it", async () => {
  const { store, owner } = await buildAppStore();
  const project = await buildProject(store, owner);
  const { slug } = project;
  await importFiles({ store, slug, files: [CSV], community: "netno-upload-DrctG8" });
  await importFiles({ store, slug, files: [CSV], community: "Van forum B" });
  const [first] = (await listCommunities({ store, slug })).filter(
    (community) => community.name === "netno-upload-DrctG8",
  );
  const route = await import("../../app/routes/projects.$slug.collection.communities.$communityId");
  const page = routeCaller(
    route,
    `/projects/${slug}/collection/communities/${first.id}`,
    { slug, communityId: first.id },
    await signInCookie(owner.id),
  );
  expect(bodyOf(await page.get())).toMatchObject({ community: { name: "netno-upload-DrctG8" } });

  const taken = await page.post({ name: "Van forum B" });
  expect(statusOf(taken)).toBe(409);
  expect(bodyOf(taken)).toMatchObject({
    ok: false,
    fieldErrors: { name: expect.stringContaining("already named") },
  });
  const empty = await page.post({ name: "   " });
  expect(bodyOf(empty)).toMatchObject({
    ok: false,
    fieldErrors: { name: "A community needs a name." },
  });

  const renamed = await page.post({ name: "  Van   forum A " });
  expect(statusOf(renamed)).toBe(302);
  expect(renamed instanceof Response && renamed.headers.get("location")).toBe(
    `/projects/${slug}/collection?renamed=${encodeURIComponent("Van forum A")}`,
  );
  const names = (await listCommunities({ store, slug })).map((community) => community.name).sort();
  expect(names).toEqual(["Van forum A", "Van forum B"]);
  const again = await importFiles({ store, slug, files: [CSV], community: "Van forum A" });
  expect(again).toMatchObject({ posts: 0, communities: [] });

  // A researcher of the project may rename too (the "code" capability).
  const researcher = await buildUser(store);
  await addMember(store, project, researcher, "researcher", owner.id);
  const asResearcher = routeCaller(
    route,
    `/projects/${slug}/collection/communities/${first.id}`,
    { slug, communityId: first.id },
    await signInCookie(researcher.id),
  );
  expect(statusOf(await asResearcher.post({ name: "Van forum A (4CAT)" }))).toBe(302);

  const strategist = await buildUser(store);
  await addMember(store, project, strategist, "strategist", owner.id);
  const asStrategist = routeCaller(
    route,
    `/projects/${slug}/collection/communities/${first.id}`,
    { slug, communityId: first.id },
    await signInCookie(strategist.id),
  );
  expect(statusOf(await asStrategist.post({ name: "Mine" }).catch((e: unknown) => e))).toBe(403);
  const missing = routeCaller(
    route,
    `/projects/${slug}/collection/communities/nope`,
    { slug, communityId: "nope" },
    await signInCookie(owner.id),
  );
  expect(statusOf(await missing.get().catch((e: unknown) => e))).toBe(404);
});

test("a community is merged into another of its platform: threads and posts move, it goes, discovery follows; other platforms and itself are refused", async () => {
  const { store, owner } = await buildAppStore();
  const project = await buildProject(store, owner);
  const { slug } = project;
  const strategist = await buildUser(store);
  await addMember(store, project, strategist, "strategist", owner.id);
  await importFiles({ store, slug, files: [CSV], community: "List split A" });
  const other = path.resolve(__dirname, "../fixtures/custom.csv");
  await importFiles({
    store,
    slug,
    files: [other],
    community: "List split B",
    columns: { id: "post_no", author: "who", body: "message", timestamp: "posted" },
  });
  await importFiles({
    store,
    slug,
    files: [path.resolve(__dirname, "../fixtures/reddit-thread.json")],
  });
  const communities = await listCommunities({ store, slug });
  const a = communities.find((community) => community.name === "List split A")!;
  const b = communities.find((community) => community.name === "List split B")!;
  const reddit = communities.find((community) => community.platform === "reddit")!;
  const candidate = await addCandidate({
    store,
    slug,
    userId: owner.id,
    name: "The list",
    platform: "csv",
  });
  await linkCandidateSample({
    store,
    slug,
    userId: owner.id,
    candidateId: candidate.id,
    communityId: b.id,
  });
  const before = await listCommunitySummaries({ store, slug });
  const postsOf = (id: string) => before.find((community) => community.id === id)!.posts;

  const route = await import("../../app/routes/projects.$slug.collection.communities.$communityId");
  const page = routeCaller(
    route,
    `/projects/${slug}/collection/communities/${b.id}`,
    { slug, communityId: b.id },
    await signInCookie(owner.id),
  );
  const loaded = bodyOf(await page.get()) as { mergeTargets: Array<{ id: string }> };
  expect(loaded.mergeTargets.map((target) => target.id)).toEqual([a.id]);

  for (const [intoCommunityId, message] of [
    ["", /Choose the community/],
    [b.id, /into itself/],
    [reddit.id, /different platforms/],
    ["no-such-community", /Choose a community of this project/],
  ] as const) {
    const refused = await page.post({ intent: "merge", intoCommunityId });
    expect(statusOf(refused), intoCommunityId).toBe(400);
    expect(bodyOf(refused)).toMatchObject({
      fieldErrors: { intoCommunityId: expect.stringMatching(message) },
    });
  }
  const asStrategist = routeCaller(
    route,
    `/projects/${slug}/collection/communities/${b.id}`,
    { slug, communityId: b.id },
    await signInCookie(strategist.id),
  );
  expect(statusOf(await asStrategist.post({ intent: "merge", intoCommunityId: a.id }))).toBe(403);

  const merged = (await page.post({ intent: "merge", intoCommunityId: a.id })) as Response;
  expect(merged.status).toBe(302);
  expect(merged.headers.get("location")).toBe(
    `/projects/${slug}/collection?merged=${encodeURIComponent("List split A")}`,
  );
  const after = await listCommunitySummaries({ store, slug });
  expect(after.map((community) => community.name).sort()).toEqual(
    ["List split A", reddit.name].sort(),
  );
  expect(after.find((community) => community.id === a.id)!.posts).toBe(
    postsOf(a.id) + postsOf(b.id),
  );
  const { threads } = await listThreads({ store, slug, filter: { communityId: a.id } });
  expect(threads.length).toBeGreaterThan(1);
  const discovery = await compareCandidates({ store, slug });
  const linked = discovery.find((row) => row.id === candidate.id)!;
  expect(linked.communityId).toBe(a.id);
  expect(linked.sampleName).toBe("List split A");
  expect(statusOf(await page.get())).toBe(404);
});

test("merging communities that hold the same thread (one forum exported twice) makes it one thread", async () => {
  const { store, owner } = await buildAppStore();
  const { slug } = await buildProject(store, owner);
  const { mkdtemp, writeFile } = await import("node:fs/promises");
  const os = await import("node:os");
  const folder = await mkdtemp(path.join(os.tmpdir(), "netno-merge-"));
  const header = "id,thread_id,author,body,timestamp,subject";
  const first = path.join(folder, "march.csv");
  const second = path.join(folder, "april.csv");
  await writeFile(first, `${header}\n1,t1,ana,Heater smells,2024-03-01 10:00:00,Heater\n`);
  await writeFile(second, `${header}\n2,t1,bo,Still smells,2024-04-01 10:00:00,Heater\n`);
  await importFiles({ store, slug, files: [first], community: "Forum (March)" });
  await importFiles({ store, slug, files: [second], community: "Forum (April)" });
  const communities = await listCommunities({ store, slug });
  const march = communities.find((community) => community.name === "Forum (March)")!;
  const april = communities.find((community) => community.name === "Forum (April)")!;
  const { mergeCommunities, createFieldNote, getFieldNote } =
    await import("../../research/collection/index.js");
  const aprilThread = (await listThreads({ store, slug, filter: { communityId: april.id } }))
    .threads[0];
  const note = await createFieldNote({
    store,
    slug,
    authorId: owner.id,
    kind: "observational",
    title: "April",
    markdown: "Smell again.",
    links: [{ type: "thread", id: aprilThread.id }],
  });
  const merged = await mergeCommunities({
    store,
    slug,
    communityId: april.id,
    intoCommunityId: march.id,
    userId: owner.id,
  });
  expect(merged).toMatchObject({ name: "Forum (March)", posts: 1 });
  const { threads } = await listThreads({ store, slug });
  expect(threads).toMatchObject([{ title: "Heater", postCount: 2 }]);
  expect(threads[0].lastPostAt?.slice(0, 10)).toBe("2024-04-01");
  expect((await getFieldNote({ store, slug, noteId: note.id }))!.links).toEqual([
    { type: "thread", id: threads[0].id },
  ]);
});
