// The findings page: themes created (with and without evidence ticked), edited and deleted, quote treatments
// (paraphrase, search-tested box ticked and unticked); researchers edit, strategists read without the
// originals and may not edit, non-members see nothing.
import path from "node:path";
import { expect, test } from "vitest";
import { applyCode, createCodes } from "../../research/coding/index.js";
import { getThreadTree, importFiles, listThreads } from "../../research/collection/index.js";
import { createTheme, getThemesFile, listThemes } from "../../research/reporting/index.js";
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

async function findingsProject() {
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
  const [coding] = await applyCode({
    store,
    slug,
    coderId: researcher.id,
    codeIds: [codes[0].id],
    span: { sourceType: "post", sourceId: post.id, start: 0, end: Math.min(40, post.text.length) },
  });
  const route = await import("../../app/routes/projects.$slug.reporting._index");
  const pathname = `/projects/${slug}/reporting`;
  const as = async (user: { id: string } | null) =>
    routeCaller(route, pathname, { slug }, user ? await signInCookie(user.id) : null);
  return { store, slug, owner, researcher, strategist, outsider, codes, coding, as, pathname };
}

/** A stored theme of the first code, to open an edit form on. */
function fixCultureTheme({
  store,
  slug,
  researcher,
  codes,
}: Pick<Awaited<ReturnType<typeof findingsProject>>, "store" | "slug" | "researcher" | "codes">) {
  return createTheme({
    store,
    slug,
    userId: researcher.id,
    name: "Fix culture",
    statement: "Members fix before they complain.",
    codeIds: [codes[0].id],
    confidence: "medium",
  });
}

test("themes: created with evidence ticked, created with none, refused without a statement or code, deleted", async () => {
  const { store, slug, researcher, codes, coding, as } = await findingsProject();
  const page = await as(researcher);
  const withEvidence = await page.post({
    intent: "create-theme",
    name: " Fix culture ",
    statement: "Members fix before they complain.",
    codeIds: [codes[0].id, codes[1].id],
    evidence: coding.id,
    confidence: "high",
  });
  expect(bodyOf(withEvidence)).toMatchObject({ ok: true, message: 'Theme "Fix culture" created.' });
  const bare = await page.post({
    intent: "create-theme",
    name: "Frustration",
    statement: "Updates annoy.",
    codeIds: codes[1].id,
    confidence: "low",
  });
  expect(bodyOf(bare)).toMatchObject({ ok: true });
  const themes = await listThemes({ store, slug });
  expect(
    themes.map((t) => [
      t.name,
      t.codeIds,
      t.evidenceCodingIds,
      t.counterEvidenceCodingIds,
      t.confidence,
      t.createdBy,
    ]),
  ).toEqual([
    ["Fix culture", [codes[0].id, codes[1].id], [coding.id], [], "high", researcher.id],
    ["Frustration", [codes[1].id], [], [], "low", researcher.id],
  ]);

  const noStatement = await page.post({
    intent: "create-theme",
    formId: "create-theme",
    name: "Half",
    codeIds: codes[0].id,
    confidence: "medium",
  });
  expect(statusOf(noStatement)).toBe(400);
  expect(bodyOf(noStatement)).toMatchObject({
    ok: false,
    formId: "create-theme",
    fieldErrors: { statement: expect.any(String) },
    result: { initialValue: { name: "Half", confidence: "medium" } },
  });
  const noCode = await page.post({
    intent: "create-theme",
    name: "No code",
    statement: "Nothing grouped.",
    confidence: "medium",
  });
  expect(statusOf(noCode)).toBe(400);
  expect(bodyOf(noCode)).toMatchObject({
    fieldErrors: { codeIds: "A theme groups at least one code." },
  });
  const badEvidence = await page.post({
    intent: "create-theme",
    name: "Forged",
    statement: "Cites nothing real.",
    codeIds: codes[0].id,
    counter: "not-a-coding",
    confidence: "medium",
  });
  expect(statusOf(badEvidence)).toBe(400);
  expect(bodyOf(badEvidence)).toMatchObject({
    fieldErrors: { evidenceCodingIds: expect.any(String) },
  });
  expect(await listThemes({ store, slug })).toHaveLength(2);

  const deleted = await page.post({ intent: "delete-theme", themeId: themes[1].id });
  expect(bodyOf(deleted)).toMatchObject({ ok: true, message: "Theme deleted." });
  expect((await listThemes({ store, slug })).map((t) => t.name)).toEqual(["Fix culture"]);
  const again = await page.post({ intent: "delete-theme", themeId: themes[1].id });
  expect(statusOf(again)).toBe(404);
  const noId = await page.post({ intent: "delete-theme", formId: "delete" });
  expect(statusOf(noId)).toBe(400);
  expect(bodyOf(noId)).toMatchObject({
    formId: "delete",
    fieldErrors: { themeId: expect.any(String) },
  });
});

test("quote treatment: paraphrase with the search-tested box ticked, then unticked; verbatim refused", async () => {
  const { store, slug, researcher, coding, as } = await findingsProject();
  const page = await as(researcher);
  const ticked = await page.post({
    intent: "treat-quote",
    codingId: coding.id,
    paraphrase: " A member says the hum started after an update. ",
    searchTested: "on",
  });
  expect(bodyOf(ticked)).toMatchObject({ ok: true, message: "Quote treatment saved." });
  expect((await getThemesFile({ store, slug })).quoteTreatments[coding.id]).toMatchObject({
    paraphrase: "A member says the hum started after an update.",
    searchTested: true,
  });

  const unticked = await page.post({ intent: "treat-quote", codingId: coding.id });
  expect(bodyOf(unticked)).toMatchObject({ ok: true });
  expect((await getThemesFile({ store, slug })).quoteTreatments[coding.id]).toMatchObject({
    paraphrase: "",
    searchTested: false,
  });

  const verbatim = await page.post({
    intent: "treat-quote",
    formId: `treat-${coding.id}`,
    codingId: coding.id,
    paraphrase: coding.quote,
  });
  expect(coding.quote.split(/\s+/).filter(Boolean).length).toBeGreaterThanOrEqual(6);
  expect(statusOf(verbatim)).toBe(400);
  expect(bodyOf(verbatim)).toMatchObject({
    formId: `treat-${coding.id}`,
    fieldErrors: { paraphrase: expect.stringContaining("six or more words") },
  });
  const noCoding = await page.post({ intent: "treat-quote", formId: "treat", searchTested: "on" });
  expect(statusOf(noCoding)).toBe(400);
  expect(bodyOf(noCoding)).toMatchObject({
    formId: "treat",
    fieldErrors: { codingId: expect.any(String) },
  });
  const unknown = await page.post({ intent: "treat-quote", codingId: "nope", searchTested: "on" });
  expect(statusOf(unknown)).toBe(404);
  expect(Object.keys((await getThemesFile({ store, slug })).quoteTreatments)).toEqual([coding.id]);
});

test("a strategist reads the themes without originals and may not edit; non-members and signed out are refused", async () => {
  const { store, slug, owner, strategist, outsider, codes, coding, as, pathname } =
    await findingsProject();
  await (
    await as(owner)
  ).post({
    intent: "create-theme",
    name: "Fix culture",
    statement: "Members fix before they complain.",
    codeIds: codes[0].id,
    evidence: coding.id,
    confidence: "high",
  });
  const asOwner = bodyOf(await (await as(owner)).get()) as {
    canEdit: boolean;
    themes: Array<{ evidence: Array<{ codingId: string | null; original: string | null }> }>;
  };
  expect(asOwner.canEdit).toBe(true);
  expect(asOwner.themes[0].evidence[0]).toMatchObject({ codingId: coding.id });
  const read = bodyOf(await (await as(strategist)).get()) as typeof asOwner & { codes: unknown[] };
  expect(read.canEdit).toBe(false);
  expect(read.codes).toEqual([]);
  for (const quote of read.themes[0].evidence)
    expect(quote).toMatchObject({ codingId: null, original: null });

  const create = {
    intent: "create-theme",
    name: "Sneaky",
    statement: "Not allowed.",
    codeIds: codes[0].id,
    confidence: "low",
  };
  const treat = { intent: "treat-quote", codingId: coding.id, searchTested: "on" };
  for (const fields of [create, treat]) {
    expect(statusOf(await (await as(strategist)).post(fields))).toBe(403);
    expect(statusOf(await (await as(outsider)).post(fields))).toBe(404);
    const signedOut = (await (await as(null)).post(fields)) as Response;
    expect(signedOut.status).toBe(302);
    expect(signedOut.headers.get("location")).toBe(
      `/login?redirectTo=${encodeURIComponent(pathname)}`,
    );
  }
  expect(statusOf(await (await as(outsider)).get())).toBe(404);
  expect((await listThemes({ store, slug })).map((t) => t.name)).toEqual(["Fix culture"]);
  expect((await getThemesFile({ store, slug })).quoteTreatments).toEqual({});
});

test("a theme is edited in place: name, statement, codes, evidence ticked and unticked; refused edits answer in their own form", async () => {
  const { store, slug, researcher, strategist, outsider, codes, coding, as } =
    await findingsProject();
  const page = await as(researcher);
  await page.post({
    intent: "create-theme",
    name: "Fix culture",
    statement: "Members fix before they complain.",
    codeIds: codes[0].id,
    evidence: coding.id,
    confidence: "medium",
  });
  const [theme] = await listThemes({ store, slug });
  const loaded = bodyOf(await page.get()) as {
    themes: Array<{ id: string; stored: { codeIds: string[]; evidence: string[] } | null }>;
  };
  expect(loaded.themes[0].stored).toMatchObject({ codeIds: [codes[0].id], evidence: [coding.id] });

  const edited = await page.post({
    formId: `edit-theme-${theme.id}`,
    intent: "update-theme",
    themeId: theme.id,
    name: "Repair culture",
    statement: "Members repair before they complain.",
    codeIds: [codes[0].id, codes[1].id],
    confidence: "high",
  });
  expect(bodyOf(edited)).toMatchObject({ ok: true, message: 'Theme "Repair culture" saved.' });
  const [after] = await listThemes({ store, slug });
  expect(after).toMatchObject({
    id: theme.id,
    name: "Repair culture",
    statement: "Members repair before they complain.",
    codeIds: [codes[0].id, codes[1].id],
    confidence: "high",
    // Evidence unticked: the theme cites nothing now.
    evidenceCodingIds: [],
  });

  const refused = await page.post({
    formId: `edit-theme-${theme.id}`,
    intent: "update-theme",
    themeId: theme.id,
    name: "No codes",
    statement: "A theme without codes.",
    confidence: "low",
  });
  expect(statusOf(refused)).toBe(400);
  expect(bodyOf(refused)).toMatchObject({ ok: false, formId: `edit-theme-${theme.id}` });
  expect((await listThemes({ store, slug }))[0].name).toBe("Repair culture");
  const unknown = await page.post({
    intent: "update-theme",
    themeId: "nope",
    name: "X",
    statement: "Y",
    codeIds: codes[0].id,
    confidence: "low",
  });
  expect(statusOf(unknown)).toBe(404);
  const noConfidence = await page.post({
    intent: "update-theme",
    themeId: theme.id,
    name: "X",
    statement: "Y",
    codeIds: codes[0].id,
  });
  expect(statusOf(noConfidence)).toBe(400);

  const edit = {
    intent: "update-theme",
    themeId: theme.id,
    name: "Taken over",
    statement: "Z",
    codeIds: codes[0].id,
    confidence: "low",
  };
  expect(statusOf(await (await as(strategist)).post(edit))).toBe(403);
  expect(statusOf(await (await as(outsider)).post(edit))).toBe(404);
  expect((await listThemes({ store, slug }))[0].name).toBe("Repair culture");
  // Strategists read the findings without the stored ids an edit starts from.
  const asStrategist = bodyOf(await (await as(strategist)).get()) as {
    themes: Array<{ stored: unknown }>;
  };
  expect(asStrategist.themes[0].stored).toBeNull();
});

test("one theme's edit form at a time: ?edit names a theme for editors, and is ignored when unknown or for readers", async () => {
  const { store, slug, researcher, strategist, codes, as } = await findingsProject();
  const page = await as(researcher);
  const theme = await fixCultureTheme({ store, slug, researcher, codes });

  const editing = async (caller: Awaited<ReturnType<typeof as>>, query: string) =>
    (bodyOf(await caller.get(query)) as { editing: string | null }).editing;
  expect(await editing(page, "")).toBeNull();
  expect(await editing(page, `?edit=${theme.id}`)).toBe(theme.id);
  expect(await editing(page, "?edit=no-such-theme")).toBeNull();
  expect(await editing(page, "?edit=")).toBeNull();
  // A strategist reads the findings and has no edit form to open.
  expect(await editing(await as(strategist), `?edit=${theme.id}`)).toBeNull();
});

test("the passage finder: by code and words, for the New theme form or the open edit form; a find brings back the draft it sent", async () => {
  const { store, slug, researcher, strategist, codes, coding, as } = await findingsProject();
  const [thread] = (await listThreads({ store, slug })).threads;
  const tree = (await getThreadTree({ store, slug, threadId: thread.id }))!;
  const reply = tree.roots[0].replies[0].post;
  const [other] = await applyCode({
    store,
    slug,
    coderId: researcher.id,
    codeIds: [codes[1].id],
    span: { sourceType: "post", sourceId: reply.id, start: 0, end: reply.text.length },
  });
  const theme = await fixCultureTheme({ store, slug, researcher, codes });
  type Listing = { segments: Array<{ id: string }>; matching: number };
  type Passages = {
    finder: { for: string; codeId: string | null; words: string };
    found: Listing;
    unfiltered: Listing;
    draft: Record<string, unknown> | null;
  };
  const page = await as(researcher);
  const passagesOf = async (query: string, caller = page) =>
    (bodyOf(await caller.get(query)) as { passages: Passages }).passages;
  const idsOf = (listing: Listing) => listing.segments.map((segment) => segment.id);

  // No find: the oldest passages, in the New theme form.
  const plain = await passagesOf("");
  expect(plain.finder).toEqual({ for: "new", codeId: null, words: "" });
  expect(idsOf(plain.found).sort()).toEqual([coding.id, other.id].sort());
  expect(plain.found.matching).toBe(2);
  expect(plain.unfiltered).toEqual(plain.found);
  expect(plain.draft).toBeNull();

  // By code; by words (every one, any case); an unknown code is no filter.
  expect(idsOf((await passagesOf(`?passagesCode=${codes[1].id}`)).found)).toEqual([other.id]);
  const word = coding.quote.split(/\s+/).find((w) => w.length > 3 && !reply.text.includes(w))!;
  expect(
    idsOf((await passagesOf(`?passagesWords=${encodeURIComponent(word.toUpperCase())}`)).found),
  ).toEqual([coding.id]);
  // Hostile input: a very long find is cut, an unknown code is no filter.
  expect((await passagesOf(`?passagesWords=${"x".repeat(5_000)}`)).finder.words).toHaveLength(200);
  const unknown = await passagesOf("?passagesCode=no-such-code");
  expect(unknown.finder.codeId).toBeNull();
  expect(unknown.found.matching).toBe(2);

  // The New theme form sent by its find button: what was typed and ticked comes back.
  const draftQuery = new URLSearchParams([
    ["formId", "create-theme"],
    ["intent", "create-theme"],
    ["name", "Half-typed"],
    ["statement", "Still thinking."],
    ["codeIds", codes[0].id],
    ["codeIds", codes[1].id],
    ["evidence", coding.id],
    ["confidence", "high"],
    ["passagesCode", codes[1].id],
    ["passagesWords", ""],
  ]);
  const drafted = await passagesOf(`?${draftQuery}`);
  expect(drafted.draft).toEqual({
    name: "Half-typed",
    statement: "Still thinking.",
    confidence: "high",
    codeIds: [codes[0].id, codes[1].id],
    evidence: [coding.id],
    counter: [],
  });
  expect(idsOf(drafted.found)).toEqual([other.id]);
  draftQuery.set("confidence", "certain");
  expect((await passagesOf(`?${draftQuery}`)).draft).toMatchObject({ confidence: "medium" });

  // The open edit form's find: its list is found, the New theme form beside it lists every passage.
  const editQuery = `?edit=${theme.id}&intent=update-theme&themeId=${theme.id}&name=Renamed&statement=S&passagesCode=${codes[1].id}`;
  const editFind = await passagesOf(editQuery);
  expect(editFind.finder).toEqual({ for: theme.id, codeId: codes[1].id, words: "" });
  expect(idsOf(editFind.found)).toEqual([other.id]);
  expect(idsOf(editFind.unfiltered).sort()).toEqual([coding.id, other.id].sort());
  expect(editFind.draft).toMatchObject({ name: "Renamed", codeIds: [] });

  // A strategist has no theme form: nothing listed, no draft.
  const read = await passagesOf(`?${draftQuery}`, await as(strategist));
  expect(read.found).toEqual({ segments: [], matching: 0 });
  expect(read.draft).toBeNull();
});
