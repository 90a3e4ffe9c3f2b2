import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { expect, test } from "vitest";
import { importFiles } from "../../research/collection/index.js";
import { projectSql } from "../../research/collection/corpus.js";
import { buildProject, buildStore, buildUser } from "../factories.js";

async function csvWithOneLongPost(length: number): Promise<string> {
  const folder = await mkdtemp(path.join(os.tmpdir(), "netno-limits-"));
  const file = path.join(folder, "long.csv");
  await writeFile(
    file,
    [
      "id,thread,parent,author,body,timestamp,title,url",
      "1,t1,,ana,a short first post,2024-06-01T10:00:00Z,Hello,",
      `2,t1,1,bo,${"é".repeat(length)},2024-06-01T11:00:00Z,,`,
      "3,t1,1,cy,another short one,2024-06-01T12:00:00Z,,",
    ].join("\n"),
  );
  return file;
}

test("a post longer than the limit stops the import with its file and record, and nothing is stored", async () => {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const { slug } = await buildProject(store, owner);
  const file = await csvWithOneLongPost(120);
  await expect(importFiles({ store, slug, files: [file], maxPostChars: 100 })).rejects.toThrow(
    /long\.csv, record 2: the post's text has 120 characters, more than the 100 one post may hold/,
  );
  const { db, projectId } = await projectSql({ store, slug });
  const posts = await db
    .selectFrom("posts")
    .select("id")
    .where("project_id", "=", projectId)
    .execute();
  expect(posts).toHaveLength(0);

  // Skipping invalid records keeps the others; a text at the limit is fine (counted in characters).
  const report = await importFiles({
    store,
    slug,
    files: [file],
    maxPostChars: 100,
    skipInvalid: true,
  });
  expect(report).toMatchObject({ posts: 2, skipped: 1 });
  expect(report.invalid[0]).toMatchObject({ record: "2" });
  const atLimit = await csvWithOneLongPost(100);
  const second = await buildProject(store, owner);
  expect(
    await importFiles({ store, slug: second.slug, files: [atLimit], maxPostChars: 100 }),
  ).toMatchObject({ posts: 3 });
});

test("a CSV file in Latin-1 is refused at its first non-UTF-8 row instead of stored as mojibake", async () => {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const { slug } = await buildProject(store, owner);
  const folder = await mkdtemp(path.join(os.tmpdir(), "netno-latin1-"));
  const file = path.join(folder, "latin1.csv");
  const text = [
    "id,thread,parent,author,body,timestamp,title,url",
    "1,t1,,ana,plain ascii,2024-06-01T10:00:00Z,Hello,",
    "2,t1,1,bo,café crème,2024-06-01T11:00:00Z,,",
  ].join("\n");
  await writeFile(file, Buffer.from(text, "latin1"));
  await expect(importFiles({ store, slug, files: [file] })).rejects.toThrow(
    /latin1\.csv, line 3: The row is not valid UTF-8 text/,
  );
  const utf8 = path.join(folder, "utf8.csv");
  await writeFile(utf8, text);
  expect(await importFiles({ store, slug, files: [utf8] })).toMatchObject({ posts: 2 });
});

test("a truncated mbox does not import its cut-off last message as an empty post", async () => {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const { slug } = await buildProject(store, owner);
  const folder = await mkdtemp(path.join(os.tmpdir(), "netno-mbox-"));
  const file = path.join(folder, "list.mbox");
  const complete = [
    "From ana@example.org Mon Jun  3 10:00:00 2024",
    "From: Ana <ana@example.org>",
    "Subject: Solar panels",
    "Message-ID: <1@example.org>",
    "Date: Mon, 3 Jun 2024 10:00:00 +0000",
    "",
    "Has anyone fitted panels to a van?",
    "",
  ];
  const cut = [
    "From bo@example.org Mon Jun  3 11:00:00 2024",
    "From: Bo <bo@example.org>",
    "Subject: Re: Solar panels",
    "Message-ID: <2@example.org>",
    "In-Reply-To: <1@example.org>",
  ];
  await writeFile(file, [...complete, ...cut].join("\n"));
  await expect(importFiles({ store, slug, files: [file] })).rejects.toThrow(
    /list\.mbox, line 9: The message is cut off before its body/,
  );
  const report = await importFiles({ store, slug, files: [file], skipInvalid: true });
  expect(report).toMatchObject({ posts: 1, skipped: 1 });
});
