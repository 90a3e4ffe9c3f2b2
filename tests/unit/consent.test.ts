import { readFile, readdir } from "node:fs/promises";
import path from "node:path";
import { expect, test } from "vitest";
import { addMemo, applyCode, createCodes, listCodings } from "../../research/coding/index.js";
import {
  createFieldNote,
  getFieldNote,
  getCorpusRevision,
  importFiles,
  iterateVisiblePosts,
  listCommunities,
  listMembers,
  listThreads,
  searchProject,
  type CorpusPost,
} from "../../research/collection/index.js";
import {
  addCandidate,
  compareCandidates,
  linkCandidateSample,
} from "../../research/discovery/index.js";
import {
  ERASED_TITLE,
  getConsentLog,
  getConsentStatuses,
  listAudit,
  purgeMember,
  recordConsent,
  resolveMemberByHandle,
} from "../../research/entree/index.js";
import { getProjectStats } from "../../research/projects/index.js";
import { sqlFor, type DocumentStore } from "../../research/store/index.js";
import { buildProject, buildStore, buildUser } from "../factories.js";

const FIXTURES = path.resolve(__dirname, "../fixtures");

async function projectWithThread() {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const { slug } = await buildProject(store, owner);
  await importFiles({ store, slug, files: [path.join(FIXTURES, "reddit-thread.json")] });
  return { store, slug, owner };
}

async function visiblePostsOf(store: DocumentStore, slug: string): Promise<CorpusPost[]> {
  const posts: CorpusPost[] = [];
  for await (const batch of iterateVisiblePosts({ store, slug })) posts.push(...batch);
  return posts;
}

async function allFilesText(root: string): Promise<string> {
  let text = "";
  for (const entry of await readdir(root, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) text += await readFile(path.join(entry.parentPath, entry.name), "latin1");
  }
  return text;
}

const TABLES = [
  "communities",
  "imports",
  "threads",
  "members",
  "posts",
  "consent_entries",
  "erased_members",
  "codings",
  "memos",
  "field_notes",
  "annotations",
  "suggestions",
  "suggestion_decisions",
  "audit_events",
  "share_links",
  "member_responses",
  "withheld_quotes",
  "jobs",
  "documents",
] as const;

/** Every row of every table as text: what any engine still holds, whatever its files look like. */
async function allTablesText(store: DocumentStore): Promise<string> {
  const { db } = await sqlFor(store);
  let text = "";
  for (const table of TABLES)
    text += JSON.stringify(await db.selectFrom(table).selectAll().execute());
  return text;
}

test("an opted-out member's words leave threads, search, members and discovery figures at once", async () => {
  const { store, slug, owner } = await projectWithThread();
  const sunny = await resolveMemberByHandle({ store, slug, handle: "sunny_van" });
  const candidate = await addCandidate({
    store,
    slug,
    userId: owner.id,
    name: "r/VanLife",
    platform: "reddit",
  });
  const [community] = await listCommunities({ store, slug });
  await linkCandidateSample({
    store,
    slug,
    userId: owner.id,
    candidateId: candidate.id,
    communityId: community.id,
  });
  expect((await searchProject({ store, slug, query: "inverter" })).total).toBe(1);

  await recordConsent({
    store,
    slug,
    memberId: sunny.id,
    status: "opted-out",
    evidence: "DM",
    userId: owner.id,
  });

  const visible = await visiblePostsOf(store, slug);
  expect(visible.some((post) => post.memberId === sunny.id)).toBe(false);
  expect(visible.some((post) => post.text.includes("inverter"))).toBe(false);
  expect((await searchProject({ store, slug, query: "inverter" })).total).toBe(0);
  expect(
    (await listMembers({ store, slug })).members.some((member) => member.id === sunny.id),
  ).toBe(false);
  expect((await listThreads({ store, slug })).threads[0].postCount).toBe(5);
  expect((await compareCandidates({ store, slug }))[0].indicators?.posts).toBe(5);
  // Only the consent log still names them, so the researcher can see and manage the opt-out.
  const log = await getConsentLog({ store, slug });
  expect(log.rows.find((row) => row.member.id === sunny.id)).toMatchObject({
    status: "opted-out",
    entries: [{ status: "opted-out", evidence: "DM" }],
  });
});

test("the latest consent entry recorded wins, whatever date it states: a consent dated 2062 does not cancel an opt-out recorded today", async () => {
  const { store, slug, owner } = await projectWithThread();
  const sunny = await resolveMemberByHandle({ store, slug, handle: "sunny_van" });
  const before = await getCorpusRevision({ store, slug });
  await recordConsent({
    store,
    slug,
    memberId: sunny.id,
    status: "consented",
    date: "2062-01-01",
    userId: owner.id,
  });
  const afterConsent = await getCorpusRevision({ store, slug });
  expect(afterConsent).not.toBe(before);
  await recordConsent({
    store,
    slug,
    memberId: sunny.id,
    status: "opted-out",
    evidence: "asked today",
    userId: owner.id,
  });
  expect(await getCorpusRevision({ store, slug })).not.toBe(afterConsent);

  expect((await getConsentStatuses({ store, slug, memberIds: [sunny.id] })).get(sunny.id)).toBe(
    "opted-out",
  );
  expect((await visiblePostsOf(store, slug)).some((post) => post.memberId === sunny.id)).toBe(
    false,
  );
  const row = (await getConsentLog({ store, slug, q: "sunny" })).rows[0];
  expect(row.status).toBe("opted-out");
  // Entries are listed latest recorded first, each with the date the researcher stated.
  expect(row.entries.map((entry) => [entry.status, entry.date.slice(0, 4)])).toEqual([
    ["opted-out", new Date().toISOString().slice(0, 4)],
    ["consented", "2062"],
  ]);

  // And the other way round: an opt-out dated far ahead is still overridden by a later consent.
  const wendy = await resolveMemberByHandle({ store, slug, handle: "wrench_wendy" });
  await recordConsent({
    store,
    slug,
    memberId: wendy.id,
    status: "opted-out",
    date: "2062-01-01",
    userId: owner.id,
  });
  await recordConsent({
    store,
    slug,
    memberId: wendy.id,
    status: "consented",
    date: "2020-01-01",
    userId: owner.id,
  });
  expect((await getConsentStatuses({ store, slug, memberIds: [wendy.id] })).get(wendy.id)).toBe(
    "consented",
  );
  expect((await visiblePostsOf(store, slug)).some((post) => post.memberId === wendy.id)).toBe(true);
});

test("the consent log is paged and searched by handle or pseudonym, recorded statuses first", async () => {
  const { store, slug, owner } = await projectWithThread();
  const all = await getConsentLog({ store, slug });
  expect(all.total).toBeGreaterThanOrEqual(3);
  const sunny = await resolveMemberByHandle({ store, slug, handle: "sunny_van" });
  await recordConsent({ store, slug, memberId: sunny.id, status: "opted-out", userId: owner.id });

  const first = await getConsentLog({ store, slug, limit: 1 });
  expect(first).toMatchObject({ total: all.total, limit: 1, offset: 0 });
  expect(first.rows.map((row) => row.member.handle)).toEqual(["sunny_van"]);
  const pages = [];
  for (let offset = 0; offset < all.total; offset += 2) {
    pages.push(
      ...(await getConsentLog({ store, slug, limit: 2, offset })).rows.map((row) => row.member.id),
    );
  }
  expect(new Set(pages).size).toBe(all.total);

  expect(
    (await getConsentLog({ store, slug, q: "WRENCH" })).rows.map((row) => row.member.handle),
  ).toEqual(["wrench_wendy"]);
  expect(
    (await getConsentLog({ store, slug, q: sunny.pseudonym.slice(0, 6) })).rows[0].member.id,
  ).toBe(sunny.id);
  // `_` and `%` are letters here, not wildcards.
  expect((await getConsentLog({ store, slug, q: "y_v" })).total).toBe(1);
  expect((await getConsentLog({ store, slug, q: "%" })).total).toBe(0);
});

test("codings of an opted-out member's posts disappear from coding views", async () => {
  const { store, slug, owner } = await projectWithThread();
  const [code] = await createCodes({
    store,
    slug,
    userId: owner.id,
    codes: [{ name: "Troubleshooting" }],
  });
  const post = (await visiblePostsOf(store, slug)).find((p) =>
    p.text.startsWith("Is your inverter"),
  )!;
  await applyCode({
    store,
    slug,
    coderId: owner.id,
    codeIds: [code.id],
    span: { sourceType: "post", sourceId: post.id, start: 0, end: 7 },
  });
  expect(await listCodings({ store, slug })).toHaveLength(1);
  await recordConsent({
    store,
    slug,
    memberId: post.memberId!,
    status: "opted-out",
    userId: owner.id,
  });
  expect(await listCodings({ store, slug })).toHaveLength(0);
});

test("erasure removes every trace of the member, keeps an audit entry without content, and survives a re-import", async () => {
  const { store, slug, owner } = await projectWithThread();
  const wendy = await resolveMemberByHandle({ store, slug, handle: "wrench_wendy" });
  const sunny = await resolveMemberByHandle({ store, slug, handle: "sunny_van" });
  const posts = await visiblePostsOf(store, slug);
  const wendyPost = posts.find((p) => p.memberId === wendy.id)!;
  const sunnyPost = posts.find((p) => p.memberId === sunny.id)!;
  const [code] = await createCodes({
    store,
    slug,
    userId: owner.id,
    codes: [{ name: "Expertise" }],
  });
  await applyCode({
    store,
    slug,
    coderId: owner.id,
    codeIds: [code.id],
    span: { sourceType: "post", sourceId: wendyPost.id, start: 0, end: 5 },
  });
  await addMemo({
    store,
    slug,
    target: { type: "post", id: wendyPost.id },
    markdown: "Wendy's memo",
    authorId: owner.id,
  });
  await recordConsent({
    store,
    slug,
    memberId: wendy.id,
    status: "consented",
    evidence: "wendy's DM",
    userId: owner.id,
  });
  const note = await createFieldNote({
    store,
    slug,
    authorId: owner.id,
    kind: "observational",
    title: "On expertise",
    markdown: "Measurement first.",
    links: [
      { type: "post", id: wendyPost.id },
      { type: "member", id: wendy.id },
      { type: "post", id: sunnyPost.id },
    ],
  });
  const before = await getCorpusRevision({ store, slug });
  const words = [
    "wrench_wendy",
    "Check the charge controller settings first",
    "battery monitor (shunt)",
    wendy.pseudonym,
    "Wendy's memo",
    "wendy's DM",
  ];
  // There is something to look for: the words are stored before the erasure (in the files, too, on SQLite).
  const engine = (await sqlFor(store)).engine;
  const tablesBefore = await allTablesText(store);
  const filesBefore = await allFilesText(store.root);
  for (const word of words) {
    expect(tablesBefore).toContain(word);
    if (engine === "sqlite") expect(filesBefore).toContain(word);
  }

  const result = await purgeMember({ store, slug, memberId: wendy.id, userId: owner.id });
  expect(result).toEqual({ posts: 2, codings: 1 });
  expect(await getCorpusRevision({ store, slug })).not.toBe(before);
  const tables = await allTablesText(store);
  const files = await allFilesText(store.root);
  for (const word of words) {
    expect(tables, `tables hold ${word}`).not.toContain(word);
    expect(files, `files hold ${word}`).not.toContain(word);
  }
  for (const id of [wendy.id, wendyPost.id])
    expect(
      JSON.stringify((await getFieldNote({ store, slug, noteId: note.id }))?.links),
    ).not.toContain(id);
  expect((await getFieldNote({ store, slug, noteId: note.id }))?.links).toEqual([
    { type: "post", id: sunnyPost.id },
  ]);

  const [latest] = await listAudit({ store, slug, limit: 1 });
  expect(latest).toMatchObject({ action: "erasure", by: owner.id });
  expect(latest.detail).toMatch(
    new RegExp(`^member ${wendy.id} erased: 2 posts, 1 coding removed; 1 memo,`),
  );
  expect(await getProjectStats({ store, slug })).toMatchObject({
    posts: 4,
    members: 2,
    codings: 0,
  });
  expect(
    (await getConsentLog({ store, slug })).rows.some((row) => row.member.id === wendy.id),
  ).toBe(false);

  const again = await importFiles({
    store,
    slug,
    files: [path.join(FIXTURES, "reddit-thread.json")],
  });
  expect(again).toMatchObject({ posts: 0, members: 0, erasedExcluded: 2 });
  expect(await allTablesText(store)).not.toContain("wrench_wendy");
  expect(await allFilesText(store.root)).not.toContain("wrench_wendy");
});

test("erasing the member who opened a thread withholds its title and keeps the others' replies", async () => {
  const { store, slug, owner } = await projectWithThread();
  const dusty = await resolveMemberByHandle({ store, slug, handle: "dusty_roads" });
  expect(await allTablesText(store)).toContain("Solar setup keeps dying");
  const result = await purgeMember({ store, slug, memberId: dusty.id, userId: owner.id });
  expect(result.posts).toBeGreaterThan(0);
  const { threads } = await listThreads({ store, slug });
  expect(threads).toHaveLength(1);
  expect(threads[0].title).toBe(ERASED_TITLE);
  expect(threads[0].postCount).toBe(6 - result.posts);
  expect(await allTablesText(store)).not.toContain("Solar setup keeps dying");
  expect((await listAudit({ store, slug, limit: 1 }))[0].detail).toMatch(
    /1 thread title withheld; their words blanked in 0 posts quoting them$/,
  );
});

test("the audit trail lists events newest first, a page at a time", async () => {
  const { store, slug, owner } = await projectWithThread();
  const sunny = await resolveMemberByHandle({ store, slug, handle: "sunny_van" });
  for (const status of ["consented", "declined", "paraphrase-only"]) {
    await recordConsent({ store, slug, memberId: sunny.id, status, userId: owner.id });
  }
  const details = (await listAudit({ store, slug })).map((entry) => entry.detail);
  expect(details.slice(0, 3)).toEqual([
    `member ${sunny.id}: paraphrase-only`,
    `member ${sunny.id}: declined`,
    `member ${sunny.id}: consented`,
  ]);
  expect(
    (await listAudit({ store, slug, limit: 1, offset: 1 })).map((entry) => entry.detail),
  ).toEqual([`member ${sunny.id}: declined`]);
});

test("recording consent for an unknown member or with a bad status or date is refused", async () => {
  const { store, slug, owner } = await projectWithThread();
  const sunny = await resolveMemberByHandle({ store, slug, handle: "sunny_van" });
  await expect(
    recordConsent({ store, slug, memberId: "nobody", status: "consented", userId: owner.id }),
  ).rejects.toThrow(/No such member/);
  await expect(
    recordConsent({ store, slug, memberId: sunny.id, status: "maybe", userId: owner.id }),
  ).rejects.toThrow(/Consent is one of/);
  await expect(
    recordConsent({
      store,
      slug,
      memberId: sunny.id,
      status: "consented",
      date: "soon",
      userId: owner.id,
    }),
  ).rejects.toThrow(/Use a date/);
  expect((await getConsentLog({ store, slug, q: "sunny" })).rows[0].entries).toEqual([]);
});

test("a handle that several members share is an error listing them; an unknown one is not found", async () => {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const { slug } = await buildProject(store, owner);
  await importFiles({
    store,
    slug,
    files: [path.join(FIXTURES, "4cat-export.csv")],
    community: "Forum A",
  });
  await importFiles({
    store,
    slug,
    files: [path.join(FIXTURES, "4cat-export.csv")],
    community: "Forum B",
  });
  await expect(resolveMemberByHandle({ store, slug, handle: "ana" })).rejects.toThrow(
    /ambiguous: 2 members match: ana \(csv in Forum A.*ana \(csv in Forum B/,
  );
  await expect(resolveMemberByHandle({ store, slug, handle: "nobody" })).rejects.toThrow(
    /No member with the handle "nobody"/,
  );
  expect(
    await resolveMemberByHandle({ store, slug, handle: "BO" }).catch(
      (error: Error) => error.message,
    ),
  ).toMatch(/ambiguous/);
});
