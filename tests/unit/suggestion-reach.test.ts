// Suggestions reach every code with coded examples: a limit is shared between codes instead of going to
// the codes whose passages score highest, and each run estimates per code, on held-out coded passages,
// how much of the code's like it would find.
import path from "node:path";
import { expect, test } from "vitest";
import { applyCode, createCodes } from "../../research/coding/index.js";
import { getThreads, importFiles, iterateVisiblePosts } from "../../research/collection/index.js";
import type { CorpusPost } from "../../research/collection/model.js";
import {
  computeSuggestions,
  fairShare,
  getSuggestionsJob,
  runSuggestions,
  startSuggestionsJob,
  suggestionCoverage,
  type Suggestion,
} from "../../research/nlp/index.js";
import { waitForJobs } from "../../research/shared/background-jobs.js";
import { buildProject, buildStore, buildUser, SHARED_DATA } from "../factories.js";

const suggestion = (codeId: string, score: number): Suggestion => ({
  id: `${codeId}-${score}`,
  kind: "similar",
  sourceType: "post",
  sourceId: `post-${score}`,
  sourceName: "p",
  start: 0,
  end: 1,
  codeId,
  codeName: codeId,
  score,
  reason: "",
  quote: "",
});

test("a limit is shared between codes, round after round, and the chosen are ordered best first", () => {
  const ranked = [
    ...[0.9, 0.89, 0.88, 0.87, 0.86].map((score) => suggestion("strong", score)),
    ...[0.3, 0.29].map((score) => suggestion("weak", score)),
    suggestion("rare", 0.2),
  ];
  const chosen = fairShare(ranked, 5);
  expect(chosen.map((s) => `${s.codeId}:${s.score}`)).toEqual([
    "strong:0.9",
    "strong:0.89",
    "weak:0.3",
    "weak:0.29",
    "rare:0.2",
  ]);
  expect(fairShare(ranked, 100)).toEqual(ranked);
  expect(fairShare(ranked, 0)).toEqual([]);
});

test("every code with coded examples gets suggestions under a small limit, and the run reports held-out reach", async () => {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const { slug } = await buildProject(store, owner);
  await importFiles({ store, slug, files: [path.join(SHARED_DATA, "stackexchange-conlang-meta")] });
  const posts: CorpusPost[] = [];
  for await (const batch of iterateVisiblePosts({ store, slug })) posts.push(...batch);
  const threads = await getThreads({ store, slug, threadIds: posts.map((post) => post.threadId) });
  const titled = (pattern: RegExp) =>
    posts.filter((post) => pattern.test(threads.get(post.threadId)?.title ?? ""));
  const [tagging, language, unused] = await createCodes({
    store,
    slug,
    userId: owner.id,
    codes: [{ name: "Tagging" }, { name: "Language talk" }, { name: "Never coded" }],
  });
  const coded = [
    [tagging, titled(/\btags?\b/i).slice(0, 9)],
    [language, titled(/\blanguages?\b/i).slice(0, 9)],
  ] as const;
  for (const [code, examples] of coded) {
    expect(examples.length).toBeGreaterThanOrEqual(6);
    for (const post of examples) {
      await applyCode({
        store,
        slug,
        coderId: owner.id,
        codeIds: [code.id],
        span: { sourceType: "post", sourceId: post.id, start: 0, end: [...post.text].length },
      });
    }
  }
  const few = await computeSuggestions({ store, slug, limit: 6 });
  expect(few).toHaveLength(6);
  // The codes with coded examples both get their share (a code's name is a keyword rule too).
  const reached = new Set(few.map((s) => s.codeId));
  expect(reached.has(tagging.id) && reached.has(language.id)).toBe(true);
  for (let i = 1; i < few.length; i++)
    expect(few[i - 1].score).toBeGreaterThanOrEqual(few[i].score);

  const report = await runSuggestions({ store, slug });
  const reach = new Map(report.reach!.map((row) => [row.codeId, row]));
  // Nine coded passages: every third (3 of them) is held out.
  expect(reach.get(tagging.id)).toMatchObject({ codedPassages: 9, heldOut: 3 });
  expect(reach.get(tagging.id)!.reached).toBeGreaterThanOrEqual(1);
  expect(reach.get(unused.id)).toMatchObject({ codedPassages: 0, heldOut: 0, reached: 0 });

  // The page reads the estimate of the last run the background job stored.
  expect((await suggestionCoverage({ store, slug }))[0].heldOut).toBeNull();
  await startSuggestionsJob({ store, dataDir: store.root, slug, userId: owner.id });
  await waitForJobs();
  expect((await getSuggestionsJob({ store, slug }))?.state).toBe("done");
  const coverage = await suggestionCoverage({ store, slug });
  expect(coverage.find((row) => row.codeId === tagging.id)).toMatchObject({
    codedPassages: 9,
    heldOut: { tested: 3, reached: reach.get(tagging.id)!.reached },
  });
  expect(coverage.find((row) => row.codeId === tagging.id)!.pending).toBeGreaterThan(0);
  expect(coverage.find((row) => row.codeId === unused.id)).toMatchObject({
    codedPassages: 0,
    heldOut: null,
  });
});
