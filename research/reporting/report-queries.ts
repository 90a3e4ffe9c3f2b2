import { createHash } from "node:crypto";
import { sql } from "kysely";
import { cachedOffThread } from "../analysis/analysis-cache.js";
import { countVisibleCodings, visibleCodings } from "../analysis/coding-queries.js";
import { projectSql, visiblePosts, visiblePostsOf } from "../collection/corpus.js";
import { coderNames } from "../coding/coders.js";
import { ConsentStatusSchema, type ConsentStatus } from "../entree/model.js";
import type { DocumentStore, Queryable } from "../store/index.js";
import { wordStartPattern } from "../store/sql/word-start.js";
import type { NamedMember } from "./cloaking.js";

/**
 * The queries behind reports: only the codings a report quotes, the names that may occur in them and
 * counts. Nothing here reads the whole corpus.
 */

const ID_CHUNK = 500;

export { cachedPerRevision } from "../collection/revision-cache.js";

/** A short fingerprint of some texts, for cache keys. */
export function hashOf(texts: string[]): string {
  const hash = createHash("sha256");
  for (const text of texts) hash.update(text).update("\u0001");
  return hash.digest("base64url").slice(0, 22);
}

export type ReportCoding = {
  id: string;
  codeId: string;
  sourceType: "post" | "fieldnote";
  sourceId: string;
  quote: string;
  /** The author of a coded post (null for field notes and deleted authors). */
  memberId: string | null;
};

/** The visible ones among the given codings (a post's author who opted out makes its codings vanish). */
export async function readReportCodings(
  db: Queryable,
  projectId: string,
  codingIds: Iterable<string>,
  /** Codings on posts outside these communities are left out (a report's scope). */
  communityIds: readonly string[] | null = null,
): Promise<Map<string, ReportCoding>> {
  const ids = [...new Set(codingIds)];
  const found = new Map<string, ReportCoding>();
  for (let i = 0; i < ids.length; i += ID_CHUNK) {
    const rows = await visibleCodings(db, projectId, communityIds)
      .leftJoin("posts as author_post", (join) =>
        join.onRef("author_post.id", "=", "c.source_id").on("c.source_type", "=", "post"),
      )
      .select([
        "c.id",
        "c.code_id",
        "c.source_type",
        "c.source_id",
        "c.quote",
        "author_post.member_id as member_id",
      ])
      .where("c.id", "in", ids.slice(i, i + ID_CHUNK))
      .execute();
    for (const row of rows) {
      found.set(row.id, {
        id: row.id,
        codeId: row.code_id,
        sourceType: row.source_type === "fieldnote" ? "fieldnote" : "post",
        sourceId: row.source_id,
        quote: row.quote,
        memberId: row.member_id,
      });
    }
  }
  return found;
}

const WORD = /[\p{L}\p{N}_]+/u;
const WORDS = /[\p{L}\p{N}_]+/gu;
const MEMBER_BATCH = 5_000;

/**
 * The members whose handle or display name may occur in the given texts, plus the given authors, with
 * their consent. Opted-out members are read here on purpose: their names must be disguised when others
 * mention them. Members are streamed as names only (no posts), and only those a text could name are kept:
 * a name that `disguiseNames` would replace starts with a word that occurs in the texts.
 */
export async function readNameBookMembers(
  db: Queryable,
  projectId: string,
  texts: string[],
  authorIds: Iterable<string>,
): Promise<{ members: NamedMember[]; consent: Map<string, ConsentStatus> }> {
  const haystack = texts.join("\n").toLowerCase();
  const words = new Set(haystack.match(WORDS) ?? []);
  const authors = new Set(authorIds);
  const mayOccur = (name: string) => {
    const lower = name.toLowerCase();
    const first = lower.match(WORD)?.[0];
    return first ? words.has(first) : lower.length > 0 && haystack.includes(lower);
  };
  const members: NamedMember[] = [];
  const consent = new Map<string, ConsentStatus>();
  let after = "";
  for (;;) {
    const rows = await db
      .selectFrom("members")
      .select(["id", "handle", "display_name", "pseudonym", "consent_status"])
      .where("project_id", "=", projectId)
      .where("id", ">", after)
      .orderBy("id")
      .limit(MEMBER_BATCH)
      .execute();
    for (const row of rows) {
      const names = [row.handle, row.handle.split("@")[0], row.display_name ?? ""];
      if (!authors.has(row.id) && !names.some(mayOccur)) continue;
      members.push({
        id: row.id,
        handle: row.handle,
        displayName: row.display_name,
        pseudonym: row.pseudonym,
      });
      const status = ConsentStatusSchema.safeParse(row.consent_status);
      if (status.success) consent.set(row.id, status.data);
    }
    if (rows.length < MEMBER_BATCH) break;
    after = rows[rows.length - 1].id;
  }
  return { members, consent };
}

/** Visible posts and distinct authors per community. */
export async function countCommunityActivity(
  db: Queryable,
  projectId: string,
): Promise<Map<string, { posts: number; members: number }>> {
  const rows = await visiblePosts(db, projectId)
    .select((eb) => [
      "p.community_id",
      eb.fn.countAll<number>().as("posts"),
      eb.fn.count<number>("p.member_id").distinct().as("members"),
    ])
    .groupBy("p.community_id")
    .execute();
  return new Map(
    rows.map((row) => [
      row.community_id,
      { posts: Number(row.posts), members: Number(row.members) },
    ]),
  );
}

/** Visible posts, threads and members of the communities a report covers. */
export async function countScopedCorpus(
  db: Queryable,
  projectId: string,
  communityIds: readonly string[],
): Promise<{ posts: number; threads: number; members: number }> {
  const row = await visiblePostsOf(db, projectId, communityIds)
    .select((eb) => [
      eb.fn.countAll<number>().as("posts"),
      eb.fn.count<number>("p.thread_id").distinct().as("threads"),
      eb.fn.count<number>("p.member_id").distinct().as("members"),
    ])
    .executeTakeFirstOrThrow();
  return { posts: Number(row.posts), threads: Number(row.threads), members: Number(row.members) };
}

export type EvidenceSegment = {
  /** The coding a theme cites (the first, when several coders marked the same passage with the code). */
  id: string;
  codeId: string;
  quote: string;
  /** Who coded it: one name, or several when coders agreed on the same passage. */
  coders: string[];
  /** Where it comes from, as researchers see it: the thread and the author's pseudonym, or the note. */
  source: string;
};

/** Which coded passages the evidence picker lists: those of one code, with all of some words. */
export type EvidenceFinder = { codeId: string | null; words: string };

/** One page of the evidence picker: the first passages that match, and how many match in all. */
export type EvidenceListing = { segments: EvidenceSegment[]; matching: number };

/** More words than anyone types to find a passage; the rest are ignored. */
const MAX_FINDER_WORDS = 12;

/** The words a finder looks for, lower-cased (each must start a word of the passage, in any order). */
export function finderWords(words: string): string[] {
  return [...new Set(words.toLowerCase().split(/\s+/).filter(Boolean))].slice(0, MAX_FINDER_WORDS);
}

/**
 * Coded segments a theme can cite (visible sources only), oldest first, as many as `limit`: one entry per
 * code and passage, however many coders marked it, with who coded it and where it comes from. A large
 * project has far more than a form can list, so the finder narrows them to one code and to passages with
 * all of some words; `matching` says how many there are in all.
 */
export async function findEvidenceSegments({
  store,
  slug,
  finder = { codeId: null, words: "" },
  limit = 200,
  quoteLength = 140,
}: {
  store: DocumentStore;
  slug: string;
  finder?: EvidenceFinder;
  limit?: number;
  quoteLength?: number;
}): Promise<EvidenceListing> {
  // Grouped and filtered over every coding: kept per revision, read on the analysis worker.
  const { matching, rows } = await cachedOffThread({
    store,
    slug,
    kind: "evidenceRows",
    args: { codeId: finder.codeId, words: finderWords(finder.words), limit },
  });
  const names = await coderNames({ store, slug });
  const segments = new Map<string, EvidenceSegment>();
  for (const row of rows) {
    const key = passageKey(row);
    const coder = names.get(row.coder_id) ?? "a former coder";
    const known = segments.get(key);
    if (known) {
      if (!known.coders.includes(coder)) known.coders.push(coder);
      continue;
    }
    segments.set(key, {
      id: row.id,
      codeId: row.code_id,
      quote: [...row.quote].slice(0, quoteLength).join(""),
      coders: [coder],
      source:
        row.note_title !== null
          ? `field note “${row.note_title}”`
          : `${row.pseudonym ?? "a former member"} in “${row.thread_title ?? "a thread"}”`,
    });
  }
  return { segments: [...segments.values()], matching };
}

/** One coded passage: a code on one span of one source (several coders' codings may share it). */
function passageKey(row: {
  code_id: string;
  source_id: string;
  start_cp: number | string | bigint;
  end_cp: number | string | bigint;
}): string {
  return `${row.code_id}|${row.source_id}|${Number(row.start_cp)}|${Number(row.end_cp)}`;
}

/**
 * The first `limit` visible coded passages (code, source and span) matching the finder, oldest first, with
 * every coding of each (who coded it, where it comes from), and how many passages match in all.
 */
export async function readEvidenceRows({
  store,
  slug,
  codeId,
  words,
  limit,
}: {
  store: DocumentStore;
  slug: string;
  codeId: string | null;
  /** Words each passage must hold the start of a word with, in any case (finderWords). */
  words: string[];
  limit: number;
}) {
  const { database, db, projectId } = await projectSql({ store, slug });
  let found = visibleCodings(db, projectId);
  if (codeId) found = found.where("c.code_id", "=", codeId);
  for (const word of words)
    found = found.where(
      database.engine === "sqlite"
        ? sql<boolean>`netno_word_start(c.quote, ${word})`
        : sql<boolean>`c.quote ~* ${wordStartPattern(word)}`,
    );
  const passages = await found
    .select((eb) => [
      "c.code_id",
      "c.source_id",
      "c.start_cp",
      "c.end_cp",
      eb.fn.min("c.created_at").as("first_at"),
      sql<number>`count(*) over ()`.as("matching"),
    ])
    .groupBy(["c.code_id", "c.source_id", "c.start_cp", "c.end_cp"])
    .orderBy("first_at")
    .orderBy("c.source_id")
    .orderBy("c.start_cp")
    .orderBy("c.end_cp")
    .orderBy("c.code_id")
    .limit(limit)
    .execute();
  if (passages.length === 0) return { matching: 0, rows: [] };
  const order = new Map(passages.map((passage, index) => [passageKey(passage), index]));
  const codings = await db
    .selectFrom("codings as c")
    .leftJoin("posts as sp", (join) =>
      join.onRef("sp.id", "=", "c.source_id").on("c.source_type", "=", "post"),
    )
    .leftJoin("threads as st", "st.id", "sp.thread_id")
    .leftJoin("members as sm", "sm.id", "sp.member_id")
    .leftJoin("field_notes as sf", (join) =>
      join.onRef("sf.id", "=", "c.source_id").on("c.source_type", "=", "fieldnote"),
    )
    .select([
      "c.id",
      "c.code_id",
      "c.quote",
      "c.coder_id",
      "c.source_id",
      "c.start_cp",
      "c.end_cp",
      "st.title as thread_title",
      "sm.pseudonym as pseudonym",
      "sf.title as note_title",
    ])
    .where("c.project_id", "=", projectId)
    .where("c.code_id", "in", [...new Set(passages.map((passage) => passage.code_id))])
    .where("c.source_id", "in", [...new Set(passages.map((passage) => passage.source_id))])
    .orderBy("c.created_at")
    .orderBy("c.id")
    .execute();
  const rank = (row: (typeof codings)[number]) => order.get(passageKey(row));
  const rows = codings.filter((row) => rank(row) !== undefined).sort((a, b) => rank(a)! - rank(b)!);
  return { matching: Number(passages[0].matching), rows };
}

/** How many codings the project's visible sources carry (in a report's scope), per revision, off-thread. */
export async function countReportCodings({
  store,
  slug,
  communityIds,
}: {
  store: DocumentStore;
  slug: string;
  communityIds: readonly string[] | null;
}): Promise<number> {
  return cachedOffThread({ store, slug, kind: "visibleCodings", args: { communityIds } });
}

/** Counts what countReportCodings describes, on this thread and without its cache. */
export async function countVisibleCodingsOf({
  store,
  slug,
  communityIds,
}: {
  store: DocumentStore;
  slug: string;
  communityIds: readonly string[] | null;
}): Promise<number> {
  const { db, projectId } = await projectSql({ store, slug });
  return countVisibleCodings(db, projectId, communityIds);
}

/** The original wording of the given coded segments (researchers see it to write paraphrases). */
export async function getQuoteOriginals({
  store,
  slug,
  codingIds,
}: {
  store: DocumentStore;
  slug: string;
  codingIds: Iterable<string>;
}): Promise<Map<string, string>> {
  const { db, projectId } = await projectSql({ store, slug });
  const codings = await readReportCodings(db, projectId, codingIds);
  return new Map([...codings.values()].map((coding) => [coding.id, coding.quote]));
}

/** Whether every given id is a coding of the project (themes may only cite the project's segments). */
export async function codingsExist(
  db: Queryable,
  projectId: string,
  codingIds: string[],
): Promise<boolean> {
  const ids = [...new Set(codingIds)];
  for (let i = 0; i < ids.length; i += ID_CHUNK) {
    const chunk = ids.slice(i, i + ID_CHUNK);
    const row = await db
      .selectFrom("codings")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("project_id", "=", projectId)
      .where("id", "in", chunk)
      .executeTakeFirstOrThrow();
    if (Number(row.n) !== chunk.length) return false;
  }
  return true;
}
