// Coding one thread: applying one code or several to a span, re-coding and removing a coding, and the
// memos beside the posts; owner and researchers code, strategists may not, non-members see nothing.
import path from "node:path";
import { expect, test } from "vitest";
import { createCodes, listCodings, listMemos } from "../../research/coding/index.js";
import { getThreadTree, importFiles, listThreads } from "../../research/collection/index.js";
import {
  bodyOf,
  buildTeamProject,
  reloadAppForEachTest,
  routeCaller,
  signInCookie,
  statusOf,
} from "../helpers/route-requests.js";

reloadAppForEachTest();

const FIXTURES = path.resolve(__dirname, "../fixtures");

async function codingProject() {
  const { store, owner, slug, researcher, strategist, outsider } = await buildTeamProject();
  await importFiles({ store, slug, files: [path.join(FIXTURES, "reddit-thread.json")] });
  const codes = await createCodes({
    store,
    slug,
    userId: owner.id,
    codes: [{ name: "Fixes" }, { name: "Frustration" }],
  });
  const [thread] = (await listThreads({ store, slug })).threads;
  const tree = (await getThreadTree({ store, slug, threadId: thread.id }))!;
  const post = tree.roots[0].post;
  const route = await import("../../app/routes/projects.$slug.coding.threads.$threadId");
  const pathname = `/projects/${slug}/coding/threads/${thread.id}`;
  const as = async (user: { id: string } | null) =>
    routeCaller(
      route,
      pathname,
      { slug, threadId: thread.id },
      user ? await signInCookie(user.id) : null,
    );
  return {
    store,
    slug,
    owner,
    researcher,
    strategist,
    outsider,
    codes,
    thread,
    post,
    as,
    pathname,
  };
}

test("the thread page shows the posts and codes to members who code; others are refused", async () => {
  const { researcher, strategist, outsider, codes, thread, as, pathname, slug } =
    await codingProject();
  const page = bodyOf(await (await as(researcher)).get()) as {
    canCode: boolean;
    thread: { id: string };
    posts: unknown[];
    codes: Array<{ name: string }>;
  };
  expect(page).toMatchObject({ canCode: true, thread: { id: thread.id } });
  expect(page.posts.length).toBeGreaterThan(0);
  expect(page.codes.map((code) => code.name)).toEqual(codes.map((code) => code.name));

  expect(statusOf(await (await as(strategist)).get())).toBe(403);
  expect(statusOf(await (await as(outsider)).get())).toBe(404);
  const signedOut = (await (await as(null)).get()) as Response;
  expect(signedOut.status).toBe(302);
  expect(signedOut.headers.get("location")).toBe(
    `/login?redirectTo=${encodeURIComponent(pathname)}`,
  );
  const route = await import("../../app/routes/projects.$slug.coding.threads.$threadId");
  const unknown = routeCaller(
    route,
    `/projects/${slug}/coding/threads/nope`,
    { slug, threadId: "nope" },
    await signInCookie(researcher.id),
  );
  expect(statusOf(await unknown.get())).toBe(404);
});

test("applying codes: one ticked, two ticked, none ticked, a missing field; re-code and remove", async () => {
  const { store, slug, researcher, codes, post, as } = await codingProject();
  const page = await as(researcher);
  const span = { sourceType: "post", sourceId: post.id, start: "0", end: "5" };

  const one = await page.post({ intent: "apply", ...span, codeId: codes[0].id });
  expect(bodyOf(one)).toMatchObject({ ok: true, message: "Coded (1)." });
  const two = await page.post({
    intent: "apply",
    ...span,
    end: "8",
    codeId: [codes[0].id, codes[1].id],
  });
  expect(bodyOf(two)).toMatchObject({ ok: true, message: "Coded (2)." });
  const again = await page.post({ intent: "apply", ...span, codeId: codes[0].id });
  expect(bodyOf(again)).toMatchObject({ ok: true, message: "Already coded so." });
  const codingsOf = async () =>
    (await listCodings({ store, slug, sourceIds: [post.id] })).sort(
      (a, b) =>
        a.end - b.end ||
        codes.findIndex((c) => c.id === a.codeId) - codes.findIndex((c) => c.id === b.codeId),
    );
  let codings = await codingsOf();
  expect(codings.map((c) => [c.codeId, c.start, c.end, c.coderId])).toEqual([
    [codes[0].id, 0, 5, researcher.id],
    [codes[0].id, 0, 8, researcher.id],
    [codes[1].id, 0, 8, researcher.id],
  ]);
  expect(codings[0].quote).toBe(post.text.slice(0, 5));

  const noneTicked = await page.post({ intent: "apply", formId: `code-${post.id}`, ...span });
  expect(statusOf(noneTicked)).toBe(400);
  expect(bodyOf(noneTicked)).toMatchObject({
    ok: false,
    formId: `code-${post.id}`,
    fieldErrors: { codeId: "Choose at least one code." },
  });
  const noSource = await page.post({
    intent: "apply",
    formId: "code",
    sourceType: "post",
    start: "0",
    end: "5",
    codeId: codes[1].id,
  });
  expect(statusOf(noSource)).toBe(400);
  expect(bodyOf(noSource)).toMatchObject({
    ok: false,
    formId: "code",
    fieldErrors: { sourceId: expect.any(String) },
  });
  expect(await listCodings({ store, slug, sourceIds: [post.id] })).toHaveLength(3);

  const recoded = await page.post({
    intent: "recode",
    codingId: codings[0].id,
    codeId: codes[1].id,
  });
  expect(bodyOf(recoded)).toMatchObject({ ok: true, message: "Segment re-coded." });
  const noCode = await page.post({ intent: "recode", formId: "recode", codingId: codings[0].id });
  expect(statusOf(noCode)).toBe(400);
  expect(bodyOf(noCode)).toMatchObject({
    formId: "recode",
    fieldErrors: { codeId: expect.any(String) },
  });
  const removed = await page.post({ intent: "remove", codingId: codings[1].id });
  expect(bodyOf(removed)).toMatchObject({ ok: true, message: "Coding removed." });
  codings = await codingsOf();
  expect(codings.map((c) => [c.codeId, c.start, c.end])).toEqual([
    [codes[1].id, 0, 5],
    [codes[1].id, 0, 8],
  ]);
  const gone = await page.post({ intent: "remove", codingId: codings[0].id + "x" });
  expect(statusOf(gone)).toBe(404);
});

test("memos beside the thread: saved, refused without text or target, deleted", async () => {
  const { store, slug, owner, thread, post, as } = await codingProject();
  const page = await as(owner);
  const saved = await page.post({
    intent: "add-memo",
    target: `thread:${thread.id}`,
    markdown: "People blame the **firmware**.",
  });
  expect(bodyOf(saved)).toMatchObject({ ok: true, message: "Memo saved." });
  await page.post({ intent: "add-memo", target: `post:${post.id}`, markdown: "Key post." });

  const noText = await page.post({
    intent: "add-memo",
    formId: "memo-thread",
    target: `thread:${thread.id}`,
  });
  expect(statusOf(noText)).toBe(400);
  expect(bodyOf(noText)).toMatchObject({
    ok: false,
    formId: "memo-thread",
    fieldErrors: { markdown: expect.any(String) },
  });
  const badTarget = await page.post({ intent: "add-memo", target: "nothing", markdown: "x" });
  expect(statusOf(badTarget)).toBe(400);
  expect(bodyOf(badTarget)).toMatchObject({
    fieldErrors: { target: "Choose what the memo is about." },
  });
  const memos = await listMemos({ store, slug });
  expect(memos.map((memo) => [memo.target, memo.markdown, memo.authorId])).toEqual(
    expect.arrayContaining([
      [{ type: "thread", id: thread.id }, "People blame the **firmware**.", owner.id],
      [{ type: "post", id: post.id }, "Key post.", owner.id],
    ]),
  );
  expect(memos).toHaveLength(2);
  const shown = bodyOf(await page.get()) as { memos: Array<{ html: string }> };
  expect(shown.memos.map((memo) => memo.html).join()).toContain("<strong>firmware</strong>");

  const threadMemo = memos.find((memo) => memo.target.type === "thread")!;
  const deleted = await page.post({ intent: "delete-memo", memoId: threadMemo.id });
  expect(bodyOf(deleted)).toMatchObject({ ok: true, message: "Memo deleted." });
  expect((await listMemos({ store, slug })).map((memo) => memo.target.type)).toEqual(["post"]);
});

test("a strategist, a non-member and someone signed out cannot code or write memos", async () => {
  const { store, slug, strategist, outsider, codes, thread, post, as, pathname } =
    await codingProject();
  const apply = {
    intent: "apply",
    sourceType: "post",
    sourceId: post.id,
    start: "0",
    end: "5",
    codeId: codes[0].id,
  };
  const memo = { intent: "add-memo", target: `thread:${thread.id}`, markdown: "Sneaky." };
  for (const fields of [apply, memo]) {
    expect(statusOf(await (await as(strategist)).post(fields))).toBe(403);
    expect(statusOf(await (await as(outsider)).post(fields))).toBe(404);
    const signedOut = (await (await as(null)).post(fields)) as Response;
    expect(signedOut.status).toBe(302);
    expect(signedOut.headers.get("location")).toBe(
      `/login?redirectTo=${encodeURIComponent(pathname)}`,
    );
  }
  expect(await listCodings({ store, slug })).toHaveLength(0);
  expect(await listMemos({ store, slug })).toHaveLength(0);
});
