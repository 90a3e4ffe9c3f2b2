// REFI-QDA files in the shapes MAXQDA, ATLAS.ti and NVivo write them (fixtures in tests/fixtures/refi,
// written for these tests with invented content), and our own export imported again.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { unzipSync, zipSync } from "fflate";
import { expect, test } from "vitest";
import {
  addMemo,
  applyCode,
  createCodes,
  getCodebook,
  listCoders,
  listCodes,
  listCodings,
  listMemos,
} from "../../research/coding/index.js";
import {
  createFieldNote,
  importFiles,
  iterateVisiblePosts,
  listFieldNotes,
} from "../../research/collection/index.js";
import type { CorpusPost } from "../../research/collection/model.js";
import {
  exportProject,
  importCodebookFile,
  importProjectFile,
} from "../../research/exchange/index.js";
import type { DocumentStore } from "../../research/store/index.js";
import { buildProject, buildStore, buildUser, scratchDir } from "../factories.js";

const FIXTURES = path.resolve(__dirname, "../fixtures/refi");
const SCHEMAS = path.resolve(__dirname, "../../../shared/standards/refi-qda");

async function postsOf(store: DocumentStore, slug: string): Promise<CorpusPost[]> {
  const posts: CorpusPost[] = [];
  for await (const batch of iterateVisiblePosts({ store, slug })) posts.push(...batch);
  return posts;
}

/** A fixture folder (project.qde and sources/) zipped as the .qdpx a tool would write. */
async function qdpxOf(folder: string): Promise<string> {
  const root = path.join(FIXTURES, folder);
  const entries: Record<string, Uint8Array> = {
    "project.qde": readFileSync(path.join(root, "project.qde")),
  };
  for (const name of readdirSync(path.join(root, "sources")))
    entries[`sources/${name}`] = readFileSync(path.join(root, "sources", name));
  const dir = await scratchDir("netno-refi-");
  const file = path.join(dir, `${folder}.qdpx`);
  await writeFile(file, zipSync(entries));
  return file;
}

async function counts(store: DocumentStore, slug: string) {
  return {
    codes: (await listCodes({ store, slug })).length,
    posts: (await postsOf(store, slug)).length,
    codings: (await listCodings({ store, slug })).length,
    memos: (await listMemos({ store, slug })).length,
    fieldNotes: (await listFieldNotes({ store, slug })).length,
  };
}

test("an ATLAS.ti project whose notes are files in sources/: memos on codes and on quoted passages, comments too, once", async () => {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const { slug } = await buildProject(store, owner);
  const file = await qdpxOf("atlas-notes-as-files");
  const report = await importProjectFile({ store, slug, file, userId: owner.id });
  expect(report).toMatchObject({ codes: 2, sources: 1, codings: 3, skipped: 0, memos: 3 });

  const codes = await listCodes({ store, slug });
  const [post] = await postsOf(store, slug);
  const about = new Map(
    (await listMemos({ store, slug })).map((memo) => [memo.markdown, memo.target]),
  );
  // The note a code refers to is a memo on the code.
  expect(about.get("Solar wiring is where most questions cluster.")).toEqual({
    type: "code",
    id: codes.find((code) => code.name === "Solar wiring")!.id,
  });
  // The note a quotation refers to, and the quotation's comment, are memos on the post that quote it.
  expect(
    about.get(
      "> My sister posted a link\n\nWeak ties bring people in;\nthe wiring threads keep them.",
    ),
  ).toEqual({ type: "post", id: post.id });
  expect(about.get("> My sister posted a link\n\nFamily as the way in.")).toEqual({
    type: "post",
    id: post.id,
  });
  // No note became an empty field note.
  expect(await listFieldNotes({ store, slug })).toEqual([]);
  // Each of the two users is a coder of their own.
  const coders = new Set((await listCodings({ store, slug })).map((coding) => coding.coderId));
  expect(coders.size).toBe(2);
  expect((await listCoders({ store, slug })).map((coder) => coder.name).join(" ")).toContain(
    "Bo Lindqvist",
  );

  const before = await counts(store, slug);
  const again = await importProjectFile({ store, slug, file, userId: owner.id });
  expect(again).toMatchObject({ codes: 0, codings: 0 });
  expect(again.memos ?? 0).toBe(0);
  expect(await counts(store, slug)).toEqual(before);

  // Exported, the memos travel as Notes and the project stays valid against the standard's XSD.
  const dir = await scratchDir("netno-refi-");
  const qde = unzipSync(await exportProject({ store, slug }))["project.qde"];
  await writeFile(path.join(dir, "project.qde"), qde);
  execFileSync(
    "xmllint",
    ["--noout", "--schema", path.join(SCHEMAS, "Project.xsd"), path.join(dir, "project.qde")],
    { stdio: "pipe" },
  );
  expect(Buffer.from(qde).toString("utf8")).toContain("Weak ties bring people in;");
});

test("a project's own .qdpx imported again into it adds no post, coding, memo, field note or code", async () => {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true, name: "Ana" });
  const { slug } = await buildProject(store, owner);
  await importFiles({
    store,
    slug,
    files: [path.resolve(__dirname, "../fixtures/mastodon-statuses.json")],
  });
  const [code] = await createCodes({
    store,
    slug,
    userId: owner.id,
    codes: [{ name: "Repair" }],
  });
  const post = (await postsOf(store, slug)).find((p) => p.text.includes("fridge"))!;
  await applyCode({
    store,
    slug,
    coderId: owner.id,
    codeIds: [code.id],
    span: { sourceType: "post", sourceId: post.id, start: 0, end: 7 },
  });
  await addMemo({
    store,
    slug,
    target: { type: "post", id: post.id },
    markdown: "First mention of the compressor.",
    authorId: owner.id,
  });
  await createFieldNote({
    store,
    slug,
    authorId: owner.id,
    kind: "reflective",
    title: "Week one",
    markdown: "Lurked in the repair threads.",
    links: [],
  });
  const before = await counts(store, slug);
  const dir = await scratchDir("netno-refi-");
  const file = path.join(dir, "own.qdpx");
  await writeFile(file, await exportProject({ store, slug }));

  const report = await importProjectFile({ store, slug, file, userId: owner.id });
  expect(report).toMatchObject({ codes: 0, codings: 0, sources: before.posts });
  expect(await counts(store, slug)).toEqual(before);
});

test("codebooks in the namespaces tools write: NVivo for Mac's codebook:1:0, ATLAS.ti's 1.0 with a 0:4 schemaLocation", async () => {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const { slug } = await buildProject(store, owner);
  const nvivo = await importCodebookFile({
    store,
    slug,
    file: path.join(FIXTURES, "nvivo-mac-codebook.qdc"),
    userId: owner.id,
  });
  expect(nvivo).toMatchObject({ codes: 4 });
  const atlas = await importCodebookFile({
    store,
    slug,
    file: path.join(FIXTURES, "atlas-codebook-mixed-namespace.qdc"),
    userId: owner.id,
  });
  expect(atlas).toMatchObject({ codes: 1, notBroughtOver: ["1 code set"] });
  const codes = (await getCodebook({ store, slug })).codes;
  const named = (name: string) => codes.find((code) => code.name === name)!;
  expect(named("Cost")).toMatchObject({
    parentId: named("Barriers").id,
    definition: "Money as an obstacle",
  });
  expect(named("Barriers").colour.toUpperCase()).toBe("#00FF00");
  expect(named("Campsites").parentId).toBe(named("Places").id);
  expect(named("Gear talk")).toMatchObject({ definition: "Posts comparing equipment" });
});

test("a codebook cut short (as a broken ATLAS.ti download) is refused saying so, and nothing is written", async () => {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const { slug } = await buildProject(store, owner);
  await expect(
    importCodebookFile({
      store,
      slug,
      file: path.join(FIXTURES, "truncated-codebook.qdc"),
      userId: owner.id,
    }),
  ).rejects.toThrow(
    "truncated-codebook.qdc ends inside <CodeBook> › <Codes> › <Code>: the file seems cut short; nothing was imported.",
  );
  expect(await listCodes({ store, slug })).toEqual([]);
});
