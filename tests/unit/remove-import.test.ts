// Removing an import as a whole: its posts and what was made on them go in one transaction; what
// another import brought stays, with its own figures; consent logs stay; only the owner or the
// researcher who imported it may; the page says what will go and asks to type "remove".
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { expect, test } from "vitest";
import { addMemo, applyCode, createCodes, listCodings } from "../../research/coding/index.js";
import {
  createFieldNote,
  getFieldNote,
  importFiles,
  listCommunities,
  listImports,
  listMembers,
  listThreads,
  previewImportRemoval,
  removeImport,
  searchProject,
} from "../../research/collection/index.js";
import { projectSql } from "../../research/collection/corpus.js";
import { listAudit, recordConsent, resolveMemberByHandle } from "../../research/entree/index.js";
import { addMember, buildProject, buildUser, scratchDir } from "../factories.js";
import {
  bodyOf,
  buildAppStore,
  reloadAppForEachTest,
  routeCaller,
  signInCookie,
  statusOf,
} from "../helpers/route-requests.js";

reloadAppForEachTest();

async function csvFiles() {
  const folder = await scratchDir("netno-remove-");
  const first = path.join(folder, "first.csv");
  const second = path.join(folder, "second.csv");
  const header = "id,thread_id,parent,author,body,timestamp,subject";
  await writeFile(
    first,
    [
      header,
      "1,t1,,ana,Does the diesel heater smell at night?,2024-06-01 10:00:00,Heater smell",
      "2,t1,1,bo,Only when the exhaust leaks.,2024-06-01 11:00:00,",
      "3,t2,,cy,Where do you park in winter?,2024-06-02 10:00:00,Winter parking",
    ].join("\n"),
  );
  await writeFile(
    second,
    [header, "4,t1,2,dee,Mine smelt until I replaced the gasket.,2024-06-03 10:00:00,"].join("\n"),
  );
  return { first, second };
}

test("an import goes with its codings, memos and empty threads; another import's reply and consent logs stay", async () => {
  const { store, owner } = await buildAppStore();
  const { slug } = await buildProject(store, owner);
  const { first, second } = await csvFiles();
  await importFiles({ store, slug, files: [first], community: "Heater forum", userId: owner.id });
  await importFiles({ store, slug, files: [second], community: "Heater forum", userId: owner.id });
  const [older, newer] = (await listImports({ store, slug })).sort((a, b) =>
    a.importedAt.localeCompare(b.importedAt),
  );
  expect(older.files).toEqual(["first.csv"]);
  const { db, projectId } = await projectSql({ store, slug });
  const postOf = async (sourceId: string) =>
    db
      .selectFrom("posts")
      .selectAll()
      .where("project_id", "=", projectId)
      .where("source_id", "=", sourceId)
      .executeTakeFirstOrThrow();
  const bo = await postOf("2");
  const [code] = await createCodes({ store, slug, userId: owner.id, codes: [{ name: "Smell" }] });
  await applyCode({
    store,
    slug,
    coderId: owner.id,
    codeIds: [code.id],
    span: { sourceType: "post", sourceId: bo.id, start: 0, end: 4 },
  });
  await addMemo({
    store,
    slug,
    target: { type: "post", id: bo.id },
    markdown: "Leaks.",
    authorId: owner.id,
  });
  const note = await createFieldNote({
    store,
    slug,
    authorId: owner.id,
    kind: "observational",
    title: "Heaters",
    markdown: "Smell talk.",
    links: [
      { type: "post", id: bo.id },
      { type: "thread", id: (await postOf("3")).thread_id },
      { type: "post", id: (await postOf("4")).id },
    ],
  });
  // Cy opted out: the consent log is evidence and stays, with the member.
  const cy = await resolveMemberByHandle({ store, slug, handle: "cy" });
  await recordConsent({ store, slug, memberId: cy.id, status: "opted-out", userId: owner.id });

  const preview = await previewImportRemoval({ store, slug, importId: older.id, userId: owner.id });
  expect(preview).toMatchObject({
    posts: 3,
    threads: 1, // t2; t1 keeps dee's reply
    communities: 0,
    members: 2, // ana and bo; cy has a consent entry
    codings: 1,
    memos: 1,
    allowed: true,
  });

  expect(await removeImport({ store, slug, importId: older.id, userId: owner.id })).toMatchObject({
    posts: 3,
    threads: 1,
    members: 2,
    codings: 1,
  });
  const dee = await postOf("4");
  expect(dee.parent_id).toBeNull();
  expect(dee.parent_source_key).not.toBeNull();
  expect((await listThreads({ store, slug })).threads.map((thread) => thread.title)).toEqual([
    "Heater smell",
  ]);
  const handles = (await listMembers({ store, slug })).members.map((member) => member.handle);
  expect(handles).toEqual(["dee"]);
  expect(await resolveMemberByHandle({ store, slug, handle: "cy" })).toMatchObject({ id: cy.id });
  expect(await listCodings({ store, slug })).toEqual([]);
  expect((await searchProject({ store, slug, query: "exhaust" })).total).toBe(0);
  expect((await searchProject({ store, slug, query: "gasket" })).total).toBe(1);
  expect((await getFieldNote({ store, slug, noteId: note.id }))!.links).toEqual([
    { type: "post", id: dee.id },
  ]);
  expect((await listImports({ store, slug })).map((entry) => entry.id)).toEqual([newer.id]);
  expect((await listCommunities({ store, slug })).map((community) => community.name)).toEqual([
    "Heater forum",
  ]);
  const [event] = await listAudit({ store, slug });
  expect(event).toMatchObject({ action: "import-removed" });
  expect(event.detail).not.toMatch(/exhaust|heater/i);
  // One or many, as people read it: "1 thread", "0 communities", "1 coding", "1 memo".
  expect(event.detail).toMatch(
    new RegExp(
      `^import ${older.id} removed: 3 posts, 1 thread, 0 communities, 2 members, 1 coding, 1 memo; ` +
        `\\d+ field notes? unlinked$`,
    ),
  );
  expect(event.detail).not.toMatch(/\b1 (threads|communities|members|codings|memos|field notes)\b/);

  // The last import goes with its community, now empty.
  await removeImport({ store, slug, importId: newer.id, userId: owner.id });
  expect(await listCommunities({ store, slug })).toEqual([]);
  await expect(
    removeImport({ store, slug, importId: newer.id, userId: owner.id }),
  ).rejects.toMatchObject({ code: "not-found" });
});

test("the page: owner and the importing researcher may remove after typing remove; other researchers and strategists may not", async () => {
  const { store, owner } = await buildAppStore();
  const project = await buildProject(store, owner);
  const { slug } = project;
  const researcher = await buildUser(store);
  const colleague = await buildUser(store);
  const strategist = await buildUser(store);
  await addMember(store, project, researcher, "researcher", owner.id);
  await addMember(store, project, colleague, "researcher", owner.id);
  await addMember(store, project, strategist, "strategist", owner.id);
  const { first, second } = await csvFiles();
  await importFiles({ store, slug, files: [first], community: "A", userId: researcher.id });
  await importFiles({ store, slug, files: [second], community: "B", userId: owner.id });
  const imports = await listImports({ store, slug });
  const theirs = imports.find((entry) => entry.files[0] === "first.csv")!;
  const owners = imports.find((entry) => entry.files[0] === "second.csv")!;
  const route = await import("../../app/routes/projects.$slug.collection.imports.$importId");
  const page = async (userId: string, importId: string) =>
    routeCaller(
      route,
      `/projects/${slug}/collection/imports/${importId}`,
      { slug, importId },
      await signInCookie(userId),
    );

  const asColleague = await page(colleague.id, theirs.id);
  expect(bodyOf(await asColleague.get())).toMatchObject({ removal: { allowed: false, posts: 3 } });
  expect(statusOf(await asColleague.post({ confirm: "remove" }))).toBe(403);
  const asStrategist = await page(strategist.id, theirs.id);
  expect(statusOf(await asStrategist.get())).toBe(403);
  expect(statusOf(await asStrategist.post({ confirm: "remove" }))).toBe(403);
  expect(statusOf(await (await page(owner.id, "no-such-import")).get())).toBe(404);

  const asResearcher = await page(researcher.id, theirs.id);
  const unconfirmed = await asResearcher.post({});
  expect(statusOf(unconfirmed)).toBe(400);
  expect(bodyOf(unconfirmed)).toMatchObject({ fieldErrors: { confirm: expect.any(String) } });
  expect(bodyOf(await asResearcher.post({ confirm: "yes" }))).toMatchObject({
    fieldErrors: { confirm: expect.stringMatching(/Type remove/) },
  });
  expect(statusOf(await (await page(researcher.id, owners.id)).post({ confirm: "remove" }))).toBe(
    403,
  );
  const removed = (await asResearcher.post({ confirm: " Remove " })) as Response;
  expect(removed.status).toBe(302);
  expect(removed.headers.get("location")).toBe(`/projects/${slug}/collection?removedPosts=3`);
  expect((await listImports({ store, slug })).map((entry) => entry.id)).toEqual([owners.id]);
  const asOwner = await page(owner.id, owners.id);
  expect(statusOf(await asOwner.post({ confirm: "remove" }))).toBe(302);
  expect(await listImports({ store, slug })).toEqual([]);
});
