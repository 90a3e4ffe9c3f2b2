// Communities are named from the data (issue 12): a Stack Exchange dump after its site, never after
// the temporary folder an upload was saved in; the same dump uploaded twice adds nothing. Files that
// travel with a dump (licence, source notes, readme, folder files) are left out with a note.
import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, expect, test } from "vitest";
import { importFiles } from "../../research/collection/index.js";
import { isTemporaryFolder } from "../../research/collection/importers/community-names.js";
import { stackExchangeImporter } from "../../research/collection/importers/stackexchange.js";
import { readStoredCorpus } from "../helpers/corpus-rows.js";
import { buildProject, buildStore, buildUser, SHARED_DATA } from "../factories.js";

const CONLANG_META = path.join(SHARED_DATA, "stackexchange-conlang-meta");
const QUANTUM = path.join(SHARED_DATA, "stackexchange-quantumcomputing");

const made: string[] = [];
afterEach(async () => {
  for (const folder of made.splice(0)) await rm(folder, { recursive: true, force: true });
});

/** A copy of a dump's files in a fresh folder named as the upload names its folders. */
async function uploadedCopy(dump: string, extra: Record<string, string> = {}): Promise<string[]> {
  const folder = await mkdtemp(path.join(os.tmpdir(), "netno-upload-"));
  made.push(folder);
  const files: string[] = [];
  for (const name of (await readdir(dump)).sort()) {
    await copyFile(path.join(dump, name), path.join(folder, name));
    files.push(path.join(folder, name));
  }
  for (const [name, text] of Object.entries(extra)) {
    await writeFile(path.join(folder, name), text);
    files.push(path.join(folder, name));
  }
  return files;
}

async function project() {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const { slug } = await buildProject(store, owner);
  return { store, slug };
}

/** The community the importer gives a dump's first post. */
async function communityOf(files: string[]): Promise<string | null | undefined> {
  for await (const event of stackExchangeImporter.read(files, {})) {
    if (event.kind === "post") return event.post.community;
  }
  return undefined;
}

/** A small dump without links to any site. */
async function linklessDump(folder: string): Promise<string[]> {
  await mkdir(folder, { recursive: true });
  made.push(folder);
  const posts = path.join(folder, "Posts.xml");
  await writeFile(
    posts,
    '<?xml version="1.0" encoding="utf-8"?>\n<posts>\n' +
      '  <row Id="1" PostTypeId="1" CreationDate="2020-01-01T10:00:00.000" Title="Hello" Body="&lt;p&gt;First&lt;/p&gt;" OwnerUserId="5" Tags="&lt;greeting&gt;" />\n' +
      '  <row Id="2" PostTypeId="2" ParentId="1" CreationDate="2020-01-02T10:00:00.000" Body="&lt;p&gt;Reply&lt;/p&gt;" OwnerUserId="6" />\n' +
      "</posts>\n",
  );
  return [posts];
}

test("a Stack Exchange dump is named after its site: the two real dumps, wherever their files are", async () => {
  expect(await communityOf(await uploadedCopy(CONLANG_META))).toBe(
    "conlang.meta.stackexchange.com",
  );
  expect(await communityOf([path.join(QUANTUM, "Posts.xml")])).toBe(
    "quantumcomputing.stackexchange.com",
  );
  expect(await communityOf([CONLANG_META + "/Comments.xml"])).toBe(
    "conlang.meta.stackexchange.com",
  );
});

test("a dump without links is named after the folder the person chose, never a temporary one", async () => {
  const chosen = path.join(os.tmpdir(), `netno-test-${process.pid}`, "my-site-dump");
  expect(await communityOf(await linklessDump(chosen))).toBe("my-site-dump");
  const upload = await mkdtemp(path.join(os.tmpdir(), "netno-upload-"));
  expect(await communityOf(await linklessDump(upload))).toBe("Stack Exchange site");
  expect(isTemporaryFolder(upload)).toBe(true);
  expect(isTemporaryFolder(os.tmpdir())).toBe(true);
  expect(isTemporaryFolder(chosen)).toBe(false);
  // A folder the person chose that was copied into a temporary one keeps its name.
  expect(await communityOf(await linklessDump(path.join(upload, "my-site-dump")))).toBe(
    "my-site-dump",
  );
  await rm(path.dirname(chosen), { recursive: true, force: true });
});

test("the same dump uploaded twice (two temporary folders) is one community; the second upload adds nothing", async () => {
  const { store, slug } = await project();
  const first = await importFiles({ store, slug, files: await uploadedCopy(CONLANG_META) });
  expect(first).toMatchObject({
    posts: 399,
    duplicates: 0,
    communities: ["conlang.meta.stackexchange.com"],
  });
  const again = await importFiles({ store, slug, files: await uploadedCopy(CONLANG_META) });
  expect(again).toMatchObject({
    posts: 0,
    threads: 0,
    members: 0,
    duplicates: 399,
    communities: [],
  });
  const corpus = await readStoredCorpus(store, slug);
  expect(corpus.communities.map((community) => community.name)).toEqual([
    "conlang.meta.stackexchange.com",
  ]);
  expect(corpus.posts).toHaveLength(399);
});

test("every file of a dump folder with automatic detection: licence, source notes and folder files are left out with a note", async () => {
  const { store, slug } = await project();
  const files = await uploadedCopy(CONLANG_META, {
    "README.md": "# Conlang meta dump\n",
    ".DS_Store": "\0\0\0\u0001Bud1",
    "Thumbs.db": "\u00d0\u00cf\u0011\u00e0",
  });
  const report = await importFiles({ store, slug, files });
  expect(report).toMatchObject({ posts: 399, communities: ["conlang.meta.stackexchange.com"] });
  expect(report.ignoredFiles.map((entry) => entry.file).sort()).toEqual(
    [
      ".DS_Store",
      "Badges.xml",
      "LICENSE.txt",
      "PostHistory.xml",
      "PostLinks.xml",
      "README.md",
      "SOURCE.txt",
      "Tags.xml",
      "Thumbs.db",
      "Votes.xml",
    ].sort(),
  );
  expect(report.ignoredFiles.find((entry) => entry.file === "LICENSE.txt")?.reason).toMatch(
    /holds no posts/,
  );
  // Nothing in the report shows where the server kept the files.
  expect(JSON.stringify(report)).not.toMatch(/netno-upload-|\/tmp\//);

  // A readme beside another format is left out too; a licence alone is still a file nobody can place.
  const folder = await mkdtemp(path.join(os.tmpdir(), "netno-upload-"));
  made.push(folder);
  await writeFile(path.join(folder, "posts.csv"), "id,author,body\n1,ana,hello\n");
  await writeFile(path.join(folder, "readme.md"), "Exported by hand.\n");
  const csv = await importFiles({
    store,
    slug,
    files: [path.join(folder, "posts.csv"), path.join(folder, "readme.md")],
  });
  expect(csv).toMatchObject({ posts: 1, ignoredFiles: [{ file: "readme.md" }] });
  const licence = path.join(folder, "LICENSE.txt");
  await copyFile(path.join(CONLANG_META, "LICENSE.txt"), licence);
  const alone = importFiles({ store, slug, files: [licence] });
  await expect(alone).rejects.toThrow(/^Cannot tell which platform LICENSE\.txt comes from/);
  await expect(alone).rejects.not.toThrow(/netno-upload-|\/tmp\//);
});
