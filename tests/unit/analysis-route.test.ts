// The analysis page's agreement panel: per post by default, per segment when asked, with the minimum
// overlap as a percent; bad query values fall back to the defaults; strategists cannot read it.
import path from "node:path";
import { expect, test } from "vitest";
import { applyCode, createCodes } from "../../research/coding/index.js";
import {
  importFiles,
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

type AnalysisPage = {
  unit: string;
  overlap: number;
  agreement: null | {
    unit: string;
    minimumOverlap: number | null;
    overall: { units: number; percentAgreement: number | null };
  };
};

test("agreement on the analysis page is per post or per segment, and only for those who read data", async () => {
  const { store, owner } = await buildAppStore();
  const project = await buildProject(store, owner);
  const { slug } = project;
  const researcher = await buildUser(store);
  const strategist = await buildUser(store);
  await addMember(store, project, researcher, "researcher", owner.id);
  await addMember(store, project, strategist, "strategist", owner.id);
  await importFiles({
    store,
    slug,
    files: [path.resolve(__dirname, "../fixtures/reddit-thread.json")],
  });
  const [code] = await createCodes({ store, slug, userId: owner.id, codes: [{ name: "Fix" }] });
  const posts: CorpusPost[] = [];
  for await (const batch of iterateVisiblePosts({ store, slug })) posts.push(...batch);
  const post = posts.find((candidate) => [...candidate.text].length >= 40)!;
  for (const [coderId, start, end] of [
    [owner.id, 0, 10],
    [researcher.id, 0, 8],
  ] as const) {
    await applyCode({
      store,
      slug,
      coderId,
      codeIds: [code.id],
      span: { sourceType: "post", sourceId: post.id, start, end },
    });
  }
  const route = await import("../../app/routes/projects.$slug.coding.analysis");
  const page = routeCaller(
    route,
    `/projects/${slug}/coding/analysis`,
    { slug },
    await signInCookie(researcher.id),
  );
  const coders = `coder=${owner.id}&coder=${researcher.id}`;

  const none = bodyOf(await page.get()) as AnalysisPage;
  expect(none).toMatchObject({ unit: "post", overlap: 90, agreement: null });

  const byPost = bodyOf(await page.get(`?${coders}`)) as AnalysisPage;
  expect(byPost.agreement).toMatchObject({ unit: "post", overall: { percentAgreement: 1 } });

  // 8 of 10 code points shared: two passages at 90%, one at 80%.
  const strict = bodyOf(await page.get(`?${coders}&unit=segment`)) as AnalysisPage;
  expect(strict.agreement).toMatchObject({
    unit: "segment",
    minimumOverlap: 0.9,
    overall: { units: 2, percentAgreement: 0 },
  });
  const loose = bodyOf(await page.get(`?${coders}&unit=segment&overlap=80`)) as AnalysisPage;
  expect(loose).toMatchObject({ overlap: 80 });
  expect(loose.agreement).toMatchObject({ overall: { units: 1, percentAgreement: 1 } });

  const fallback = bodyOf(await page.get(`?${coders}&unit=words&overlap=500`)) as AnalysisPage;
  expect(fallback).toMatchObject({ unit: "post", overlap: 90 });

  const asStrategist = routeCaller(
    route,
    `/projects/${slug}/coding/analysis`,
    { slug },
    await signInCookie(strategist.id),
  );
  expect(statusOf(await asStrategist.get(`?${coders}`))).toBe(403);
});
