import path from "node:path";
import { expect, test } from "vitest";
import { applyCode, createCodes, listCodings } from "../../research/coding/index.js";
import {
  getThreads,
  importFiles,
  iterateVisiblePosts,
  type CorpusPost,
} from "../../research/collection/index.js";
import { recordConsent } from "../../research/entree/index.js";
import {
  annotateProject,
  computeSuggestions,
  decideSuggestions,
  listSuggestions,
  runSuggestions,
  suggestionPrecision,
} from "../../research/nlp/index.js";
import { addKeyword } from "../../research/objectives/index.js";
import type { DocumentStore } from "../../research/store/index.js";
import { sliceCodePoints } from "../../research/shared/text-offsets.js";
import {
  addMember,
  buildProject,
  buildStore,
  buildUser,
  scratchDir,
  SHARED_DATA,
} from "../factories.js";

async function allPosts(store: DocumentStore, slug: string): Promise<CorpusPost[]> {
  const posts: CorpusPost[] = [];
  for await (const batch of iterateVisiblePosts({ store, slug })) posts.push(...batch);
  return posts;
}

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
  // A second run reads only what is new: nothing.
  const again = await annotateProject({ store, slug });
  expect(again).toMatchObject({ annotated: 0, alreadyAnnotated: report.annotated, tokens: 0 });
  const [tagging] = await createCodes({
    store,
    slug,
    userId: owner.id,
    codes: [{ name: "Tagging" }],
  });
  const posts = await allPosts(store, slug);
  const byId = new Map(posts.map((post) => [post.id, post]));
  const about = posts.filter((post) => /\btags?\b/i.test(post.title ?? "")).slice(0, 2);
  expect(about).toHaveLength(2);
  for (const post of about) {
    const span = {
      sourceType: "post" as const,
      sourceId: post.id,
      start: 0,
      end: [...post.text].length,
    };
    await applyCode({ store, slug, coderId: owner.id, codeIds: [tagging.id], span });
  }
  const fresh = await computeSuggestions({ store, slug, codeName: "Tagging", limit: 10 });
  await runSuggestions({ store, slug });
  const stored = await listSuggestions({ store, slug, codeName: "Tagging", limit: 10 });
  // The stored run and a fresh computation (the CLI's) agree.
  expect(stored.suggestions.map((s) => s.id)).toEqual(fresh.map((s) => s.id));
  const suggestions = stored.suggestions;
  expect(suggestions.length).toBe(10);
  expect(stored.total).toBeGreaterThanOrEqual(10);
  expect(suggestions.every((s) => s.kind === "similar" || s.kind === "keyword")).toBe(true);
  const similar = suggestions.filter((s) => s.kind === "similar");
  expect(similar[0].reason).toMatch(
    /^Words typical of the 2 passages coded "Tagging": .*tag.* \(naive Bayes log-odds \d+\.\d\d, its post -?\d+\.\d\d\)$/,
  );
  // The label: a passage is about tagging when its thread's question is about tags.
  const threads = await getThreads({ store, slug, threadIds: posts.map((post) => post.threadId) });
  const isTagThread = (postId: string) =>
    /\btag/i.test(threads.get(byId.get(postId)!.threadId)?.title ?? "");
  const onTopic = suggestions.filter((s) => isTagThread(s.sourceId)).length;
  // Ten posts (one suggestion per post): the misses under this label include passages of other
  // threads that talk about tags ("Don't use [tag:elvish], use [tag:tolkien-elvish].").
  expect(onTopic / suggestions.length).toBeGreaterThanOrEqual(0.7);
  for (let i = 1; i < suggestions.length; i++)
    expect(suggestions[i - 1].score).toBeGreaterThanOrEqual(suggestions[i].score);
  for (const s of suggestions)
    expect(sliceCodePoints(byId.get(s.sourceId)!.text, s.start, s.end)).toBe(s.quote);
  // Pages follow one another without overlap.
  const next = await listSuggestions({ store, slug, codeName: "Tagging", offset: 10, limit: 10 });
  expect(next.suggestions.some((s) => suggestions.some((first) => first.id === s.id))).toBe(false);
});

test("accepting codes the passage, rejecting hides it, and precision is reported per code", async () => {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const { slug } = await buildProject(store, owner);
  await importFiles({
    store,
    slug,
    files: [path.resolve(__dirname, "../fixtures/reddit-thread.json")],
  });
  await addKeyword({ store, slug, userId: owner.id, term: "battery" });
  await createCodes({
    store,
    slug,
    userId: owner.id,
    codes: [
      { name: "Power", definition: "talk about the battery" },
      { name: "Frustration", affective: true },
    ],
  });
  expect(await listSuggestions({ store, slug })).toMatchObject({ computed: false, total: 0 });
  await runSuggestions({ store, slug });
  const pending = (await listSuggestions({ store, slug, codeName: "Power" })).suggestions;
  expect(pending.length).toBe(3);
  expect(pending[0].reason).toMatch(
    /Mentions "battery" \(keyword rule from the project keywords in the code's definition\)/,
  );
  await decideSuggestions({
    store,
    slug,
    suggestionIds: [pending[0].id, pending[1].id],
    decision: "accepted",
    userId: owner.id,
  });
  await decideSuggestions({
    store,
    slug,
    suggestionIds: [pending[2].id],
    decision: "rejected",
    userId: owner.id,
  });
  // Decided suggestions leave the stored run at once; a new run does not bring them back, and the
  // accepted codings now feed similarity suggestions instead.
  const keywordOnes = async () =>
    (await listSuggestions({ store, slug, codeName: "Power" })).suggestions.filter(
      (s) => s.kind === "keyword",
    );
  expect(await keywordOnes()).toEqual([]);
  await runSuggestions({ store, slug });
  expect(await keywordOnes()).toEqual([]);
  expect(
    (await computeSuggestions({ store, slug, codeName: "Power" })).filter(
      (s) => s.kind === "keyword",
    ),
  ).toEqual([]);
  expect((await listCodings({ store, slug })).map((c) => c.quote).sort()).toEqual(
    [pending[0].quote, pending[1].quote].sort(),
  );
  const [precision] = await suggestionPrecision({ store, slug });
  expect(precision).toMatchObject({ codeName: "Power", accepted: 2, rejected: 1 });
  expect(precision.byKind.keyword).toEqual({ accepted: 2, rejected: 1 });
  expect(precision.precision).toBeCloseTo(2 / 3, 10);
  await expect(
    decideSuggestions({
      store,
      slug,
      suggestionIds: [pending[2].id],
      decision: "accepted",
      userId: owner.id,
    }),
  ).rejects.toThrow(/no longer pending/);
});

test("two people accepting the same suggestion at once make one decision and one coding", async () => {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const colleague = await buildUser(store);
  const project = await buildProject(store, owner);
  const { slug } = project;
  await addMember(store, project, colleague, "researcher", owner.id);
  await importFiles({
    store,
    slug,
    files: [path.resolve(__dirname, "../fixtures/reddit-thread.json")],
  });
  await addKeyword({ store, slug, userId: owner.id, term: "battery" });
  await createCodes({
    store,
    slug,
    userId: owner.id,
    codes: [{ name: "Power", definition: "talk about the battery" }],
  });
  await runSuggestions({ store, slug });
  const [first] = (await listSuggestions({ store, slug })).suggestions;
  const results = await Promise.allSettled(
    [owner, colleague].map((user) =>
      decideSuggestions({
        store,
        slug,
        suggestionIds: [first.id],
        decision: "accepted",
        userId: user.id,
      }),
    ),
  );
  expect(results.filter((result) => result.status === "fulfilled")).toHaveLength(1);
  const refused = results.find((result) => result.status === "rejected");
  expect(String(refused?.status === "rejected" && refused.reason)).toMatch(/no longer pending/);
  expect(await listCodings({ store, slug })).toHaveLength(1);
  const [precision] = await suggestionPrecision({ store, slug });
  expect(precision).toMatchObject({ accepted: 1, rejected: 0 });
});

test("a stored suggestion on a member who then opts out is no longer shown, nor computed again", async () => {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const { slug } = await buildProject(store, owner);
  await importFiles({
    store,
    slug,
    files: [path.resolve(__dirname, "../fixtures/reddit-thread.json")],
  });
  await addKeyword({ store, slug, userId: owner.id, term: "battery" });
  await createCodes({
    store,
    slug,
    userId: owner.id,
    codes: [{ name: "Power", definition: "talk about the battery" }],
  });
  await runSuggestions({ store, slug });
  const before = (await listSuggestions({ store, slug })).suggestions;
  expect(before.length).toBeGreaterThan(1);
  const posts = await allPosts(store, slug);
  const target = posts.find((post) => post.id === before[0].sourceId)!;
  expect(target.memberId).not.toBeNull();
  await recordConsent({
    store,
    slug,
    memberId: target.memberId!,
    status: "opted-out",
    userId: owner.id,
  });

  const hidden = new Set(
    posts.filter((post) => post.memberId === target.memberId).map((post) => post.id),
  );
  const after = await listSuggestions({ store, slug });
  expect(after.suggestions.length).toBeGreaterThan(0);
  expect(after.suggestions.some((s) => hidden.has(s.sourceId))).toBe(false);
  expect(after.total).toBe(before.filter((s) => !hidden.has(s.sourceId)).length);
  await expect(
    decideSuggestions({
      store,
      slug,
      suggestionIds: [before[0].id],
      decision: "accepted",
      userId: owner.id,
    }),
  ).rejects.toThrow(/no longer pending/);
  expect((await computeSuggestions({ store, slug })).some((s) => hidden.has(s.sourceId))).toBe(
    false,
  );
  await runSuggestions({ store, slug });
  expect(
    (await listSuggestions({ store, slug })).suggestions.some((s) => hidden.has(s.sourceId)),
  ).toBe(false);
});

test("posts not in English are flagged and only get keyword suggestions", async () => {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const { slug } = await buildProject(store, owner);
  await importFiles({
    store,
    slug,
    files: [path.resolve(__dirname, "../fixtures/4cat-export.csv")],
  });
  const { writeFile } = await import("node:fs/promises");
  const dir = await scratchDir("netno-fr-");
  await writeFile(
    path.join(dir, "fr.csv"),
    'id,thread_id,author,body,timestamp\n1,1,lea,"La batterie du fourgon est morte ce matin, je suis vraiment furieuse et déçue par ce fabricant terrible.",2024-01-01\n',
  );
  await importFiles({ store, slug, files: [path.join(dir, "fr.csv")] });
  const french = (await allPosts(store, slug)).find((p) => p.text.startsWith("La batterie"))!;
  expect(french.language).toBe("fr");
  const first = await annotateProject({ store, slug });
  expect(first.notEnglish).toBeGreaterThanOrEqual(1);
  // Flagged posts stay flagged: a second run reads nothing again and still reports them.
  expect(await annotateProject({ store, slug })).toMatchObject({
    annotated: 0,
    notEnglish: first.notEnglish,
  });
  await addKeyword({ store, slug, userId: owner.id, term: "batterie" });
  await createCodes({
    store,
    slug,
    userId: owner.id,
    codes: [{ name: "Anger", affective: true, definition: "angry about the batterie" }],
  });
  await runSuggestions({ store, slug });
  const forFrench = (await listSuggestions({ store, slug })).suggestions.filter(
    (s) => s.sourceId === french.id,
  );
  expect(forFrench.map((s) => s.kind)).toEqual(["keyword"]);
});

test("suggestions on sources brought from a REFI-QDA project name them by the source's name, not its GUID", async () => {
  const { exportProject, importProjectFile } = await import("../../research/exchange/index.js");
  const { writeFile } = await import("node:fs/promises");
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const source = await buildProject(store, owner);
  await importFiles({
    store,
    slug: source.slug,
    files: [path.join(SHARED_DATA, "stackexchange-conlang-meta")],
  });
  const [tagging] = await createCodes({
    store,
    slug: source.slug,
    userId: owner.id,
    codes: [{ name: "Tagging" }],
  });
  const about = (await allPosts(store, source.slug))
    .filter((post) => /\btags?\b/i.test(post.title ?? ""))
    .slice(0, 2);
  for (const post of about) {
    const span = { sourceType: "post" as const, sourceId: post.id, start: 0, end: 40 };
    await applyCode({ store, slug: source.slug, coderId: owner.id, codeIds: [tagging.id], span });
  }
  const dir = await scratchDir("netno-refi-names-");
  const file = path.join(dir, "conlang.qdpx");
  await writeFile(file, await exportProject({ store, slug: source.slug }));
  const { slug } = await buildProject(store, owner);
  await importProjectFile({ store, slug, file, userId: owner.id });

  const suggestions = await computeSuggestions({ store, slug, codeName: "Tagging", limit: 10 });
  expect(suggestions.length).toBeGreaterThan(0);
  const titles = new Map((await allPosts(store, slug)).map((post) => [post.id, post.title]));
  for (const s of suggestions) {
    expect(s.sourceName).not.toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-/i);
    expect(s.sourceName).toBe(titles.get(s.sourceId));
  }
}, 60_000);
