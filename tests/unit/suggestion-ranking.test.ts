// How suggestions rank within a code: by a naive Bayes model of the code's coded passages against the
// rest of the corpus, so a word the coded passages use often but every other post uses too ("roof" in a
// van forum) does not put a passage about something else first, as the mean of the coded passages
// (a BM25 centroid, compared by cosine) did.
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { expect, test } from "vitest";
import { applyCode, createCodes } from "../../research/coding/index.js";
import { importFiles, iterateVisiblePosts } from "../../research/collection/index.js";
import type { CorpusPost } from "../../research/collection/model.js";
import { computeSuggestions, runSuggestions } from "../../research/nlp/index.js";
import { buildProject, buildStore, buildUser, scratchDir } from "../factories.js";

const CODED = [
  "Solar on the roof. I put two solar panels on the roof, the roof rack holds them and the roof cable goes to the charge controller.",
  "Roof solar question. How many watts of solar panels fit on a van roof, and which charge controller for the roof panels?",
  "Finished the roof. The roof now has a solar panel, a roof fan and a roof rack; the charge controller sits under the bed.",
  "Solar panels and the roof vent. The solar panel cable goes through the roof next to the roof vent into the charge controller.",
];
const RIGHT =
  "After a long day of driving through the mountains with the dog, the charge controller finally showed the solar panels at ninety watts, enough for dinner, music and the laptop.";
const WRONG = "New roof rack on the roof.";
const OTHER = [
  "The roof rack rattles on the highway, any tips for the roof rack bolts?",
  "Rain again and the roof seam leaks onto the bed, the roof needs new sealant.",
  "Bought a used van with rust on the wheel arches and the doors.",
  "Where do you park at night in the city without being knocked on?",
  "The water pump stopped working after the winter, any ideas?",
  "Cooking in the van with a small stove and a window open.",
  "Insurance for a self build van went up again this year.",
  "The engine makes a ticking sound when cold, then it goes away.",
];

async function vanForum(): Promise<string> {
  const dir = await scratchDir("netno-ranking-");
  const file = path.join(dir, "forum.ndjson");
  const texts = [...CODED, RIGHT, WRONG, ...OTHER];
  const lines = texts.map((text, i) => {
    const [title, ...body] = text.split(". ");
    return JSON.stringify({
      id: `s${i}`,
      title: body.length ? title : text,
      selftext: body.join(". "),
      author: `member_${i % 5}`,
      created_utc: 1_690_000_000 + i * 600,
      subreddit: "vandwellers",
      permalink: `/r/vandwellers/comments/s${i}/x/`,
      num_comments: 0,
    });
  });
  await writeFile(file, lines.join("\n") + "\n");
  return file;
}

test("a code's suggestions put the passage its coded ones are about first, not one sharing their most frequent word", async () => {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const { slug } = await buildProject(store, owner);
  await importFiles({ store, slug, files: [await vanForum()] });
  const posts: CorpusPost[] = [];
  for await (const batch of iterateVisiblePosts({ store, slug })) posts.push(...batch);
  const [solar] = await createCodes({
    store,
    slug,
    userId: owner.id,
    codes: [{ name: "Power from the sun" }],
  });
  const byText = (start: string) => posts.find((post) => post.text.startsWith(start))!;
  for (const text of CODED) {
    const post = byText(text.split(". ")[0]);
    await applyCode({
      store,
      slug,
      coderId: owner.id,
      codeIds: [solar.id],
      span: { sourceType: "post", sourceId: post.id, start: 0, end: [...post.text].length },
    });
  }
  const suggestions = await computeSuggestions({ store, slug, limit: 10 });
  const similar = suggestions.filter((s) => s.kind === "similar");
  expect(similar.length).toBeGreaterThan(0);
  const right = byText(RIGHT.slice(0, 20));
  const wrong = byText(WRONG.slice(0, 20));
  expect(similar[0].sourceId).toBe(right.id);
  const rank = (postId: string) => similar.findIndex((s) => s.sourceId === postId);
  if (rank(wrong.id) >= 0) expect(rank(wrong.id)).toBeGreaterThan(rank(right.id));
  // The best passage of a code scores 1; the reason names the words that spoke for the code.
  expect(similar[0].score).toBe(1);
  expect(similar[0].reason).toMatch(
    /^Words typical of the 4 passages coded "Power from the sun": .*(solar|controller|watts).* \(naive Bayes log-odds \d+\.\d\d, its post -?\d+\.\d\d\)$/,
  );
  // One suggestion per post and code: its best passage.
  const keys = suggestions.map((s) => `${s.codeId}|${s.sourceId}`);
  expect(new Set(keys).size).toBe(keys.length);
  // Four coded passages are too few for a held-out estimate; the stored run says so.
  const report = await runSuggestions({ store, slug });
  expect(report.reach).toEqual([{ codeId: solar.id, codedPassages: 4, heldOut: 0, reached: 0 }]);
});
