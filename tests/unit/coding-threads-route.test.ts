// The coding side's thread list: paged, filtered by community and keyword (either, both or none), with
// how much of each thread is coded; readable by owner and researchers, not strategists.
import path from "node:path";
import { expect, test } from "vitest";
import { applyCode, createCodes } from "../../research/coding/index.js";
import {
  importFiles,
  listCommunities,
  iterateVisiblePosts,
  type CorpusPost,
} from "../../research/collection/index.js";
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

const FIXTURES = path.resolve(__dirname, "../fixtures");

test("the coding thread list filters by community and keyword, shows coded posts, and is not for strategists", async () => {
  const { store, owner } = await buildAppStore();
  const project = await buildProject(store, owner);
  const { slug } = project;
  const strategist = await buildUser(store);
  const researcher = await buildUser(store);
  await addMember(store, project, strategist, "strategist", owner.id);
  await addMember(store, project, researcher, "researcher", owner.id);
  await importFiles({ store, slug, files: [path.join(FIXTURES, "reddit-thread.json")] });
  await importFiles({ store, slug, files: [path.join(FIXTURES, "discourse-quotes.json")] });
  const [code] = await createCodes({ store, slug, userId: owner.id, codes: [{ name: "Fixes" }] });
  const posts: CorpusPost[] = [];
  for await (const batch of iterateVisiblePosts({ store, slug })) posts.push(...batch);
  const ferrite = posts.find((post) => post.text.includes("ferrite"))!;
  await applyCode({
    store,
    slug,
    coderId: owner.id,
    codeIds: [code.id],
    span: { sourceType: "post", sourceId: ferrite.id, start: 0, end: 5 },
  });
  const discourse = (await listCommunities({ store, slug })).find(
    (community) => community.platform === "discourse",
  )!;
  const route = await import("../../app/routes/projects.$slug.coding.threads._index");
  const page = routeCaller(
    route,
    `/projects/${slug}/coding/threads`,
    { slug },
    await signInCookie(researcher.id),
  );
  type Listed = {
    total: number;
    community: string;
    communities: unknown[];
    threads: Array<{ title: string; codedPosts: number; segments: number }>;
  };
  const all = bodyOf(await page.get()) as Listed;
  expect(all.total).toBe(2);
  expect(all.communities).toHaveLength(2);
  const byCommunity = bodyOf(await page.get(`?community=${discourse.id}`)) as Listed;
  expect(byCommunity.threads).toMatchObject([
    { title: "Inverter hum after firmware update", codedPosts: 1, segments: 1 },
  ]);
  const both = bodyOf(await page.get(`?community=${discourse.id}&q=inverter`)) as Listed;
  expect(both.total).toBe(1);
  const none = bodyOf(await page.get(`?community=${discourse.id}&q=subreddit`)) as Listed;
  expect(none.total).toBe(0);
  // An unknown community (an old link after a merge) filters nothing.
  const unknown = bodyOf(await page.get("?community=gone&page=abc")) as Listed;
  expect(unknown).toMatchObject({ total: 2, community: "" });

  const asStrategist = routeCaller(
    route,
    `/projects/${slug}/coding/threads`,
    { slug },
    await signInCookie(strategist.id),
  );
  expect(statusOf(await asStrategist.get())).toBe(403);
});
