// Evaluation: do NLP suggestions reach every code that has enough coded examples? On real data with a
// ground truth nobody here wrote: the Stack Exchange quantum computing dump in ../shared/data, whose
// questions carry their askers' tags. The most used tags become codes; two questions in three of each
// tag are coded with it (the whole question), the third is held out uncoded. `computeSuggestions` then
// runs as `netno suggest` does, and per code we count the held-out questions that received a
// suggestion of their own tag (coverage) and, among that code's suggestions on tagged questions, the
// share whose question carries the tag (precision: `right` of `onTagged`, per code and overall; and
// `byQuestion`, counting several passages of one question once). Both are reported with the CLI's
// default limit, with every suggestion, and code by code (`--code`).
// Usage: npx tsx scripts/bench/suggestion-coverage.ts [--tags 8] [--dump ../shared/data/stackexchange-quantumcomputing]
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createFirstAdmin } from "../../research/accounts/index.js";
import { applyCode, createCodes } from "../../research/coding/index.js";
import { importFiles, iterateVisiblePosts } from "../../research/collection/index.js";
import { computeSuggestions, type Suggestion } from "../../research/nlp/suggestions.js";
import { createProject } from "../../research/projects/index.js";
import { closeAllSql, getStore } from "../../research/store/index.js";
import { argNumber, argString, log, writeResult } from "./lib.js";

const dump = path.resolve(
  argString("--dump", path.resolve("../shared/data/stackexchange-quantumcomputing")),
);
const tagCount = argNumber("--tags", 8);
const SLUG = "coverage";

function questionTags(xml: string): Map<string, string[]> {
  const tags = new Map<string, string[]>();
  for (const row of xml.matchAll(/<row [^>]*PostTypeId="1"[^>]*>/g)) {
    const id = /\bId="(\d+)"/.exec(row[0])?.[1];
    const raw = /\bTags="([^"]*)"/.exec(row[0])?.[1];
    if (!id || !raw) continue;
    const decoded = raw.replace(/&lt;/g, "<").replace(/&gt;/g, ">");
    const list = decoded.includes("<")
      ? [...decoded.matchAll(/<([^>]+)>/g)].map((m) => m[1])
      : decoded.split("|").filter(Boolean);
    tags.set(`p${id}`, list);
  }
  return tags;
}

type Scored = {
  covered: number;
  heldOut: number;
  right: number;
  onTagged: number;
  /** The same counted by question: several passages of one question count once. */
  rightQuestions: number;
  taggedQuestions: number;
  total: number;
};

function score(
  suggestions: Suggestion[],
  codeOfTag: Map<string, string>,
  heldOut: Map<string, Set<string>>,
  tagsOfPost: Map<string, string[]>,
): Map<string, Scored> {
  const result = new Map<string, Scored>();
  for (const [tag, codeId] of codeOfTag) {
    const mine = suggestions.filter((s) => s.codeId === codeId);
    const held = heldOut.get(tag) ?? new Set();
    const reached = new Set(mine.map((s) => s.sourceId).filter((id) => held.has(id)));
    const onTagged = mine.filter((s) => tagsOfPost.has(s.sourceId));
    const tagged = new Set(onTagged.map((s) => s.sourceId));
    result.set(tag, {
      rightQuestions: [...tagged].filter((id) => tagsOfPost.get(id)!.includes(tag)).length,
      taggedQuestions: tagged.size,
      covered: reached.size,
      heldOut: held.size,
      right: onTagged.filter((s) => tagsOfPost.get(s.sourceId)!.includes(tag)).length,
      onTagged: onTagged.length,
      total: mine.length,
    });
  }
  return result;
}

async function main() {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "netno-coverage-"));
  const store = getStore(dataDir, null);
  try {
    const owner = await createFirstAdmin({
      store,
      name: "Eval",
      email: "eval@example.org",
      password: "a long password",
    });
    await createProject({ store, slug: SLUG, title: "Coverage", ownerId: owner.id });
    const files = (await readdir(dump))
      .filter((f) => f.endsWith(".xml"))
      .map((f) => path.join(dump, f));
    await importFiles({ store, slug: SLUG, files });
    const tagsBySource = questionTags(await readFile(path.join(dump, "Posts.xml"), "utf8"));
    const questions = new Map<string, { id: string; length: number; tags: string[] }>();
    for await (const batch of iterateVisiblePosts({ store, slug: SLUG })) {
      for (const post of batch) {
        const tags = tagsBySource.get(post.sourceId);
        if (tags) questions.set(post.id, { id: post.id, length: [...post.text].length, tags });
      }
    }
    const frequency = new Map<string, number>();
    for (const q of questions.values())
      for (const tag of q.tags) frequency.set(tag, (frequency.get(tag) ?? 0) + 1);
    const chosen = [...frequency]
      .sort((a, b) => b[1] - a[1])
      .slice(0, tagCount)
      .map(([tag]) => tag);
    const codes = await createCodes({
      store,
      slug: SLUG,
      userId: owner.id,
      codes: chosen.map((tag) => ({ name: tag })),
    });
    const codeOfTag = new Map(chosen.map((tag, i) => [tag, codes[i].id]));
    const heldOut = new Map<string, Set<string>>();
    const tagsOfPost = new Map<string, string[]>();
    let coded = 0;
    for (const tag of chosen) {
      const tagged = [...questions.values()].filter((q) => q.tags.includes(tag));
      for (const [i, q] of tagged.entries()) {
        tagsOfPost.set(q.id, q.tags);
        if (i % 3 === 2) {
          heldOut.set(tag, (heldOut.get(tag) ?? new Set()).add(q.id));
          continue;
        }
        await applyCode({
          store,
          slug: SLUG,
          coderId: owner.id,
          codeIds: [codeOfTag.get(tag)!],
          span: { sourceType: "post", sourceId: q.id, start: 0, end: q.length },
        });
        coded++;
      }
    }
    // A held-out question of one tag may be coded with another of its tags: it stays held out for
    // the tag it was held out for, since only codings of that code are missing there.
    log(`${questions.size} questions, ${coded} codings over ${chosen.length} tags`);
    const runs: Record<string, Map<string, Scored>> = {};
    const started = performance.now();
    runs["limit 100 (CLI default)"] = score(
      await computeSuggestions({ store, slug: SLUG, limit: 100 }),
      codeOfTag,
      heldOut,
      tagsOfPost,
    );
    runs["every suggestion"] = score(
      await computeSuggestions({ store, slug: SLUG, limit: 1_000_000 }),
      codeOfTag,
      heldOut,
      tagsOfPost,
    );
    const perCode: Suggestion[] = [];
    for (const tag of chosen)
      perCode.push(...(await computeSuggestions({ store, slug: SLUG, codeName: tag, limit: 100 })));
    runs["--code, limit 100 each"] = score(perCode, codeOfTag, heldOut, tagsOfPost);
    const seconds = Math.round((performance.now() - started) / 100) / 10;
    const report: Record<string, unknown> = { dump, tags: chosen, coded, seconds };
    for (const [name, scored] of Object.entries(runs)) {
      const rows = [...scored].map(([tag, s]) => ({
        tag,
        heldOut: s.heldOut,
        coverage: s.heldOut ? Math.round((s.covered / s.heldOut) * 100) : null,
        precision: s.onTagged ? Math.round((s.right / s.onTagged) * 100) : null,
        right: s.right,
        onTagged: s.onTagged,
        byQuestion: s.taggedQuestions
          ? Math.round((s.rightQuestions / s.taggedQuestions) * 100)
          : null,
        suggestions: s.total,
      }));
      const held = rows.reduce((n, r) => n + r.heldOut, 0);
      const covered = [...scored.values()].reduce((n, s) => n + s.covered, 0);
      const reached = rows.filter((r) => r.suggestions > 0).length;
      const right = rows.reduce((n, r) => n + r.right, 0);
      const onTagged = rows.reduce((n, r) => n + r.onTagged, 0);
      const precision = onTagged ? Math.round((right / onTagged) * 100) : null;
      const rightQuestions = [...scored.values()].reduce((n, s) => n + s.rightQuestions, 0);
      const taggedQuestions = [...scored.values()].reduce((n, s) => n + s.taggedQuestions, 0);
      console.log(
        `\n${name}: ${covered} of ${held} held-out questions reached (${Math.round((covered / held) * 100)}%), ${reached} of ${rows.length} codes get suggestions, precision ${right} of ${onTagged} suggestions (${precision}%), ${rightQuestions} of ${taggedQuestions} questions`,
      );
      console.table(rows);
      report[name] = {
        covered,
        held,
        codesReached: reached,
        right,
        onTagged,
        precision,
        rightQuestions,
        taggedQuestions,
        rows,
      };
    }
    log(`written to ${await writeResult("suggestion-coverage", report)}`);
  } finally {
    await closeAllSql();
    await rm(dataDir, { recursive: true, force: true });
  }
}

void main();
