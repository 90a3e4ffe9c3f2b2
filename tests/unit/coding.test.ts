import path from "node:path";
import { expect, test } from "vitest";
import {
  applyCode,
  countCodingsByCode,
  countCodingsOfThreads,
  createCodes,
  deleteCode,
  getCodebook,
  listCoders,
  listCodings,
  mergeCodes,
  moveCode,
  recodeCoding,
  removeCoding,
  renameCode,
  retrieveSegments,
  splitCode,
} from "../../research/coding/index.js";
import {
  createFieldNote,
  deleteFieldNote,
  importFiles,
  iterateVisiblePosts,
  listFieldNotes,
  updateFieldNote,
} from "../../research/collection/index.js";
import type { CorpusPost } from "../../research/collection/model.js";
import type { DocumentStore } from "../../research/store/index.js";
import {
  codePointLength,
  codePointToUtf16,
  reanchorQuote,
  sliceCodePoints,
  utf16ToCodePoint,
} from "../../research/shared/text-offsets.js";
import { addMember, buildProject, buildStore, buildUser } from "../factories.js";

/** Every visible post of a (small) test project, in import order. */
async function postsOf(store: DocumentStore, slug: string): Promise<CorpusPost[]> {
  const posts: CorpusPost[] = [];
  for await (const batch of iterateVisiblePosts({ store, slug })) posts.push(...batch);
  return posts;
}

test("offsets count code points: emoji and accented letters are one, combining marks count as written", () => {
  const text = "Café 👩🏽‍🔧 fixed it e\u0301 ok";
  expect(codePointLength("👋")).toBe(1);
  expect("👋".length).toBe(2);
  expect(codePointLength("Café")).toBe(4);
  // A woman mechanic with skin tone is 4 code points (woman, tone, ZWJ, wrench), 7 UTF-16 units.
  expect(codePointLength("👩🏽‍🔧")).toBe(4);
  const start = codePointLength("Café 👩🏽‍🔧 ");
  expect(sliceCodePoints(text, start, start + 5)).toBe("fixed");
  expect(codePointToUtf16(text, start)).toBe(text.indexOf("fixed"));
  expect(utf16ToCodePoint(text, text.indexOf("fixed"))).toBe(start);
  // "e" + combining acute: two code points, as REFI-QDA counts them.
  const e = codePointLength("Café 👩🏽‍🔧 fixed it ");
  expect(sliceCodePoints(text, e, e + 2)).toBe("e\u0301");
  expect(reanchorQuote(`${text} and fixed again`, "fixed", start + 3)).toEqual({
    start,
    end: start + 5,
  });
});

test("a coding on a post with emoji keeps its quote and is refused outside the text", async () => {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const { slug } = await buildProject(store, owner);
  await importFiles({
    store,
    slug,
    files: [path.resolve(__dirname, "../fixtures/telegram-result.json")],
  });
  const note = await createFieldNote({
    store,
    slug,
    authorId: owner.id,
    kind: "reflective",
    title: "Me",
    markdown: "I felt 😬 reading it — tense.",
  });
  const [code] = await createCodes({ store, slug, userId: owner.id, codes: [{ name: "Tension" }] });
  const [coding] = await applyCode({
    store,
    slug,
    coderId: owner.id,
    codeIds: [code.id],
    span: { sourceType: "fieldnote", sourceId: note.id, start: 7, end: 8 },
  });
  expect(coding.quote).toBe("😬");
  expect(
    await applyCode({
      store,
      slug,
      coderId: owner.id,
      codeIds: [code.id],
      span: { sourceType: "fieldnote", sourceId: note.id, start: 7, end: 8 },
    }),
  ).toEqual([]);
  await expect(
    applyCode({
      store,
      slug,
      coderId: owner.id,
      codeIds: [code.id],
      span: { sourceType: "fieldnote", sourceId: note.id, start: 20, end: 99 },
    }),
  ).rejects.toThrow(/not inside the text \(28 characters\)/);
  await expect(
    applyCode({
      store,
      slug,
      coderId: owner.id,
      codeIds: [code.id],
      span: { sourceType: "fieldnote", sourceId: note.id, start: 5, end: 5 },
    }),
  ).rejects.toThrow(/not inside/);
});

test("applies made at once are stored together, and one refused among them refuses only itself", async () => {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const { slug } = await buildProject(store, owner);
  await importFiles({
    store,
    slug,
    files: [path.resolve(__dirname, "../fixtures/reddit-thread.json")],
  });
  const [code] = await createCodes({ store, slug, userId: owner.id, codes: [{ name: "Trust" }] });
  const posts = (await postsOf(store, slug)).filter((post) => codePointLength(post.text) >= 4);
  expect(posts.length).toBeGreaterThanOrEqual(3);
  const apply = (sourceId: string, end: number) =>
    applyCode({
      store,
      slug,
      coderId: owner.id,
      codeIds: [code.id],
      span: { sourceType: "post", sourceId, start: 0, end },
    });
  // Started in one turn of the event loop: on SQLite they share one commit (one fsync).
  const results = await Promise.allSettled([
    apply(posts[0].id, 4),
    apply(posts[1].id, 100_000),
    apply("no-such-post", 2),
    apply(posts[2].id, 3),
    apply(posts[0].id, 4),
  ]);
  expect(results.map((result) => result.status)).toEqual([
    "fulfilled",
    "rejected",
    "rejected",
    "fulfilled",
    "fulfilled",
  ]);
  const value = (i: number) => (results[i] as PromiseFulfilledResult<unknown[]>).value;
  expect(value(0)).toHaveLength(1);
  expect(value(3)).toHaveLength(1);
  // The same span twice at once: stored once, the second adds nothing.
  expect(value(4)).toEqual([]);
  expect(String((results[1] as PromiseRejectedResult).reason)).toMatch(/not inside the text/);
  expect(String((results[2] as PromiseRejectedResult).reason)).toMatch(/No such post/);
  const stored = await listCodings({ store, slug, codeId: code.id });
  expect(stored.map((coding) => [coding.sourceId, coding.end]).sort()).toEqual(
    [
      [posts[0].id, 4],
      [posts[2].id, 3],
    ].sort(),
  );
});

test("rename, move, merge and split each keep a dated history entry with who and why", async () => {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const { slug } = await buildProject(store, owner);
  await importFiles({
    store,
    slug,
    files: [path.resolve(__dirname, "../fixtures/reddit-thread.json")],
  });
  const [a, b, c] = await createCodes({
    store,
    slug,
    userId: owner.id,
    codes: [{ name: "Fixing" }, { name: "Repairing" }, { name: "Skills" }],
  });
  const posts = await postsOf(store, slug);
  const span = (i: number) => ({
    sourceType: "post" as const,
    sourceId: posts[i].id,
    start: 0,
    end: 5,
  });
  await applyCode({ store, slug, coderId: owner.id, codeIds: [a.id], span: span(0) });
  await applyCode({ store, slug, coderId: owner.id, codeIds: [b.id], span: span(1) });
  await applyCode({ store, slug, coderId: owner.id, codeIds: [b.id], span: span(0) });

  await renameCode({
    store,
    slug,
    codeId: a.id,
    name: "Repair work",
    userId: owner.id,
    reason: "Members say repair",
  });
  await expect(
    renameCode({ store, slug, codeId: c.id, name: "repair WORK", userId: owner.id }),
  ).rejects.toThrow(/already has a code named/);
  await moveCode({ store, slug, codeId: c.id, parentId: a.id, userId: owner.id });
  await expect(
    moveCode({ store, slug, codeId: a.id, parentId: c.id, userId: owner.id }),
  ).rejects.toThrow(/cannot move under itself/);
  const moved = await mergeCodes({
    store,
    slug,
    codeIds: [b.id],
    targetId: a.id,
    userId: owner.id,
    reason: "Same practice",
  });
  expect(moved).toBe(1); // the span already coded with the target is not duplicated
  const codings = await listCodings({ store, slug });
  expect(codings.filter((coding) => coding.codeId === a.id)).toHaveLength(2);
  const [fix, learn] = await splitCode({
    store,
    slug,
    codeId: a.id,
    into: ["Fixing gear", "Learning to fix"],
    assignments: { [codings.find((x) => x.sourceId === posts[1].id)!.id]: 1 },
    userId: owner.id,
    reason: "Two practices",
  });
  expect(
    (await retrieveSegments({ store, slug, codeId: learn.id })).segments.map(
      (s) => s.coding.sourceId,
    ),
  ).toEqual([posts[1].id]);
  expect(fix.parentId).toBe(a.id);
  await recodeCoding({
    store,
    slug,
    userId: owner.id,
    codingId: codings.find((x) => x.sourceId === posts[0].id)!.id,
    codeId: fix.id,
  });

  const book = await getCodebook({ store, slug });
  expect(book.history.map((entry) => entry.action)).toEqual([
    "split",
    "merge",
    "move",
    "rename",
    "create",
    "create",
    "create",
  ]);
  expect(book.history[1]).toMatchObject({
    by: owner.id,
    summary: 'Merged "Repairing" into "Repair work"',
    reason: "Same practice",
  });
  expect(book.history[0].summary).toBe('Split "Repair work" into "Fixing gear", "Learning to fix"');
  expect(book.merged.map((code) => code.name)).toEqual(["Repairing"]);
  expect(Date.parse(book.history[0].at)).not.toBeNaN();
});

test("memos attach to a code, a post, a thread or the project, and memos about erased posts go with them", async () => {
  const { addMemo, listMemos } = await import("../../research/coding/index.js");
  const { purgeMember, resolveMemberByHandle } = await import("../../research/entree/index.js");
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const { slug } = await buildProject(store, owner);
  await importFiles({
    store,
    slug,
    files: [path.resolve(__dirname, "../fixtures/reddit-thread.json")],
  });
  const [code] = await createCodes({ store, slug, userId: owner.id, codes: [{ name: "Care" }] });
  const wendy = await resolveMemberByHandle({ store, slug, handle: "wrench_wendy" });
  const wendyPost = (await postsOf(store, slug)).find((p) => p.memberId === wendy.id)!;
  await addMemo({
    store,
    slug,
    target: { type: "code", id: code.id },
    markdown: "Care shows in **patience**.",
    authorId: owner.id,
  });
  await addMemo({
    store,
    slug,
    target: { type: "post", id: wendyPost.id },
    markdown: "Expert tone.",
    authorId: owner.id,
  });
  await addMemo({
    store,
    slug,
    target: { type: "thread", id: wendyPost.threadId },
    markdown: "A model troubleshooting thread.",
    authorId: owner.id,
  });
  await addMemo({
    store,
    slug,
    target: { type: "project", id: slug },
    markdown: "Repair as gift.",
    authorId: owner.id,
  });
  await expect(
    addMemo({
      store,
      slug,
      target: { type: "project", id: slug },
      markdown: "  ",
      authorId: owner.id,
    }),
  ).rejects.toThrow(/Write the memo/);
  expect(
    (await listMemos({ store, slug, targets: [{ type: "code", id: code.id }] })).map(
      (m) => m.markdown,
    ),
  ).toEqual(["Care shows in **patience**."]);
  expect(await listMemos({ store, slug })).toHaveLength(4);
  await purgeMember({ store, slug, memberId: wendy.id, userId: owner.id });
  expect((await listMemos({ store, slug })).map((m) => m.target.type).sort()).toEqual([
    "code",
    "project",
    "thread",
  ]);
});

test("codings are listed, counted and retrieved in pages, and a thread's coded share is an aggregate", async () => {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const other = await buildUser(store, { name: "Ben" });
  const project = await buildProject(store, owner);
  const { slug } = project;
  await addMember(store, project, other, "researcher", owner.id);
  await importFiles({
    store,
    slug,
    files: [path.resolve(__dirname, "../fixtures/reddit-thread.json")],
  });
  const [care, fix] = await createCodes({
    store,
    slug,
    userId: owner.id,
    codes: [{ name: "Care" }, { name: "Fix" }],
  });
  const posts = await postsOf(store, slug);
  expect(posts.length).toBeGreaterThanOrEqual(3);
  for (const [i, post] of posts.slice(0, 3).entries()) {
    await applyCode({
      store,
      slug,
      coderId: owner.id,
      codeIds: [care.id],
      span: { sourceType: "post", sourceId: post.id, start: 0, end: 4 },
    });
    if (i === 0)
      await applyCode({
        store,
        slug,
        coderId: other.id,
        codeIds: [fix.id],
        span: { sourceType: "post", sourceId: post.id, start: 2, end: 6 },
      });
  }
  expect((await countCodingsByCode({ store, slug })).get(care.id)).toBe(3);
  const page = await retrieveSegments({ store, slug, codeId: care.id, limit: 2 });
  expect(page.total).toBe(3);
  expect(page.segments).toHaveLength(2);
  const rest = await retrieveSegments({ store, slug, codeId: care.id, limit: 2, offset: 2 });
  expect(rest.segments).toHaveLength(1);
  const overlapping = await retrieveSegments({
    store,
    slug,
    codeId: care.id,
    filter: { coOccursWith: fix.id },
  });
  expect(overlapping.segments.map((s) => s.coding.sourceId)).toEqual([posts[0].id]);
  expect(overlapping.segments[0].otherCodeIds).toEqual([fix.id]);
  expect(overlapping.segments[0].source.threadTitle).not.toBe("");
  expect(await listCodings({ store, slug, coderId: other.id })).toHaveLength(1);
  expect(await listCodings({ store, slug, threadId: posts[0].threadId })).toHaveLength(4);
  expect(await listCodings({ store, slug, limit: 2, offset: 3 })).toHaveLength(1);
  const counts = await countCodingsOfThreads({ store, slug, threadIds: [posts[0].threadId] });
  expect(counts.get(posts[0].threadId)).toEqual({ segments: 4, codedPosts: 3 });
  expect((await listCoders({ store, slug })).map((coder) => coder.name)).toContain("Ben");

  const [one] = await listCodings({ store, slug, coderId: other.id });
  await removeCoding({ store, slug, userId: owner.id, codingId: one.id });
  await expect(removeCoding({ store, slug, userId: owner.id, codingId: one.id })).rejects.toThrow(
    /No such coding/,
  );
  expect(await deleteCode({ store, slug, codeId: care.id, userId: owner.id })).toBe(3);
  expect(await listCodings({ store, slug })).toHaveLength(0);
  expect((await getCodebook({ store, slug })).history[0].action).toBe("delete");
});

test("a field note's codings follow its text: re-anchored after an edit, gone with the note", async () => {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const { slug } = await buildProject(store, owner);
  const [code] = await createCodes({ store, slug, userId: owner.id, codes: [{ name: "Doubt" }] });
  const note = await createFieldNote({
    store,
    slug,
    authorId: owner.id,
    kind: "reflective",
    title: "Doubts",
    markdown: "I doubt it.",
    links: [{ type: "thread", id: "t_1%" }],
  });
  await applyCode({
    store,
    slug,
    coderId: owner.id,
    codeIds: [code.id],
    span: { sourceType: "fieldnote", sourceId: note.id, start: 2, end: 7 },
  });
  await updateFieldNote({
    store,
    slug,
    userId: owner.id,
    noteId: note.id,
    kind: "reflective",
    title: "Doubts",
    markdown: "Honestly, I doubt it.",
    links: [{ type: "thread", id: "t_1%" }],
  });
  const [coding] = await listCodings({ store, slug });
  expect(coding).toMatchObject({ quote: "doubt", start: 12, end: 17 });
  expect(
    await listFieldNotes({ store, slug, about: { type: "thread", ids: ["t_1%"] } }),
  ).toHaveLength(1);
  expect(
    await listFieldNotes({ store, slug, about: { type: "thread", ids: ["t_1"] } }),
  ).toHaveLength(0);
  await deleteFieldNote({ store, slug, userId: owner.id, noteId: note.id });
  expect(await listCodings({ store, slug })).toHaveLength(0);
  expect(await listFieldNotes({ store, slug })).toHaveLength(0);
});

test("an opted-out member's coded posts leave every count, list and retrieval page", async () => {
  const { recordConsent } = await import("../../research/entree/index.js");
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const { slug } = await buildProject(store, owner);
  await importFiles({
    store,
    slug,
    files: [path.resolve(__dirname, "../fixtures/reddit-thread.json")],
  });
  const [care] = await createCodes({ store, slug, userId: owner.id, codes: [{ name: "Care" }] });
  const posts = await postsOf(store, slug);
  for (const post of posts) {
    await applyCode({
      store,
      slug,
      coderId: owner.id,
      codeIds: [care.id],
      span: { sourceType: "post", sourceId: post.id, start: 0, end: 3 },
    });
  }
  const leaving = posts.find((post) => post.memberId)!;
  const theirs = posts.filter((post) => post.memberId === leaving.memberId).length;
  await recordConsent({
    store,
    slug,
    memberId: leaving.memberId!,
    status: "opted-out",
    userId: owner.id,
  });
  const left = posts.length - theirs;
  expect((await countCodingsByCode({ store, slug })).get(care.id)).toBe(left);
  expect((await retrieveSegments({ store, slug, codeId: care.id })).total).toBe(left);
  expect(
    (await retrieveSegments({ store, slug, codeId: care.id, filter: { coderId: owner.id } })).total,
  ).toBe(left);
  expect(await listCodings({ store, slug })).toHaveLength(left);
  expect(await listCodings({ store, slug, threadId: leaving.threadId })).toHaveLength(
    posts.filter((post) => post.threadId === leaving.threadId && post.memberId !== leaving.memberId)
      .length,
  );
});
