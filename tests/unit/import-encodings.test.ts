// Files as Windows tools write them: UTF-16 with a byte-order mark (a PowerShell `>` redirect), UTF-8
// with a BOM, CRLF line ends. Each imports exactly as its plain UTF-8 original does.
import path from "node:path";
import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import { expect, test } from "vitest";
import { importFiles, iterateVisiblePosts } from "../../research/collection/index.js";
import { buildProject, buildStore, buildUser } from "../factories.js";

const FIXTURES = path.resolve(__dirname, "../fixtures");

async function importedTexts(file: string) {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const { slug } = await buildProject(store, owner);
  const report = await importFiles({ store, slug, files: [file] });
  const texts: string[] = [];
  for await (const batch of iterateVisiblePosts({ store, slug }))
    for (const post of batch) texts.push(`${post.sourceId}|${post.text}`);
  return { report, texts: texts.sort(), formats: report.formats };
}

const pairs = [
  ["reddit-thread.json", "reddit-thread-utf16le.json"],
  ["reddit-thread.json", "reddit-thread-utf16be.json"],
  ["reddit-thread.json", "reddit-thread-utf8-bom.json"],
  ["reddit-arctic-shift.ndjson", "reddit-arctic-shift-utf16le.ndjson"],
  ["4cat-export.csv", "4cat-export-utf16le.csv"],
  ["4cat-export.csv", "4cat-export-utf8-bom.csv"],
];

test.each(pairs)("%s and its re-encoding %s import the same posts", async (original, encoded) => {
  const plain = await importedTexts(path.join(FIXTURES, original));
  const other = await importedTexts(path.join(FIXTURES, "encodings", encoded));
  expect(plain.report.posts).toBeGreaterThan(0);
  expect(other.formats).toEqual(plain.formats);
  expect(other.report).toMatchObject({
    posts: plain.report.posts,
    threads: plain.report.threads,
    members: plain.report.members,
    orphans: plain.report.orphans,
    skipped: 0,
  });
  expect(other.texts).toEqual(plain.texts);
});

test("a UTF-16 file holding bytes that are not UTF-16 is refused with its file and line", async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "netno-utf16-"));
  const file = path.join(dir, "broken.json");
  // A BOM, then a lone high surrogate: not UTF-16 text.
  await writeFile(file, Buffer.from([0xff, 0xfe, 0x7b, 0x00, 0x00, 0xd8, 0x7d, 0x00]));
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const { slug } = await buildProject(store, owner);
  await expect(importFiles({ store, slug, files: [file], format: "reddit" })).rejects.toThrow(
    /broken\.json, line 1: The line is not valid UTF-16LE text/,
  );
});
