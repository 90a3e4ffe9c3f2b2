import { sql } from "kysely";
import {
  bumpCodingsRevision,
  projectSql,
  projectSqlAs,
  visiblePosts,
} from "../collection/corpus.js";
import { projectKeys } from "../projects/model.js";
import { ResearchError } from "../shared/errors.js";
import { newId, nowIso } from "../shared/ids.js";
import { codePointLength, reanchorQuote, sliceCodePoints } from "../shared/text-offsets.js";
import { inTransaction, type DocumentStore, type Queryable } from "../store/index.js";
import type { SqlDatabase } from "../store/sql/database.js";
import type { CodingsTable } from "../store/sql/schema.js";
import { codebookFile, type CodebookFile, type Coding } from "./model.js";

/**
 * Codings are rows of the `codings` table: applying a code is one insert, removing it one delete, and
 * every read is a query shaped like its page. Codings of posts whose author opted out are left out inside
 * the query (through `visiblePosts`), codings of field notes only while the note exists.
 */

type WithProject = { store: DocumentStore; slug: string };
export type SourceRef = { sourceType: "post" | "fieldnote"; sourceId: string };
/** A span of a source's stored plain text, [start, end) in code points. */
export type Span = SourceRef & { start: number; end: number };

/** The columns of the unique key: one coder applies one code to one span once. */
const SPAN_KEY = [
  "project_id",
  "code_id",
  "source_type",
  "source_id",
  "start_cp",
  "end_cp",
  "coder_id",
] as const;

/** Chunks for `in (...)` lists and multi-row inserts (10 parameters a row stays far below the limits). */
const CHUNK = 500;

function chunks<T>(items: T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

type CodingRow = Pick<
  CodingsTable,
  | "id"
  | "code_id"
  | "source_type"
  | "source_id"
  | "start_cp"
  | "end_cp"
  | "quote"
  | "coder_id"
  | "created_at"
>;

function toCoding(row: CodingRow): Coding {
  return {
    id: row.id,
    codeId: row.code_id,
    sourceType: row.source_type === "fieldnote" ? "fieldnote" : "post",
    sourceId: row.source_id,
    start: Number(row.start_cp),
    end: Number(row.end_cp),
    quote: row.quote,
    coderId: row.coder_id,
    createdAt: row.created_at,
  };
}

const CODING_COLUMNS = [
  "c.id",
  "c.code_id",
  "c.source_type",
  "c.source_id",
  "c.start_cp",
  "c.end_cp",
  "c.quote",
  "c.coder_id",
  "c.created_at",
] as const;

/** The text a coding counts into, read in `db`: a visible post's text or a field note's Markdown. */
async function sourceTextIn(
  db: Queryable,
  projectId: string,
  ref: SourceRef,
): Promise<string | null> {
  if (ref.sourceType === "post") {
    const row = await visiblePosts(db, projectId)
      .select("p.text")
      .where("p.id", "=", ref.sourceId)
      .executeTakeFirst();
    return row?.text ?? null;
  }
  const row = await db
    .selectFrom("field_notes")
    .select("markdown")
    .where("project_id", "=", projectId)
    .where("id", "=", ref.sourceId)
    .executeTakeFirst();
  return row?.markdown ?? null;
}

function requireText(text: string | null, ref: SourceRef): string {
  if (text !== null) return text;
  if (ref.sourceType === "post") {
    throw new ResearchError("not-found", "No such post (or its author opted out).", {
      field: "sourceId",
    });
  }
  throw new ResearchError("not-found", "No such field note.", { field: "sourceId" });
}

/** The plain text a coding counts into: a visible post's text, or a field note's Markdown. */
export async function getSourceText({
  store,
  slug,
  sourceType,
  sourceId,
}: WithProject & SourceRef): Promise<string> {
  const { db, projectId } = await projectSql({ store, slug });
  const ref = { sourceType, sourceId };
  return requireText(await sourceTextIn(db, projectId, ref), ref);
}

function assertLiveCodes(codebook: CodebookFile, codeIds: string[]): void {
  for (const codeId of codeIds) {
    if (!codebook.codes.some((code) => code.id === codeId && !code.mergedInto)) {
      throw new ResearchError("invalid-input", "That code is not in the codebook.", {
        field: "codeId",
      });
    }
  }
}

function assertSpan(text: string, start: number, end: number): void {
  const length = codePointLength(text);
  if (
    !Number.isInteger(start) ||
    !Number.isInteger(end) ||
    start < 0 ||
    end > length ||
    start >= end
  ) {
    throw new ResearchError(
      "invalid-input",
      `The span [${start}, ${end}) is not inside the text (${length} characters).`,
      { field: "start" },
    );
  }
}

/**
 * Applies codes to a span of a post or field note. The span is checked against the stored text and the
 * quoted text is kept with the coding, so it can be re-anchored if offsets ever disagree with the text.
 * Applying the same code to the same span by the same coder twice adds nothing (the unique key refuses it).
 */
export async function applyCode({
  store,
  slug,
  span,
  codeIds,
  coderId,
}: WithProject & { span: Span; codeIds: string[]; coderId: string }): Promise<Coding[]> {
  // The coder is who acts: their role must allow coding.
  const { database, projectId } = await projectSqlAs({
    store,
    slug,
    userId: coderId,
    capability: "code",
  });
  if (codeIds.length === 0) {
    throw new ResearchError("invalid-input", "Choose at least one code.", { field: "codeId" });
  }
  assertLiveCodes(await store.read(codebookFile, projectKeys.codebook(slug)), codeIds);
  const apply: PendingApply = { projectId, span, codeIds, coderId };
  if (database.engine !== "sqlite")
    return inTransaction(database, (trx) => insertApplied(trx, apply));
  return committedWithOthers(database, apply);
}

type PendingApply = { projectId: string; span: Span; codeIds: string[]; coderId: string };

/**
 * One apply inside a transaction. The text is read in the transaction that stores the coding: on SQLite no
 * erasure can commit between the check and the insert, so no coding is left on a post that is gone.
 */
async function insertApplied(
  trx: Queryable,
  { projectId, span, codeIds, coderId }: PendingApply,
): Promise<Coding[]> {
  const text = requireText(await sourceTextIn(trx, projectId, span), span);
  assertSpan(text, span.start, span.end);
  const quote = sliceCodePoints(text, span.start, span.end);
  const createdAt = nowIso();
  const rows = [...new Set(codeIds)].map((codeId) => ({
    id: newId(),
    project_id: projectId,
    code_id: codeId,
    source_type: span.sourceType,
    source_id: span.sourceId,
    start_cp: span.start,
    end_cp: span.end,
    quote,
    coder_id: coderId,
    created_at: createdAt,
  }));
  const inserted = await trx
    .insertInto("codings")
    .values(rows)
    .onConflict((conflict) => conflict.columns([...SPAN_KEY]).doNothing())
    .returning("id")
    .execute();
  const stored = new Set(inserted.map((row) => row.id));
  if (stored.size > 0) await bumpCodingsRevision(trx, projectId);
  return rows.filter((row) => stored.has(row.id)).map(toCoding);
}

/** The most applies one commit carries. */
const MAX_APPLIES_PER_COMMIT = 50;

type Waiting = {
  apply: PendingApply;
  resolve: (codings: Coding[]) => void;
  reject: (error: unknown) => void;
};
type Outcome = { ok: true; codings: Coding[] } | { ok: false; error: unknown };

/** The applies waiting for the next commit, per open SQLite database (one or two per process). */
const waitingApplies = new WeakMap<SqlDatabase, { queue: Waiting[]; draining: boolean }>();

/**
 * Group commit on SQLite. Its commit syncs the write-ahead log to disk (synchronous = FULL) and, since
 * better-sqlite3 is synchronous, the whole server waits for that fsync (4 to 6 ms each on this kind of
 * machine while the disk is shared). Applies that arrive while one commits, or in the same turn of the event
 * loop, go into the next transaction together: one fsync for all of them. Each runs in its own savepoint, so
 * one refused apply (a post erased meanwhile, a span outside the text) is rolled back alone and its caller
 * gets its own error; every promise resolves only after the commit that holds its rows, so what is
 * acknowledged is on disk, as before. A lone apply is one transaction, exactly as before.
 */
function committedWithOthers(database: SqlDatabase, apply: PendingApply): Promise<Coding[]> {
  let waiting = waitingApplies.get(database);
  if (!waiting) {
    waiting = { queue: [], draining: false };
    waitingApplies.set(database, waiting);
  }
  const promise = new Promise<Coding[]>((resolve, reject) => {
    waiting.queue.push({ apply, resolve, reject });
  });
  if (!waiting.draining) {
    waiting.draining = true;
    const drain = waiting;
    setImmediate(() => void commitWaiting(database, drain));
  }
  return promise;
}

async function commitWaiting(
  database: SqlDatabase,
  waiting: { queue: Waiting[]; draining: boolean },
): Promise<void> {
  while (waiting.queue.length > 0) {
    const batch = waiting.queue.splice(0, MAX_APPLIES_PER_COMMIT);
    let outcomes: Outcome[] = [];
    try {
      outcomes = await inTransaction(database, async (trx) => {
        if (batch.length === 1)
          return [{ ok: true as const, codings: await insertApplied(trx, batch[0].apply) }];
        const done: Outcome[] = [];
        for (const { apply } of batch) {
          await sql`savepoint apply_code`.execute(trx);
          try {
            const codings = await insertApplied(trx, apply);
            await sql`release apply_code`.execute(trx);
            done.push({ ok: true, codings });
          } catch (error) {
            await sql`rollback to apply_code`.execute(trx);
            await sql`release apply_code`.execute(trx);
            done.push({ ok: false, error });
          }
        }
        return done;
      });
    } catch (error) {
      // Nothing of the batch was stored (the transaction, or its commit, failed).
      for (const { reject } of batch) reject(error);
      continue;
    }
    batch.forEach(({ resolve, reject }, i) => {
      const outcome = outcomes[i];
      if (outcome.ok) resolve(outcome.codings);
      else reject(outcome.error);
    });
  }
  waiting.draining = false;
}

/** Removes a coding (`userId` is who acts). */
export async function removeCoding({
  store,
  slug,
  codingId,
  userId,
}: WithProject & { codingId: string; userId: string }): Promise<void> {
  const { database, projectId } = await projectSqlAs({ store, slug, userId, capability: "code" });
  await inTransaction(database, async (trx) => {
    const result = await trx
      .deleteFrom("codings")
      .where("project_id", "=", projectId)
      .where("id", "=", codingId)
      .executeTakeFirst();
    // Thrown inside the transaction, so the revision is not bumped for nothing.
    if (Number(result.numDeletedRows) === 0)
      throw new ResearchError("not-found", "No such coding.");
    await bumpCodingsRevision(trx, projectId);
  });
}

/**
 * Gives a coded span another code. When the coder already gave the span that code, the coding being
 * re-coded goes (one coding per code, span and coder).
 */
export async function recodeCoding({
  store,
  slug,
  codingId,
  codeId,
  userId,
}: WithProject & { codingId: string; codeId: string; userId: string }): Promise<void> {
  const { database, projectId } = await projectSqlAs({ store, slug, userId, capability: "code" });
  assertLiveCodes(await store.read(codebookFile, projectKeys.codebook(slug)), [codeId]);
  await inTransaction(database, async (trx) => {
    const coding = await trx
      .selectFrom("codings")
      .selectAll()
      .where("project_id", "=", projectId)
      .where("id", "=", codingId)
      .executeTakeFirst();
    if (!coding) throw new ResearchError("not-found", "No such coding.");
    if (coding.code_id === codeId) return;
    const twin = await trx
      .selectFrom("codings")
      .select("id")
      .where("project_id", "=", projectId)
      .where("code_id", "=", codeId)
      .where("source_type", "=", coding.source_type)
      .where("source_id", "=", coding.source_id)
      .where("start_cp", "=", coding.start_cp)
      .where("end_cp", "=", coding.end_cp)
      .where("coder_id", "=", coding.coder_id)
      .executeTakeFirst();
    await bumpCodingsRevision(trx, projectId);
    if (twin) await trx.deleteFrom("codings").where("id", "=", codingId).execute();
    else
      await trx
        .updateTable("codings")
        .set({ code_id: codeId })
        .where("id", "=", codingId)
        .execute();
  });
}

/**
 * The project's codings (`c`) on sources any view may show, with the source joined for context: `sp` the
 * post and `sa` its author (null for notes), `sn` the field note (null for posts). The opt-out condition
 * is `visiblePosts` itself, probed once per coding, so it is the same condition every view uses.
 */
export function visibleCodingRows(db: Queryable, projectId: string) {
  return db
    .selectFrom("codings as c")
    .leftJoin("posts as sp", (join) =>
      join.onRef("sp.id", "=", "c.source_id").on("c.source_type", "=", "post"),
    )
    .leftJoin("members as sa", "sa.id", "sp.member_id")
    .leftJoin("field_notes as sn", (join) =>
      join
        .onRef("sn.id", "=", "c.source_id")
        .on("c.source_type", "=", "fieldnote")
        .on("sn.project_id", "=", projectId),
    )
    .where("c.project_id", "=", projectId)
    .where((eb) =>
      eb.or([
        eb.and([
          eb("c.source_type", "=", "post"),
          eb.exists(
            visiblePosts(db, projectId)
              .select("p.id")
              .where("p.id", "=", sql.ref<string>("c.source_id")),
          ),
        ]),
        eb.and([eb("c.source_type", "=", "fieldnote"), eb("sn.id", "is not", null)]),
      ]),
    );
}

/**
 * The source's text when the stored span no longer holds the quote (null when it does): SQL's substr counts
 * characters, which are code points on both engines, as the offsets do.
 */
const movedText = sql<string | null>`case
  when substr(coalesce(sp.text, sn.markdown), c.start_cp + 1, c.end_cp - c.start_cp) = c.quote then null
  else coalesce(sp.text, sn.markdown) end`;

/** A coding as stored, or re-anchored to its quote, or null when the quote is no longer in the text. */
function anchored(row: CodingRow & { moved_text: string | null }): Coding | null {
  const coding = toCoding(row);
  if (row.moved_text === null) return coding;
  const anchor = reanchorQuote(row.moved_text, coding.quote, coding.start);
  return anchor ? { ...coding, ...anchor } : null;
}

export type CodingQuery = {
  coderId?: string;
  codeId?: string;
  sourceType?: "post" | "fieldnote";
  /** Only codings of these sources (posts or notes): a page's worth. */
  sourceIds?: Iterable<string>;
  /** Only codings of the thread's visible posts. */
  threadId?: string;
  codingIds?: Iterable<string>;
  limit?: number;
  offset?: number;
};

/**
 * The codings of the visible sources (opted-out members' posts excluded), oldest first, filtered and
 * paged in the query, re-anchored to their quote when the stored offsets no longer match the text.
 */
export async function listCodings({
  store,
  slug,
  coderId,
  codeId,
  sourceType,
  sourceIds,
  threadId,
  codingIds,
  limit,
  offset = 0,
}: WithProject & CodingQuery): Promise<Coding[]> {
  const { db, projectId } = await projectSql({ store, slug });
  const sources = sourceIds === undefined ? undefined : [...new Set(sourceIds)];
  const ids = codingIds === undefined ? undefined : [...new Set(codingIds)];
  if ((sources && sources.length === 0) || (ids && ids.length === 0)) return [];
  if (sources && sources.length > CHUNK && limit === undefined) {
    // A long thread's posts: one query per chunk of ids keeps every `in` list small.
    const parts = await Promise.all(
      chunks(sources).map((part) =>
        listCodings({
          store,
          slug,
          coderId,
          codeId,
          sourceType,
          sourceIds: part,
          threadId,
          codingIds,
        }),
      ),
    );
    return parts
      .flat()
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }
  let query = visibleCodingRows(db, projectId).select([
    ...CODING_COLUMNS,
    movedText.as("moved_text"),
  ]);
  if (coderId) query = query.where("c.coder_id", "=", coderId);
  if (codeId) query = query.where("c.code_id", "=", codeId);
  if (sourceType) query = query.where("c.source_type", "=", sourceType);
  if (threadId) {
    // Driven by the thread's posts (the thread index), not by a scan of every post coding. Thread ids
    // are unique across projects; visibility is still the `visiblePosts` probe of visibleCodingRows.
    query = query
      .where("c.source_type", "=", "post")
      .where(
        "c.source_id",
        "in",
        db.selectFrom("posts").select("id").where("thread_id", "=", threadId),
      );
  }
  if (sources) query = query.where("c.source_id", "in", sources);
  if (ids) query = query.where("c.id", "in", ids);
  query = query.orderBy("c.created_at").orderBy("c.id");
  if (limit !== undefined) query = query.limit(limit).offset(offset);
  const rows = await query.execute();
  return rows.flatMap((row) => anchored(row) ?? []);
}

/**
 * How many visible codings each code (or one code) has: all of its codings, counted on the index alone,
 * less those on posts of opted-out members (the complement of `visiblePosts`, reached from the few
 * opted-out members). Codings of erased posts and deleted notes are deleted with them, so nothing else
 * can be hidden.
 */
async function countVisibleByCode(
  db: Queryable,
  projectId: string,
  codeId?: string,
): Promise<Map<string, number>> {
  const [all, withheld] = await Promise.all([
    db
      .selectFrom("codings")
      .select((eb) => ["code_id", eb.fn.countAll<number>().as("n")])
      .where("project_id", "=", projectId)
      .$if(codeId !== undefined, (query) => query.where("code_id", "=", codeId!))
      .groupBy("code_id")
      .execute(),
    // `in (subquery)` so that both engines start from the opted-out members' posts and probe the
    // (project, source) index of codings, instead of walking every coding.
    db
      .selectFrom("codings as c")
      .select((eb) => ["c.code_id", eb.fn.countAll<number>().as("n")])
      .where("c.project_id", "=", projectId)
      .where("c.source_type", "=", "post")
      .where("c.source_id", "in", (eb) =>
        eb
          .selectFrom("members as m")
          .innerJoin("posts as p", "p.member_id", "m.id")
          .select("p.id")
          .where("m.project_id", "=", projectId)
          .where("m.consent_status", "=", "opted-out"),
      )
      .$if(codeId !== undefined, (query) => query.where("c.code_id", "=", codeId!))
      .groupBy("c.code_id")
      .execute(),
  ]);
  const counts = new Map(all.map((row) => [row.code_id, Number(row.n)]));
  for (const row of withheld)
    counts.set(row.code_id, (counts.get(row.code_id) ?? 0) - Number(row.n));
  return counts;
}

/** How many visible codings each code has. */
export async function countCodingsByCode({
  store,
  slug,
}: WithProject): Promise<Map<string, number>> {
  const { db, projectId } = await projectSql({ store, slug });
  return countVisibleByCode(db, projectId);
}

export type ThreadCodingCounts = { segments: number; codedPosts: number };

/** How much of each given thread is coded: coded segments and posts carrying at least one coding. */
export async function countCodingsOfThreads({
  store,
  slug,
  threadIds,
}: WithProject & { threadIds: Iterable<string> }): Promise<Map<string, ThreadCodingCounts>> {
  const { db, projectId } = await projectSql({ store, slug });
  const counts = new Map<string, ThreadCodingCounts>();
  for (const chunk of chunks([...new Set(threadIds)])) {
    const rows = await visiblePosts(db, projectId)
      .innerJoin("codings as c", (join) =>
        join
          .onRef("c.source_id", "=", "p.id")
          .on("c.source_type", "=", "post")
          .on("c.project_id", "=", projectId),
      )
      .where("p.thread_id", "in", chunk)
      .select((eb) => [
        "p.thread_id",
        eb.fn.countAll<number>().as("segments"),
        eb.fn.count<number>("p.id").distinct().as("posts"),
      ])
      .groupBy("p.thread_id")
      .execute();
    for (const row of rows) {
      counts.set(row.thread_id, { segments: Number(row.segments), codedPosts: Number(row.posts) });
    }
  }
  return counts;
}

export type RetrievedSegment = {
  coding: Coding;
  before: string;
  after: string;
  source: {
    type: "post" | "fieldnote";
    id: string;
    threadId: string | null;
    threadTitle: string;
    communityId: string | null;
    communityName: string;
    memberId: string | null;
    pseudonym: string | null;
    createdAt: string | null;
  };
  otherCodeIds: string[];
};

export type RetrievalFilter = {
  communityId?: string;
  memberId?: string;
  from?: string;
  to?: string;
  coOccursWith?: string;
  coderId?: string;
};

const CONTEXT = 120;

/**
 * One page of the segments coded with a code, in the order they were coded (an index walk that stops at
 * the page), with context and source, filterable
 * by community, member, date, coder and a second code overlapping the segment; `total` counts them all.
 */
export async function retrieveSegments({
  store,
  slug,
  codeId,
  filter = {},
  limit = 50,
  offset = 0,
}: WithProject & {
  codeId: string;
  filter?: RetrievalFilter;
  limit?: number;
  offset?: number;
}): Promise<{
  segments: RetrievedSegment[];
  total: number;
}> {
  const { db, projectId } = await projectSql({ store, slug });
  let query = visibleCodingRows(db, projectId).where("c.code_id", "=", codeId);
  if (filter.coderId) query = query.where("c.coder_id", "=", filter.coderId);
  if (filter.communityId) query = query.where("sp.community_id", "=", filter.communityId);
  if (filter.memberId) query = query.where("sp.member_id", "=", filter.memberId);
  const sourceDay = sql<string | null>`substr(coalesce(sp.created_at, sn.created_at), 1, 10)`;
  if (filter.from) query = query.where(sourceDay, ">=", filter.from);
  if (filter.to) query = query.where(sourceDay, "<=", filter.to);
  if (filter.coOccursWith) {
    const other = filter.coOccursWith;
    const coder = filter.coderId;
    query = query.where((eb) =>
      eb.exists(
        eb
          .selectFrom("codings as o")
          .select("o.id")
          .where("o.project_id", "=", projectId)
          .where("o.code_id", "=", other)
          .whereRef("o.source_type", "=", "c.source_type")
          .whereRef("o.source_id", "=", "c.source_id")
          .whereRef("o.start_cp", "<", "c.end_cp")
          .whereRef("o.end_cp", ">", "c.start_cp")
          .$if(coder !== undefined, (sub) => sub.where("o.coder_id", "=", coder!)),
      ),
    );
  }
  const unfiltered = Object.values(filter).every((value) => value === undefined || value === "");
  const [total, rows] = await Promise.all([
    unfiltered
      ? countVisibleByCode(db, projectId, codeId).then((counts) => counts.get(codeId) ?? 0)
      : query
          .select((eb) => eb.fn.countAll<number>().as("n"))
          .executeTakeFirstOrThrow()
          .then((row) => Number(row.n)),
    query
      .leftJoin("threads as st", "st.id", "sp.thread_id")
      .leftJoin("communities as sc", "sc.id", "sp.community_id")
      .select([
        ...CODING_COLUMNS,
        movedText.as("moved_text"),
        sql<string>`coalesce(sp.text, sn.markdown)`.as("text"),
        "sp.thread_id",
        "sp.community_id",
        "sp.member_id",
        "sa.pseudonym",
        "st.title as thread_title",
        "sc.name as community_name",
        "sn.title as note_title",
        sql<string | null>`coalesce(sp.created_at, sn.created_at)`.as("source_created_at"),
      ])
      .orderBy("c.created_at")
      .orderBy("c.id")
      .limit(limit)
      .offset(offset)
      .execute(),
  ]);
  const others = await overlappingCodes(
    db,
    projectId,
    rows.flatMap((row) => anchored(row) ?? []),
    {
      codeId,
      coderId: filter.coderId,
    },
  );
  const segments = rows.flatMap((row): RetrievedSegment[] => {
    const coding = anchored(row);
    if (!coding) return [];
    const length = codePointLength(row.text);
    const isPost = coding.sourceType === "post";
    return [
      {
        coding,
        before: sliceCodePoints(row.text, Math.max(0, coding.start - CONTEXT), coding.start),
        after: sliceCodePoints(row.text, coding.end, Math.min(length, coding.end + CONTEXT)),
        source: {
          type: coding.sourceType,
          id: coding.sourceId,
          threadId: isPost ? row.thread_id : null,
          threadTitle: (isPost ? row.thread_title : row.note_title) ?? "",
          communityId: isPost ? row.community_id : null,
          communityName: isPost ? (row.community_name ?? "") : "field note",
          memberId: isPost ? row.member_id : null,
          pseudonym: isPost ? row.pseudonym : null,
          createdAt: row.source_created_at,
        },
        otherCodeIds: others.get(coding.id) ?? [],
      },
    ];
  });
  return { segments, total };
}

/** For each coding of a page, the other codes applied to an overlapping span of its source. */
async function overlappingCodes(
  db: Queryable,
  projectId: string,
  codings: Coding[],
  { codeId, coderId }: { codeId: string; coderId?: string },
): Promise<Map<string, string[]>> {
  const found = new Map<string, string[]>();
  if (codings.length === 0) return found;
  let query = db
    .selectFrom("codings")
    .select(["source_type", "source_id", "code_id", "start_cp", "end_cp"])
    .where("project_id", "=", projectId)
    .where("code_id", "!=", codeId)
    .where("source_id", "in", [...new Set(codings.map((coding) => coding.sourceId))]);
  if (coderId) query = query.where("coder_id", "=", coderId);
  const rows = await query.execute();
  for (const coding of codings) {
    const codes = rows
      .filter(
        (row) =>
          row.source_type === coding.sourceType &&
          row.source_id === coding.sourceId &&
          Number(row.start_cp) < coding.end &&
          coding.start < Number(row.end_cp),
      )
      .map((row) => row.code_id);
    found.set(coding.id, [...new Set(codes)]);
  }
  return found;
}

export type NewCoding = { span: Span; codeId: string; coderId: string; createdAt?: string };

/**
 * Adds many codings inside the caller's transaction (REFI-QDA import): spans are checked against their
 * texts as `trx` sees them (notes created earlier in the same transaction included) and the quote kept;
 * invalid items are counted, not written, and codings already stored are not added twice.
 */
export async function addCodingsIn(
  trx: Queryable,
  projectId: string,
  items: NewCoding[],
): Promise<{ added: number; invalid: number }> {
  const texts = new Map<string, string>();
  for (const type of ["post", "fieldnote"] as const) {
    const ids = [
      ...new Set(items.filter((i) => i.span.sourceType === type).map((i) => i.span.sourceId)),
    ];
    for (const chunk of chunks(ids)) {
      const rows =
        type === "post"
          ? await visiblePosts(trx, projectId)
              .select(["p.id as id", "p.text as text"])
              .where("p.id", "in", chunk)
              .execute()
          : await trx
              .selectFrom("field_notes")
              .select(["id", "markdown as text"])
              .where("project_id", "=", projectId)
              .where("id", "in", chunk)
              .execute();
      for (const row of rows) texts.set(`${type}:${row.id}`, row.text);
    }
  }
  let invalid = 0;
  const rows: CodingsTable[] = [];
  for (const item of items) {
    const { sourceType, sourceId, start, end } = item.span;
    const text = texts.get(`${sourceType}:${sourceId}`);
    if (text === undefined || start < 0 || end > codePointLength(text) || start >= end) {
      invalid++;
      continue;
    }
    rows.push({
      id: newId(),
      project_id: projectId,
      code_id: item.codeId,
      source_type: sourceType,
      source_id: sourceId,
      start_cp: start,
      end_cp: end,
      quote: sliceCodePoints(text, start, end),
      coder_id: item.coderId,
      created_at: item.createdAt ?? nowIso(),
    });
  }
  let added = 0;
  for (const chunk of chunks(rows)) {
    const inserted = await trx
      .insertInto("codings")
      .values(chunk)
      .onConflict((conflict) => conflict.columns([...SPAN_KEY]).doNothing())
      .returning("id")
      .execute();
    added += inserted.length;
  }
  if (added > 0) await bumpCodingsRevision(trx, projectId);
  return { added, invalid };
}

/** Adds many codings in one transaction (see addCodingsIn); `userId` is who acts. */
export async function addCodingsInBulk({
  store,
  slug,
  items,
  userId,
}: WithProject & { items: NewCoding[]; userId: string }): Promise<{
  added: number;
  invalid: number;
}> {
  const { database, projectId } = await projectSqlAs({ store, slug, userId, capability: "code" });
  return inTransaction(database, (trx) => addCodingsIn(trx, projectId, items));
}
