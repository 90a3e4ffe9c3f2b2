import { writeFile } from "node:fs/promises";
import path from "node:path";
import { expect, test } from "vitest";
import { createFieldNote, importFiles, listFieldNotes } from "../../research/collection/index.js";
import { findEvidenceSegments } from "../../research/reporting/report-queries.js";
import { jsonWithoutNul, withoutNul } from "../../research/store/sql/nul-characters.js";
import { buildTwoCoderProject, scratchDir } from "../factories.js";
import { readStoredCorpus } from "../helpers/corpus-rows.js";

const NUL = "\u0000";
const REPLACED = "\uFFFD";

test("NUL characters become U+FFFD in text and in JSON text, and a written backslash-u0000 stays", () => {
  expect(withoutNul(`a${NUL}b${NUL}`)).toBe(`a${REPLACED}b${REPLACED}`);
  expect(withoutNul("plain")).toBe("plain");
  const json = JSON.stringify([`a${NUL}b`, "\\u0000 written out", `\\${NUL}`]);
  expect(JSON.parse(jsonWithoutNul(json))).toEqual([
    `a${REPLACED}b`,
    "\\u0000 written out",
    `\\${REPLACED}`,
  ]);
});

test("a field note, a find and an import carrying NUL characters are stored as U+FFFD on either engine", async () => {
  const { store, slug, ana } = await buildTwoCoderProject();
  const note = await createFieldNote({
    store,
    slug,
    authorId: ana.id,
    kind: "observational",
    title: `Night${NUL}shift`,
    markdown: `They wrote ${NUL} in the chat.`,
    links: [{ type: "member", id: `someone${NUL}` }],
  });
  const [stored] = (await listFieldNotes({ store, slug })).filter((n) => n.id === note.id);
  expect(stored.title).toBe(`Night${REPLACED}shift`);
  expect(stored.markdown).toBe(`They wrote ${REPLACED} in the chat.`);
  expect([...stored.markdown]).toHaveLength([...`They wrote ${NUL} in the chat.`].length);
  expect(stored.links).toEqual([{ type: "member", id: `someone${REPLACED}` }]);

  await expect(
    findEvidenceSegments({ store, slug, finder: { codeId: null, words: `chat${NUL}` } }),
  ).resolves.toEqual({ segments: [], matching: 0 });

  const dir = await scratchDir("netno-nul-");
  const file = path.join(dir, "nul.ndjson");
  const lines = [
    {
      id: "n1",
      title: `Van${NUL} build`,
      selftext: `Rust${NUL}proofing first.`,
      author: `nul${NUL}user`,
    },
    {
      id: `n2${NUL}`,
      parent_id: "t3_n1",
      link_id: "t3_n1",
      body: `Agreed${NUL}.`,
      author: "plain_user",
    },
  ].map((record) => JSON.stringify({ ...record, created_utc: 1690000000, subreddit: "vans" }));
  await writeFile(file, lines.join("\n"));
  const first = await importFiles({ store, slug, files: [file] });
  expect(first.posts).toBe(2);
  const corpus = await readStoredCorpus(store, slug);
  const texts = corpus.posts.map((post) => post.text).join("\n");
  expect(texts).toContain(`Rust${REPLACED}proofing first.`);
  expect(texts).toContain(`Agreed${REPLACED}.`);
  expect(texts).not.toContain(NUL);
  expect(corpus.posts.find((post) => post.sourceId === `t1_n2${REPLACED}`)?.parentId).toBe(
    corpus.posts.find((post) => post.sourceId === "t3_n1")?.id,
  );
  // The same file again adds nothing: its keys are compared as they are stored.
  const again = await importFiles({ store, slug, files: [file] });
  expect([again.posts, again.members]).toEqual([0, 0]);
});
