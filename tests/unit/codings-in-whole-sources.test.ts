import path from "node:path";
import { expect, test } from "vitest";
import {
  codingsInWholeSources,
  countCodeCooccurrence,
} from "../../research/analysis/coding-queries.js";
import { applyCode, createCodes } from "../../research/coding/index.js";
import { projectSql } from "../../research/collection/corpus.js";
import { importFiles, iterateVisiblePosts } from "../../research/collection/index.js";
import type { CorpusPost } from "../../research/collection/model.js";
import { buildProject, buildStore, buildUser } from "../factories.js";

const row = (source: string, n: number) => ({ source_type: "post", source_id: source, n });

test("batches of whole sources: a source cut by the batch comes again whole, a large one gets a larger batch", async () => {
  const rows = [row("a", 1), row("a", 2), row("b", 3), row("b", 4), row("b", 5), row("c", 6)];
  const reads: Array<{ after: string | null; limit: number }> = [];
  const read = async (after: [string, string] | null, limit: number) => {
    reads.push({ after: after?.[1] ?? null, limit });
    return rows.filter((r) => !after || r.source_id > after[1]).slice(0, limit);
  };
  const batches: number[][] = [];
  for await (const batch of codingsInWholeSources(read, 2)) batches.push(batch.map((r) => r.n));
  expect(batches).toEqual([[1, 2], [3, 4, 5], [6]]);
  // A batch of 2 holding one source only ("a", then "b") is read again with 4; the next batch is 2 again.
  expect(reads).toEqual([
    { after: null, limit: 2 },
    { after: null, limit: 4 },
    { after: "a", limit: 2 },
    { after: "a", limit: 4 },
    { after: "b", limit: 2 },
  ]);
  const none: number[][] = [];
  for await (const batch of codingsInWholeSources(async () => [] as typeof rows, 2))
    none.push(batch.map((r) => r.n));
  expect(none).toEqual([]);
});

test("code co-occurrence counts the same in batches of one row as in one batch", async () => {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const { slug } = await buildProject(store, owner);
  await importFiles({
    store,
    slug,
    files: [path.resolve(__dirname, "../fixtures/reddit-thread.json")],
  });
  const [fix, care, cost] = await createCodes({
    store,
    slug,
    userId: owner.id,
    codes: [{ name: "Fix" }, { name: "Care" }, { name: "Cost" }],
  });
  const posts: CorpusPost[] = [];
  for await (const batch of iterateVisiblePosts({ store, slug })) posts.push(...batch);
  const long = posts.filter((post) => [...post.text].length >= 20);
  const code = (post: number, codeIds: string[]) =>
    applyCode({
      store,
      slug,
      coderId: owner.id,
      codeIds,
      span: { sourceType: "post", sourceId: long[post].id, start: 0, end: 10 },
    });
  await code(0, [fix.id, care.id, cost.id]);
  await code(1, [fix.id, care.id]);
  await code(2, [cost.id]);
  const { db, projectId } = await projectSql({ store, slug });
  const whole = await countCodeCooccurrence(db, projectId);
  const oneRowAtATime = await countCodeCooccurrence(db, projectId, null, 1);
  expect(oneRowAtATime).toEqual(whole);
  expect(whole.sources.get(fix.id)).toBe(2);
  expect(whole.sources.get(cost.id)).toBe(2);
  const weight = (a: string, b: string) =>
    whole.pairs.find((p) => [p.source, p.target].sort().join() === [a, b].sort().join())?.weight;
  expect(weight(fix.id, care.id)).toBe(2);
  expect(weight(fix.id, cost.id)).toBe(1);
  expect(whole.pairs).toHaveLength(3);
});
