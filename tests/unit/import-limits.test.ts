import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { expect, test } from "vitest";
import { importFiles } from "../../research/collection/index.js";
import { projectSql } from "../../research/collection/corpus.js";
import { buildProject, buildStore, buildUser, scratchDir } from "../factories.js";

async function csvWithOneLongPost(length: number): Promise<string> {
  const folder = await scratchDir("netno-limits-");
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
  const folder = await scratchDir("netno-latin1-");
  const file = path.join(folder, "latin1.csv");
  const text = [
    "id,thread,parent,author,body,timestamp,title,url",
    "1,t1,,ana,plain ascii,2024-06-01T10:00:00Z,Hello,",
    "2,t1,1,bo,café crème,2024-06-01T11:00:00Z,,",
  ].join("\n");
  await writeFile(file, Buffer.from(text, "latin1"));
  await expect(importFiles({ store, slug, files: [file] })).rejects.toThrow(
    /latin1\.csv, line 3: The row is not valid UTF-8 text\. .*--encoding windows-1252/,
  );
  const utf8 = path.join(folder, "utf8.csv");
  await writeFile(utf8, text);
  expect(await importFiles({ store, slug, files: [utf8] })).toMatchObject({ posts: 2 });
});

test("a Latin-1 file imports as it is when its encoding is named; a byte-order mark still wins", async () => {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const { slug } = await buildProject(store, owner);
  const folder = await scratchDir("netno-latin1-");
  const csv = path.join(folder, "latin1.csv");
  await writeFile(
    csv,
    Buffer.from(
      [
        "id,thread,parent,author,body,timestamp,title,url",
        "1,t1,,ana,café crème à la gare,2024-06-01T10:00:00Z,Hello,",
      ].join("\n"),
      "latin1",
    ),
  );
  const json = path.join(folder, "thread-latin1.json");
  const thread = JSON.parse(
    await readFile(path.resolve(__dirname, "../fixtures/reddit-thread.json"), "utf8"),
  ) as unknown;
  const accented = JSON.stringify(thread).replace(/inverter/g, "onduleur à bord");
  await writeFile(json, Buffer.from(accented, "latin1"));
  const bom = path.join(folder, "bom.csv");
  await writeFile(
    bom,
    "\uFEFFid,thread,parent,author,body,timestamp,title,url\n9,t9,,cy,naïve déjà vu,2024-06-02T10:00:00Z,Hi,",
  );
  await importFiles({ store, slug, files: [csv, json, bom], encoding: "windows-1252" });
  const { db, projectId } = await projectSql({ store, slug });
  const texts = (
    await db.selectFrom("posts").select("text").where("project_id", "=", projectId).execute()
  ).map((row) => row.text);
  expect(texts).toContain("café crème à la gare");
  expect(texts).toContain("naïve déjà vu");
  expect(texts.some((text) => text.includes("onduleur à bord"))).toBe(true);
  expect(texts.join("")).not.toMatch(/Ã|\uFFFD/);
});

test("a truncated mbox does not import its cut-off last message as an empty post", async () => {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const { slug } = await buildProject(store, owner);
  const folder = await scratchDir("netno-mbox-");
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
