import { readFile, readdir, writeFile, truncate } from "node:fs/promises";
import path from "node:path";
import { expect, test } from "vitest";
import { importFiles } from "../../research/collection/index.js";
import { getProjectStats } from "../../research/projects/index.js";
import { isResearchError } from "../../research/shared/errors.js";
import type { DocumentStore } from "../../research/store/index.js";
import { buildProject, buildStore, buildUser, scratchDir, SHARED_DATA } from "../factories.js";
import { dumpCorpusTables, readStoredCorpus } from "../helpers/corpus-rows.js";

const FIXTURES = path.resolve(__dirname, "../fixtures");

async function setup() {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const project = await buildProject(store, owner);
  await importFiles({
    store,
    slug: project.slug,
    files: [path.join(FIXTURES, "reddit-thread.json")],
  });
  const before = await snapshot(store, project.slug);
  return { store, slug: project.slug, before };
}

/**
 * Every document file of the data directory with its content, and every row of the project's corpus
 * tables, to prove a failed import changed nothing. (The SQLite file itself is left out: a rolled-back
 * transaction may still touch its pages.)
 */
async function snapshot(store: DocumentStore, slug: string) {
  return { files: await documentFiles(store.root), tables: await dumpCorpusTables(store, slug) };
}

async function documentFiles(root: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  async function walk(dir: string) {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (!entry.name.startsWith("netno.sqlite"))
        files[path.relative(root, full)] = await readFile(full, "utf8");
    }
  }
  await walk(root);
  return files;
}

async function tempFile(name: string, content: string | Buffer): Promise<string> {
  const dir = await scratchDir("netno-bad-");
  const file = path.join(dir, name);
  await writeFile(file, content);
  return file;
}

async function expectFailure(promise: Promise<unknown>, pattern: RegExp) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(isResearchError(error)).toBe(true);
  expect((error as Error).message).toMatch(pattern);
  return error as Error & { location: Record<string, unknown> };
}

test("a 0-byte file is refused by name and nothing changes", async () => {
  const { store, slug, before } = await setup();
  const file = await tempFile("empty.json", "");
  await expectFailure(
    importFiles({ store, slug, files: [file] }),
    /empty\.json is empty \(0 bytes\)/,
  );
  expect(await snapshot(store, slug)).toEqual(before);
});

test("malformed JSON names the file and line", async () => {
  const { store, slug, before } = await setup();
  const file = await tempFile(
    "thread.json",
    '[{"kind": "Listing", "data": {"children": [\n{"kind": "t3", "data": {"id": "x",,}}]}}]',
  );
  const error = await expectFailure(
    importFiles({ store, slug, files: [file], format: "reddit" }),
    /thread\.json is not valid JSON at line 2/,
  );
  expect(error.location.line).toBe(2);
  expect(await snapshot(store, slug)).toEqual(before);
});

test("a truncated last NDJSON line stops the import with its line number unless invalid records are skipped", async () => {
  const { store, slug, before } = await setup();
  const full = await readFile(path.join(FIXTURES, "reddit-arctic-shift.ndjson"), "utf8");
  const file = await tempFile("dump.ndjson", full.trimEnd().slice(0, -25));
  const error = await expectFailure(
    importFiles({ store, slug, files: [file] }),
    /dump\.ndjson, line 6: Not valid JSON/,
  );
  expect(error.location).toMatchObject({ line: 6 });
  expect(await snapshot(store, slug)).toEqual(before);
  const report = await importFiles({ store, slug, files: [file], skipInvalid: true });
  expect(report).toMatchObject({ posts: 5, skipped: 1 });
  expect(report.invalid[0]).toMatchObject({ line: 6 });
});

test("a record missing a required field names record and field", async () => {
  const { store, slug, before } = await setup();
  const topic = JSON.parse(
    await readFile(path.join(SHARED_DATA, "discourse-ublock/discourse_topic_1148.json"), "utf8"),
  );
  delete topic.post_stream.posts[3].username;
  const file = await tempFile("topic.json", JSON.stringify(topic));
  const error = await expectFailure(
    importFiles({ store, slug, files: [file] }),
    /record post_stream\.posts\[3\], field username/,
  );
  expect(error.location).toMatchObject({ field: "username" });
  expect(await snapshot(store, slug)).toEqual(before);
});

test("a wrong format is named, not half-imported", async () => {
  const { store, slug, before } = await setup();
  await expectFailure(
    importFiles({
      store,
      slug,
      files: [path.join(SHARED_DATA, "discourse-ublock/discourse_topic_1148.json")],
      format: "mastodon",
    }),
    /looks like a discourse file, not mastodon/,
  );
  const unknown = await tempFile("notes.txt", "just some words\n");
  await expectFailure(
    importFiles({ store, slug, files: [unknown] }),
    /Cannot tell which platform notes\.txt comes from/,
  );
  expect(await snapshot(store, slug)).toEqual(before);
});

test("bad encoding is reported with the line", async () => {
  const { store, slug, before } = await setup();
  const bytes = Buffer.concat([
    Buffer.from('{"post_stream": {"posts": [], "stream": []},\n"title": "caf'),
    Buffer.from([0xe9, 0x22, 0x7d]),
  ]);
  const file = await tempFile("latin1.json", bytes);
  await expectFailure(
    importFiles({ store, slug, files: [file], format: "discourse" }),
    /latin1\.json is not valid UTF-8/,
  );
  expect(await snapshot(store, slug)).toEqual(before);
});

test("malformed XML in a Stack Exchange dump names the line", async () => {
  const { store, slug, before } = await setup();
  const dir = await scratchDir("netno-se-");
  const posts = await readFile(
    path.join(SHARED_DATA, "stackexchange-conlang-meta/Posts.xml"),
    "utf8",
  );
  await writeFile(path.join(dir, "Posts.xml"), posts.slice(0, 20_000) + '\n  <row Id="9" <broken');
  await expectFailure(
    importFiles({ store, slug, files: [dir] }),
    /Posts\.xml is not well-formed XML at line \d+/,
  );
  expect(await snapshot(store, slug)).toEqual(before);
});

test("a whole-document JSON file too large to parse is refused with advice, before reading it", async () => {
  const { store, slug } = await setup();
  const file = await tempFile("huge.json", '{"post_stream": {"posts": []}}');
  await truncate(file, 2 * 1024 ** 3); // a sparse 2 GB file
  await expectFailure(
    importFiles({ store, slug, files: [file], format: "discourse" }),
    /huge\.json is 2\.0 GB: too large to read as one JSON document.*NDJSON/,
  );
});

test("re-importing the same file, or an overlapping one, adds nothing twice", async () => {
  const { store, slug } = await setup();
  const statsBefore = await getProjectStats({ store, slug });
  const again = await importFiles({
    store,
    slug,
    files: [path.join(FIXTURES, "reddit-thread.json")],
  });
  expect(again).toMatchObject({ posts: 0, threads: 0, members: 0, duplicates: 6 });
  expect(await getProjectStats({ store, slug })).toEqual(statsBefore);
  const overlapping = JSON.parse(await readFile(path.join(FIXTURES, "reddit-thread.json"), "utf8"));
  overlapping[1].data.children.push({
    kind: "t1",
    data: {
      id: "c9",
      name: "t1_c9",
      parent_id: "t1_c5",
      link_id: "t3_1abcde",
      author: "newcomer",
      body: "New reply",
      created_utc: 1700009000,
      subreddit: "VanLife",
    },
  });
  const file = await tempFile("thread-later.json", JSON.stringify(overlapping));
  const later = await importFiles({ store, slug, files: [file] });
  expect(later).toMatchObject({ posts: 1, threads: 0, members: 1, duplicates: 6, orphans: 0 });
  const corpus = await readStoredCorpus(store, slug);
  expect(corpus.posts.find((post) => post.sourceId === "t1_c9")?.parentId).toBe(
    corpus.posts.find((post) => post.sourceId === "t1_c5")?.id,
  );
});

test("an orphan is linked once a later import brings its parent", async () => {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const project = await buildProject(store, owner);
  const lines = (await readFile(path.join(FIXTURES, "reddit-arctic-shift.ndjson"), "utf8"))
    .trim()
    .split("\n");
  const replies = await tempFile("replies.ndjson", lines.slice(1).join("\n"));
  const submissions = await tempFile("subs.ndjson", lines[0]);
  await importFiles({ store, slug: project.slug, files: [replies] });
  expect(
    (await readStoredCorpus(store, project.slug)).posts.find((p) => p.sourceId === "t1_k1")?.orphan,
  ).toBe(true);
  await importFiles({ store, slug: project.slug, files: [submissions] });
  expect(
    (await readStoredCorpus(store, project.slug)).posts.find((p) => p.sourceId === "t1_k1")?.orphan,
  ).toBe(false);
});

test("XSS in imported HTML is neutralised: script, event handlers, javascript: links", async () => {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const project = await buildProject(store, owner);
  const topic = JSON.parse(
    await readFile(path.join(SHARED_DATA, "discourse-ublock/discourse_topic_1148.json"), "utf8"),
  );
  topic.post_stream.posts[0].cooked =
    '<p>Hello<script>alert("x")</script> <img src=x onerror="alert(1)"> <a href="javascript:alert(2)">click</a> <a href="https://ok.example" onclick="steal()">ok</a></p>';
  const file = await tempFile("xss.json", JSON.stringify(topic));
  await importFiles({ store, slug: project.slug, files: [file] });
  const post = (await readStoredCorpus(store, project.slug)).posts.find((p) =>
    p.sourceId.endsWith("#1"),
  )!;
  expect(post.html).not.toMatch(/<script|onerror|onclick|javascript:/i);
  expect(post.html).toContain('href="https://ok.example"');
  expect(post.text).not.toContain("alert");
  expect(post.text).toContain("Hello");
});
