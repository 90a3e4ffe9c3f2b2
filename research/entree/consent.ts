import { sql, type Selectable } from "kysely";
import { requireCapability } from "../shared/roles.js";
import {
  bumpCodingsRevision,
  bumpCorpusRevision,
  projectSql,
  refreshThreadsLastPost,
  toMember,
} from "../collection/corpus.js";
import { PlatformSchema, type Member } from "../collection/model.js";
import { ResearchError } from "../shared/errors.js";
import { newId, nowIso } from "../shared/ids.js";
import { inTransaction, type DocumentStore, type Queryable } from "../store/index.js";
import type { ConsentEntriesTable, MembersTable } from "../store/sql/schema.js";
import { unlinkFieldNotes } from "../collection/field-notes.js";
import { insertAuditEvent } from "./audit.js";
import { withCount } from "../shared/plural.js";
import { reconsiderQuotedPassages } from "./withheld-quotes.js";
import { erasedMemberHash, personKeys } from "./consent-status.js";
import { ConsentStatusSchema, type ConsentEntry, type ConsentStatus } from "./model.js";

export { appendAudit, countAudit, insertAuditEvent, listAudit } from "./audit.js";

type WithProject = { store: DocumentStore; slug: string };

/** Imports and erasures of one project never interleave: both take this lock (see inTransaction). */
export const corpusLockKey = (projectId: string) => `corpus:${projectId}`;

/** What a thread opened by an erased member is called from then on (its replies by others stay). */
export const ERASED_TITLE = "(title withheld: its author was erased)";

/** Matches listed in an ambiguity error; a handle shared by more is still an error, just shorter. */
const MAX_LISTED_MATCHES = 20;

/** A LIKE pattern for "contains", case-insensitive on both engines (the caller lower-cases the column). */
function containsPattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}

/**
 * The member a handle names, as the members page shows it: platform user name or display name (case-
 * insensitive). More than one match is an error that lists them, so a script never records consent for
 * the wrong person. Opted-out members are found too: they are the ones a researcher erases.
 */
export async function resolveMemberByHandle({
  store,
  slug,
  handle,
}: WithProject & { handle: string }): Promise<Member> {
  const { db, projectId } = await projectSql({ store, slug });
  const trimmed = handle.trim();
  // Import order, so an ambiguity lists the members as the researcher brought them in.
  const byImportOrder = sql`(select min(p.seq) from posts p where p.member_id = m.id)`;
  const members = db
    .selectFrom("members as m")
    .selectAll("m")
    .where("m.project_id", "=", projectId);
  let matches = await members
    .where("m.handle", "=", trimmed)
    .orderBy(byImportOrder)
    .orderBy("m.id")
    .limit(MAX_LISTED_MATCHES)
    .execute();
  if (matches.length === 0) {
    const wanted = trimmed.toLowerCase();
    matches = await members
      .where((eb) =>
        eb.or([
          eb(eb.fn("lower", ["m.handle"]), "=", wanted),
          eb(eb.fn("lower", ["m.display_name"]), "=", wanted),
        ]),
      )
      .orderBy(byImportOrder)
      .orderBy("m.id")
      .limit(MAX_LISTED_MATCHES)
      .execute();
  }
  if (matches.length === 0) {
    throw new ResearchError("not-found", `No member with the handle "${handle}" in this project.`, {
      field: "handle",
    });
  }
  if (matches.length > 1) {
    const described = await Promise.all(matches.map((row) => describeMember(db, row)));
    throw new ResearchError(
      "conflict",
      `The handle "${handle}" is ambiguous: ${matches.length} members match: ${described.join("; ")}.`,
      { field: "handle" },
    );
  }
  return toMember(matches[0]);
}

/** How an ambiguity error tells members apart: platform, user id, communities, posts, pseudonym. */
async function describeMember(db: Queryable, row: Selectable<MembersTable>): Promise<string> {
  const communities = await db
    .selectFrom("posts as p")
    .innerJoin("communities as c", "c.id", "p.community_id")
    .select("c.name")
    .where("p.member_id", "=", row.id)
    .groupBy("c.name")
    .orderBy((eb) => eb.fn.min("p.seq"))
    .execute();
  const names = communities.map((community) => community.name).join(", ") || "no community";
  const userId = row.platform_user_id ? ` user ${row.platform_user_id}` : "";
  return `${row.handle} (${row.platform}${userId} in ${names}, ${Number(row.post_count)} posts, pseudonym ${row.pseudonym})`;
}

/**
 * Adds an entry to a member's consent log; opting out takes effect everywhere from this moment. The
 * member's current status becomes that of the entry recorded last, whatever date it states, in the same
 * transaction, so no view ever sees the entry without the status (or the reverse).
 */
export async function recordConsent({
  store,
  slug,
  memberId,
  status,
  evidence = "",
  date,
  userId,
}: WithProject & {
  memberId: string;
  status: string;
  evidence?: string;
  date?: string;
  userId: string;
}): Promise<ConsentEntry> {
  await requireCapability({ store, slug, userId, capability: "manageConsent" });
  const parsed = ConsentStatusSchema.safeParse(status);
  if (!parsed.success) {
    throw new ResearchError(
      "invalid-input",
      "Consent is one of: consented, declined, opted-out, paraphrase-only.",
      { field: "status" },
    );
  }
  if (date && Number.isNaN(Date.parse(date))) {
    throw new ResearchError("invalid-input", "Use a date like 2026-03-01.", { field: "date" });
  }
  const { database, projectId } = await projectSql({ store, slug });
  const recordedAt = nowIso();
  const entry: ConsentEntry = {
    id: newId(),
    memberId,
    status: parsed.data,
    date: date ? new Date(date).toISOString() : recordedAt,
    evidence: evidence.trim().slice(0, 5000),
    recordedBy: userId,
    recordedAt,
  };
  await inTransaction(
    database,
    async (trx) => {
      const member = await trx
        .selectFrom("members")
        .select(["id", "platform", "handle", "platform_user_id", "pseudonym"])
        .where("project_id", "=", projectId)
        .where("id", "=", memberId)
        .executeTakeFirst();
      if (!member) {
        throw new ResearchError("not-found", "No such member in this project.", {
          field: "memberId",
        });
      }
      const samePerson =
        entry.status === "opted-out" ? await optOutSamePerson(trx, projectId, member, entry) : [];
      await trx
        .insertInto("consent_entries")
        .values({
          id: entry.id,
          project_id: projectId,
          member_id: memberId,
          status: entry.status,
          stated_date: entry.date,
          evidence: entry.evidence,
          recorded_by: userId,
          recorded_at: recordedAt,
        })
        .execute();
      await trx
        .updateTable("members")
        .set((eb) => ({
          consent_status: eb
            .selectFrom("consent_entries as ce")
            .select("ce.status")
            .where("ce.project_id", "=", projectId)
            .whereRef("ce.member_id", "=", "members.id")
            .orderBy("ce.seq", "desc")
            .limit(1),
        }))
        .where("project_id", "=", projectId)
        .where("id", "=", memberId)
        .execute();
      // Their words quoted in others' posts follow their status: blanked on opt-out, back on consent.
      await reconsiderQuotedPassages(trx, database.engine, projectId, {
        members: [memberId, ...samePerson],
      });
      await bumpCorpusRevision(trx, projectId);
      await insertAuditEvent(trx, projectId, {
        by: userId,
        action: "consent",
        detail: `member ${memberId}: ${entry.status}`,
      });
    },
    // Imports write members too: the lock keeps a status from meeting a half-written member.
    { lockKey: corpusLockKey(projectId) },
  );
  return entry;
}

/**
 * An opt-out is the person's, not one record's: the same platform handle (or user id) met in another
 * community of the project is opted out too, with an entry in its log saying where it came from.
 */
async function optOutSamePerson(
  trx: Queryable,
  projectId: string,
  member: {
    id: string;
    platform: string;
    handle: string;
    platform_user_id: string | null;
    pseudonym: string;
  },
  entry: ConsentEntry,
): Promise<string[]> {
  const others = await trx
    .selectFrom("members")
    .select("id")
    .where("project_id", "=", projectId)
    .where("platform", "=", member.platform)
    .where("id", "!=", member.id)
    .where((eb) =>
      eb.or([
        eb(eb.fn("lower", ["handle"]), "=", member.handle.trim().toLowerCase()),
        ...(member.platform_user_id ? [eb("platform_user_id", "=", member.platform_user_id)] : []),
      ]),
    )
    .where((eb) =>
      eb.or([eb("consent_status", "is", null), eb("consent_status", "!=", "opted-out")]),
    )
    .execute();
  if (others.length === 0) return [];
  await trx
    .insertInto("consent_entries")
    .values(
      others.map((other) => ({
        id: newId(),
        project_id: projectId,
        member_id: other.id,
        status: "opted-out",
        stated_date: entry.date,
        evidence: `Carried over: the same person (platform and handle or user id) opted out as ${member.pseudonym}.`,
        recorded_by: entry.recordedBy,
        recorded_at: entry.recordedAt ?? nowIso(),
      })),
    )
    .execute();
  await trx
    .updateTable("members")
    .set({ consent_status: "opted-out" })
    .where("project_id", "=", projectId)
    .where(
      "id",
      "in",
      others.map((other) => other.id),
    )
    .execute();
  return others.map((other) => other.id);
}

export type ConsentLogRow = {
  member: Pick<Member, "id" | "pseudonym" | "handle" | "platform" | "postCount">;
  status: ConsentStatus | null;
  /** The member's entries, latest recorded first. */
  entries: ConsentEntry[];
};
export type ConsentLogPage = {
  rows: ConsentLogRow[];
  total: number;
  limit: number;
  offset: number;
};

function toConsentEntry(row: Selectable<ConsentEntriesTable>): ConsentEntry | null {
  const status = ConsentStatusSchema.safeParse(row.status);
  if (!status.success) return null;
  return {
    id: row.id,
    memberId: row.member_id,
    status: status.data,
    date: row.stated_date,
    evidence: row.evidence,
    recordedBy: row.recorded_by,
    recordedAt: row.recorded_at,
  };
}

/**
 * One page of the consent log: members whose handle or pseudonym contains `q`, those with a recorded
 * status first, then by post count. Opted-out members are listed here (only here), so the owner can
 * manage them.
 */
export async function getConsentLog({
  store,
  slug,
  q = "",
  limit = 100,
  offset = 0,
}: WithProject & { q?: string; limit?: number; offset?: number }): Promise<ConsentLogPage> {
  const { db, projectId } = await projectSql({ store, slug });
  const pageSize = Math.max(1, Math.min(Math.trunc(limit), 500));
  const skip = Math.max(0, Math.trunc(offset));
  let members = db.selectFrom("members as m").where("m.project_id", "=", projectId);
  const wanted = q.trim();
  if (wanted) {
    const pattern = containsPattern(wanted);
    members = members.where((eb) =>
      eb.or([
        sql<boolean>`lower(${eb.ref("m.handle")}) like ${pattern} escape '\\'`,
        sql<boolean>`lower(${eb.ref("m.pseudonym")}) like ${pattern} escape '\\'`,
      ]),
    );
  }
  const [countRow, memberRows] = await Promise.all([
    members.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow(),
    members
      .select(["m.id", "m.pseudonym", "m.handle", "m.platform", "m.post_count", "m.consent_status"])
      .orderBy(sql`case when m.consent_status is null then 1 else 0 end`)
      .orderBy("m.post_count", "desc")
      .orderBy("m.id")
      .limit(pageSize)
      .offset(skip)
      .execute(),
  ]);
  const entries = new Map<string, ConsentEntry[]>();
  if (memberRows.length > 0) {
    const entryRows = await db
      .selectFrom("consent_entries")
      .selectAll()
      .where("project_id", "=", projectId)
      .where(
        "member_id",
        "in",
        memberRows.map((row) => row.id),
      )
      .orderBy("seq", "desc")
      .execute();
    for (const row of entryRows) {
      const entry = toConsentEntry(row);
      if (!entry) continue;
      const list = entries.get(entry.memberId) ?? [];
      list.push(entry);
      entries.set(entry.memberId, list);
    }
  }
  const rows = memberRows.map((row) => {
    const status = ConsentStatusSchema.safeParse(row.consent_status);
    return {
      member: {
        id: row.id,
        pseudonym: row.pseudonym,
        handle: row.handle,
        platform: PlatformSchema.catch("other").parse(row.platform),
        postCount: Number(row.post_count),
      },
      status: status.success ? status.data : null,
      entries: entries.get(row.id) ?? [],
    };
  });
  return { rows, total: Number(countRow.n), limit: pageSize, offset: skip };
}

export type PurgeResult = { posts: number; codings: number };

/**
 * Erases a member for good, in one transaction: their posts (the full-text index follows), the
 * annotations, codings, memos, suggestions and decisions on those posts, member-check responses quoting
 * those codings, field-note links to the member or the posts, the titles of threads they opened, their
 * consent log, their words quoted in others' posts, and the member record. A hash of platform and
 * identity is kept so a re-import does not bring them back; the audit event keeps ids and counts only. It holds the corpus lock, like an
 * import, so a running import cannot undo it.
 */
export async function purgeMember({
  store,
  slug,
  memberId,
  userId,
}: WithProject & { memberId: string; userId: string }): Promise<PurgeResult> {
  await requireCapability({ store, slug, userId, capability: "manageConsent" });
  const { database, projectId } = await projectSql({ store, slug });
  const result = await inTransaction(
    database,
    async (trx) => {
      const member = await trx
        .selectFrom("members")
        .selectAll()
        .where("project_id", "=", projectId)
        .where("id", "=", memberId)
        .executeTakeFirst();
      if (!member) {
        throw new ResearchError("not-found", "No such member in this project.", {
          field: "memberId",
        });
      }
      // SQLite keeps deleted bytes in free pages unless told to overwrite them: erasure means gone.
      if (database.engine === "sqlite") await sql`pragma secure_delete = on`.execute(trx);
      const memberPosts = trx
        .selectFrom("posts")
        .select("posts.id")
        .where("posts.project_id", "=", projectId)
        .where("posts.member_id", "=", memberId);
      const memberCodings = trx
        .selectFrom("codings")
        .select("codings.id")
        .where("codings.project_id", "=", projectId)
        .where("codings.source_type", "=", "post")
        .where("codings.source_id", "in", memberPosts);

      // Before their posts go: an unattributed quote is recognised by the words of those posts.
      const quotingPosts = await reconsiderQuotedPassages(
        trx,
        database.engine,
        projectId,
        { members: [memberId] },
        { erasing: [memberId] },
      );
      const notes = await unlinkFieldNotes(trx, database.engine, projectId, {
        memberIds: [memberId],
        postsOf: { column: "member_id", value: memberId },
      });
      const responses = await trx
        .deleteFrom("member_responses")
        .where("project_id", "=", projectId)
        .where("quote_ref", "in", memberCodings)
        .executeTakeFirst();
      const codings = await trx
        .deleteFrom("codings")
        .where("project_id", "=", projectId)
        .where("source_type", "=", "post")
        .where("source_id", "in", memberPosts)
        .executeTakeFirst();
      const memos = await trx
        .deleteFrom("memos")
        .where("project_id", "=", projectId)
        .where("target_type", "=", "post")
        .where("target_id", "in", memberPosts)
        .executeTakeFirst();
      const suggestions = await trx
        .deleteFrom("suggestions")
        .where("project_id", "=", projectId)
        .where("source_id", "in", memberPosts)
        .executeTakeFirst();
      const decisions = await trx
        .deleteFrom("suggestion_decisions")
        .where("project_id", "=", projectId)
        .where("source_id", "in", memberPosts)
        .executeTakeFirst();
      // Also by foreign-key cascade; explicit so the erasure does not depend on the pragma being on.
      await trx.deleteFrom("annotations").where("post_id", "in", memberPosts).execute();
      // A thread the member opened keeps its replies by others, but not the member's title.
      const threadIds = (
        await trx
          .selectFrom("posts")
          .select("thread_id")
          .distinct()
          .where("project_id", "=", projectId)
          .where("member_id", "=", memberId)
          .execute()
      ).map((row) => row.thread_id);
      const titles = await trx
        .updateTable("threads")
        .set({ title: ERASED_TITLE })
        .where("project_id", "=", projectId)
        .where((eb) =>
          eb.exists(
            eb
              .selectFrom("posts as ep")
              .select("ep.id")
              .whereRef("ep.thread_id", "=", "threads.id")
              .where("ep.member_id", "=", memberId)
              .whereRef("ep.title", "=", "threads.title"),
          ),
        )
        .executeTakeFirst();
      // Replies to the erased posts stay, as replies whose parent is no longer in the corpus.
      await trx
        .updateTable("posts")
        .set({ parent_id: null })
        .where("project_id", "=", projectId)
        .where("parent_id", "in", memberPosts)
        .where((eb) => eb.or([eb("member_id", "is", null), eb("member_id", "!=", memberId)]))
        .execute();
      const posts = await trx
        .deleteFrom("posts")
        .where("project_id", "=", projectId)
        .where("member_id", "=", memberId)
        .executeTakeFirst();
      await refreshThreadsLastPost(trx, projectId, threadIds);
      await trx
        .deleteFrom("consent_entries")
        .where("project_id", "=", projectId)
        .where("member_id", "=", memberId)
        .execute();
      await trx
        .deleteFrom("members")
        .where("project_id", "=", projectId)
        .where("id", "=", memberId)
        .execute();
      const memberKey = member.identity_key || member.platform_user_id || member.handle;
      const purgedAt = nowIso();
      const hashes = new Set([
        erasedMemberHash(member.platform, memberKey),
        ...personKeys({ handle: member.handle, platformUserId: member.platform_user_id }).map(
          (key) => erasedMemberHash(member.platform, key),
        ),
      ]);
      await trx
        .insertInto("erased_members")
        .values(
          [...hashes].map((hash) => ({
            project_id: projectId,
            platform: member.platform,
            handle_hash: hash,
            purged_at: purgedAt,
          })),
        )
        .onConflict((conflict) =>
          conflict.columns(["project_id", "platform", "handle_hash"]).doNothing(),
        )
        .execute();
      await bumpCorpusRevision(trx, projectId);
      await bumpCodingsRevision(trx, projectId);
      const counts = {
        posts: Number(posts.numDeletedRows),
        codings: Number(codings.numDeletedRows),
        memos: Number(memos.numDeletedRows),
        suggestions: Number(suggestions.numDeletedRows) + Number(decisions.numDeletedRows),
        responses: Number(responses.numDeletedRows),
        titles: Number(titles.numUpdatedRows),
        notes,
        quotes: quotingPosts,
      };
      await insertAuditEvent(trx, projectId, {
        by: userId,
        action: "erasure",
        detail:
          `member ${memberId} erased: ${withCount(counts.posts, "post")},` +
          ` ${withCount(counts.codings, "coding")} removed` +
          `; ${withCount(counts.memos, "memo")},` +
          ` ${withCount(counts.suggestions, "suggestion or decision", "suggestions and decisions")},` +
          ` ${withCount(counts.responses, "member-check response")} removed;` +
          ` ${withCount(counts.notes, "field note")} unlinked,` +
          ` ${withCount(counts.titles, "thread title")} withheld;` +
          ` their words blanked in ${withCount(counts.quotes, "post")} quoting them`,
      });
      return { posts: counts.posts, codings: counts.codings };
    },
    { lockKey: corpusLockKey(projectId) },
  );
  if (database.engine === "sqlite") {
    // Old page images of the erased rows stay in the write-ahead log until a checkpoint resets it; another
    // process still reading can make this a no-op, and the next checkpoint finishes the job.
    await sql`pragma wal_checkpoint(TRUNCATE)`.execute(database.db).catch(() => undefined);
  }
  return result;
}
