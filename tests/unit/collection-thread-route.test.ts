// A collected thread, read on the collection side, with a field-note form linked (by ticked boxes) to
// the thread or its posts; owner and researchers write notes, strategists may not, non-members see nothing.
import path from "node:path";
import { expect, test } from "vitest";
import {
  getThreadTree,
  importFiles,
  listFieldNotes,
  listThreads,
} from "../../research/collection/index.js";
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

async function threadProject() {
  const { store, owner, slug, researcher, strategist, outsider } = await buildTeamProject();
  await importFiles({ store, slug, files: [path.join(FIXTURES, "reddit-thread.json")] });
  const [thread] = (await listThreads({ store, slug })).threads;
  const tree = (await getThreadTree({ store, slug, threadId: thread.id }))!;
  const post = tree.roots[0].post;
  const route = await import("../../app/routes/projects.$slug.collection.threads.$threadId");
  const pathname = `/projects/${slug}/collection/threads/${thread.id}`;
  const as = async (user: { id: string } | null, threadId = thread.id) =>
    routeCaller(
      route,
      `/projects/${slug}/collection/threads/${threadId}`,
      { slug, threadId },
      user ? await signInCookie(user.id) : null,
    );
  return { store, slug, owner, researcher, strategist, outsider, thread, post, as, pathname };
}

test("the thread reads as a reply tree with its notes; others are refused", async () => {
  const { researcher, strategist, outsider, thread, as, pathname } = await threadProject();
  const page = bodyOf(await (await as(researcher)).get()) as {
    thread: { id: string; postCount: number };
    roots: unknown[];
    notes: unknown[];
  };
  expect(page.thread.id).toBe(thread.id);
  expect(page.roots.length).toBeGreaterThan(0);
  expect(page.notes).toEqual([]);
  expect(statusOf(await (await as(researcher, "nope")).get())).toBe(404);
  expect(statusOf(await (await as(strategist)).get())).toBe(403);
  expect(statusOf(await (await as(outsider)).get())).toBe(404);
  const signedOut = (await (await as(null)).get()) as Response;
  expect(signedOut.status).toBe(302);
  expect(signedOut.headers.get("location")).toBe(
    `/login?redirectTo=${encodeURIComponent(pathname)}`,
  );
});

test("a field note with its link boxes ticked, one with none ticked, and one missing its title", async () => {
  const { store, slug, researcher, thread, post, as } = await threadProject();
  const page = await as(researcher);

  const linked = await page.post({
    intent: "save-note",
    kind: "observational",
    title: "Firmware blame",
    markdown: "Everyone blames the **update**.",
    link: [`thread:${thread.id}`, `post:${post.id}`],
  });
  expect(bodyOf(linked)).toMatchObject({ ok: true, message: "Field note saved." });
  const unlinked = await page.post({ intent: "save-note", kind: "reflective", title: "My mood" });
  expect(bodyOf(unlinked)).toMatchObject({ ok: true });

  const notes = await listFieldNotes({ store, slug });
  expect(
    notes.map((note) => [note.title, note.kind, note.markdown, note.links, note.authorId]),
  ).toEqual(
    expect.arrayContaining([
      [
        "Firmware blame",
        "observational",
        "Everyone blames the **update**.",
        [
          { type: "thread", id: thread.id },
          { type: "post", id: post.id },
        ],
        researcher.id,
      ],
      ["My mood", "reflective", "", [], researcher.id],
    ]),
  );
  expect(notes).toHaveLength(2);
  // Only the linked note shows on the thread's page.
  const shown = bodyOf(await page.get()) as { notes: Array<{ title: string; html: string }> };
  expect(shown.notes.map((note) => note.title)).toEqual(["Firmware blame"]);
  expect(shown.notes[0].html).toContain("<strong>update</strong>");

  const noTitle = await page.post({
    intent: "save-note",
    formId: "thread-note",
    kind: "observational",
    markdown: "Untitled thoughts",
    link: `thread:${thread.id}`,
  });
  expect(statusOf(noTitle)).toBe(400);
  expect(bodyOf(noTitle)).toMatchObject({
    ok: false,
    formId: "thread-note",
    fieldErrors: { title: expect.any(String) },
    result: { initialValue: { markdown: "Untitled thoughts", link: `thread:${thread.id}` } },
  });
  const badKind = await page.post({ intent: "save-note", kind: "gossip", title: "Hmm" });
  expect(statusOf(badKind)).toBe(400);
  expect(bodyOf(badKind)).toMatchObject({ fieldErrors: { kind: expect.any(String) } });
  expect(await listFieldNotes({ store, slug })).toHaveLength(2);
});

test("a strategist, a non-member and someone signed out cannot write a note", async () => {
  const { store, slug, strategist, outsider, thread, as, pathname } = await threadProject();
  const note = {
    intent: "save-note",
    kind: "observational",
    title: "Sneaky",
    link: `thread:${thread.id}`,
  };
  expect(statusOf(await (await as(strategist)).post(note))).toBe(403);
  expect(statusOf(await (await as(outsider)).post(note))).toBe(404);
  const signedOut = (await (await as(null)).post(note)) as Response;
  expect(signedOut.status).toBe(302);
  expect(signedOut.headers.get("location")).toBe(
    `/login?redirectTo=${encodeURIComponent(pathname)}`,
  );
  expect(await listFieldNotes({ store, slug })).toHaveLength(0);
});
