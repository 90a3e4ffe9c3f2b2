import path from "node:path";
import { expect, test } from "vitest";
import { applyCode, createCodes, listCodings } from "../../research/coding/index.js";
import { importFiles, loadCorpus } from "../../research/collection/index.js";
import { annotateProject, computeSuggestions, decideSuggestions, suggestionPrecision } from "../../research/nlp/index.js";
import { addKeyword } from "../../research/objectives/index.js";
import { sliceCodePoints } from "../../research/shared/text-offsets.js";
import { buildProject, buildStore, buildUser, SHARED_DATA } from "../factories.js";

/**
 * A small labelled sample: the conlang meta site. Posts about tags are coded "Tagging" on two
 * examples; the suggestions for "Tagging" must rank tag talk first, each with a reason.
 */
test("similar-passage suggestions rank passages about the coded topic first and say why", async () => {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const { slug } = await buildProject(store, owner);
  await importFiles({ store, slug, files: [path.join(SHARED_DATA, "stackexchange-conlang-meta")] });
  const report = await annotateProject({ store, slug });
  expect(report.annotated).toBeGreaterThan(350);
  const [tagging] = await createCodes({ store, slug, userId: owner.id, codes: [{ name: "Tagging" }] });
  const corpus = await loadCorpus({ store, slug });
  const about = corpus.posts.filter((post) => /\btags?\b/i.test(post.title ?? "")).slice(0, 2);
  expect(about).toHaveLength(2);
  for (const post of about) await applyCode({ store, slug, coderId: owner.id, codeIds: [tagging.id], span: { sourceType: "post", sourceId: post.id, start: 0, end: [...post.text].length } });
  const suggestions = await computeSuggestions({ store, slug, codeName: "Tagging", limit: 10 });
  expect(suggestions.length).toBe(10);
  expect(suggestions.every((s) => s.kind === "similar" || s.kind === "keyword")).toBe(true);
  const similar = suggestions.filter((s) => s.kind === "similar");
  expect(similar[0].reason).toMatch(/Similar to 2 passages coded "Tagging" \(BM25 cosine 0\.\d\d; shared terms: .*tag/);
  // The label: a passage is about tagging when its thread's question is about tags.
  const isTagThread = (postId: string) => /\btag/i.test(corpus.threads.get(corpus.postsById.get(postId)!.threadId)?.title ?? "");
  const onTopic = suggestions.filter((s) => isTagThread(s.sourceId)).length;
  expect(onTopic / suggestions.length).toBeGreaterThanOrEqual(0.8);
  for (let i = 1; i < suggestions.length; i++) expect(suggestions[i - 1].score).toBeGreaterThanOrEqual(suggestions[i].score);
  for (const s of suggestions) expect(sliceCodePoints(corpus.postsById.get(s.sourceId)!.text, s.start, s.end)).toBe(s.quote);
});

test("accepting codes the passage, rejecting hides it, and precision is reported per code", async () => {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const { slug } = await buildProject(store, owner);
  await importFiles({ store, slug, files: [path.resolve(__dirname, "../fixtures/reddit-thread.json")] });
  await addKeyword({ store, slug, term: "battery" });
  await createCodes({ store, slug, userId: owner.id, codes: [{ name: "Power", definition: "talk about the battery" }, { name: "Frustration", affective: true }] });
  const pending = await computeSuggestions({ store, slug, codeName: "Power" });
  expect(pending.length).toBe(3);
  expect(pending[0].reason).toMatch(/Mentions "battery" \(keyword rule from the project keywords in the code's definition\)/);
  await decideSuggestions({ store, slug, suggestionIds: [pending[0].id, pending[1].id], decision: "accepted", userId: owner.id });
  await decideSuggestions({ store, slug, suggestionIds: [pending[2].id], decision: "rejected", userId: owner.id });
  // Keyword suggestions are all decided; accepted codings now feed similarity suggestions instead.
  expect((await computeSuggestions({ store, slug, codeName: "Power" })).filter((s) => s.kind === "keyword")).toEqual([]);
  expect((await listCodings({ store, slug })).map((c) => c.quote).sort()).toEqual([pending[0].quote, pending[1].quote].sort());
  const [precision] = await suggestionPrecision({ store, slug });
  expect(precision).toMatchObject({ codeName: "Power", accepted: 2, rejected: 1 });
  expect(precision.precision).toBeCloseTo(2 / 3, 10);
  await expect(decideSuggestions({ store, slug, suggestionIds: [pending[2].id], decision: "accepted", userId: owner.id })).rejects.toThrow(/no longer pending/);
});

test("posts not in English are flagged and only get keyword suggestions", async () => {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const { slug } = await buildProject(store, owner);
  await importFiles({ store, slug, files: [path.resolve(__dirname, "../fixtures/4cat-export.csv")] });
  const { writeFile, mkdtemp } = await import("node:fs/promises");
  const dir = await mkdtemp(path.join((await import("node:os")).tmpdir(), "netno-fr-"));
  await writeFile(path.join(dir, "fr.csv"), 'id,thread_id,author,body,timestamp\n1,1,lea,"La batterie du fourgon est morte ce matin, je suis vraiment furieuse et déçue par ce fabricant terrible.",2024-01-01\n');
  await importFiles({ store, slug, files: [path.join(dir, "fr.csv")] });
  const french = (await loadCorpus({ store, slug })).posts.find((p) => p.text.startsWith("La batterie"))!;
  expect(french.language).toBe("fr");
  expect((await annotateProject({ store, slug })).notEnglish).toBeGreaterThanOrEqual(1);
  await addKeyword({ store, slug, term: "batterie" });
  await createCodes({ store, slug, userId: owner.id, codes: [{ name: "Anger", affective: true, definition: "angry about the batterie" }] });
  const forFrench = (await computeSuggestions({ store, slug })).filter((s) => s.sourceId === french.id);
  expect(forFrench.map((s) => s.kind)).toEqual(["keyword"]);
});
