// Coding field notes: notes are data too, coded as written; owner and researchers code, strategists may
// not read them, non-members see nothing.
import path from "node:path";
import { expect, test } from "vitest";
import { createCodes, listCodings } from "../../research/coding/index.js";
import { createFieldNote, importFiles } from "../../research/collection/index.js";
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

async function notesProject() {
  const { store, owner, slug, researcher, strategist, outsider } = await buildTeamProject();
  await importFiles({ store, slug, files: [path.join(FIXTURES, "reddit-thread.json")] });
  const codes = await createCodes({
    store,
    slug,
    userId: owner.id,
    codes: [{ name: "Fixes" }, { name: "Frustration" }],
  });
  const note = await createFieldNote({
    store,
    slug,
    authorId: owner.id,
    kind: "reflective",
    title: "After the first week",
    markdown: "Members trade fixes before they complain.",
    links: [],
  });
  const route = await import("../../app/routes/projects.$slug.coding.notes");
  const pathname = `/projects/${slug}/coding/notes`;
  const as = async (user: { id: string } | null) =>
    routeCaller(route, pathname, { slug }, user ? await signInCookie(user.id) : null);
  return { store, slug, owner, researcher, strategist, outsider, codes, note, as, pathname };
}

test("the notes page lists notes and codes; strategists 403, non-members 404, signed out to login", async () => {
  const { researcher, strategist, outsider, note, as, pathname } = await notesProject();
  const page = bodyOf(await (await as(researcher)).get()) as {
    canCode: boolean;
    total: number;
    notes: Array<{ id: string; markdown: string }>;
    codes: unknown[];
  };
  expect(page).toMatchObject({ canCode: true, total: 1, notes: [{ id: note.id }] });
  expect(page.codes).toHaveLength(2);
  expect(statusOf(await (await as(strategist)).get())).toBe(403);
  expect(statusOf(await (await as(outsider)).get())).toBe(404);
  const signedOut = (await (await as(null)).get()) as Response;
  expect(signedOut.status).toBe(302);
  expect(signedOut.headers.get("location")).toBe(
    `/login?redirectTo=${encodeURIComponent(pathname)}`,
  );
});

test("coding a note: codes ticked or not, a missing field, re-code and remove", async () => {
  const { store, slug, researcher, codes, note, as } = await notesProject();
  const page = await as(researcher);
  const span = { sourceType: "fieldnote", sourceId: note.id, start: "0", end: "7" };

  const both = await page.post({ intent: "apply", ...span, codeId: [codes[0].id, codes[1].id] });
  expect(bodyOf(both)).toMatchObject({ ok: true, message: "Coded (2)." });
  let codings = await listCodings({ store, slug, sourceType: "fieldnote" });
  expect(codings.map((c) => [c.codeId, c.quote, c.coderId]).sort()).toEqual(
    [
      [codes[0].id, "Members", researcher.id],
      [codes[1].id, "Members", researcher.id],
    ].sort(),
  );

  const unticked = await page.post({ intent: "apply", formId: `note-${note.id}`, ...span });
  expect(statusOf(unticked)).toBe(400);
  expect(bodyOf(unticked)).toMatchObject({
    ok: false,
    formId: `note-${note.id}`,
    fieldErrors: { codeId: "Choose at least one code." },
  });
  const noEnd = await page.post({
    intent: "apply",
    formId: "apply",
    sourceType: "fieldnote",
    sourceId: note.id,
    start: "0",
    codeId: codes[0].id,
  });
  expect(statusOf(noEnd)).toBe(400);
  expect(bodyOf(noEnd)).toMatchObject({
    formId: "apply",
    fieldErrors: { end: expect.any(String) },
  });
  const noIntent = await page.post({ ...span, codeId: codes[0].id });
  expect(statusOf(noIntent)).toBe(400);
  expect(bodyOf(noIntent)).toMatchObject({ fieldErrors: { intent: expect.any(String) } });
  expect(await listCodings({ store, slug, sourceType: "fieldnote" })).toHaveLength(2);

  const first = codings.find((c) => c.codeId === codes[0].id)!;
  // Re-coding onto a code the span already has leaves one coding per code.
  const recoded = await page.post({ intent: "recode", codingId: first.id, codeId: codes[1].id });
  expect(bodyOf(recoded)).toMatchObject({ ok: true });
  codings = await listCodings({ store, slug, sourceType: "fieldnote" });
  expect(codings.map((c) => c.codeId)).toEqual([codes[1].id]);
  const removed = await page.post({ intent: "remove", codingId: codings[0].id });
  expect(bodyOf(removed)).toMatchObject({ ok: true, message: "Coding removed." });
  expect(await listCodings({ store, slug, sourceType: "fieldnote" })).toHaveLength(0);
});

test("a strategist, a non-member and someone signed out cannot code a note", async () => {
  const { store, slug, strategist, outsider, codes, note, as, pathname } = await notesProject();
  const apply = {
    intent: "apply",
    sourceType: "fieldnote",
    sourceId: note.id,
    start: "0",
    end: "7",
    codeId: codes[0].id,
  };
  expect(statusOf(await (await as(strategist)).post(apply))).toBe(403);
  expect(statusOf(await (await as(outsider)).post(apply))).toBe(404);
  const signedOut = (await (await as(null)).post(apply)) as Response;
  expect(signedOut.status).toBe(302);
  expect(signedOut.headers.get("location")).toBe(
    `/login?redirectTo=${encodeURIComponent(pathname)}`,
  );
  expect(await listCodings({ store, slug })).toHaveLength(0);
});
