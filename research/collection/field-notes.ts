import { sql, type Selectable } from "kysely";
import { z } from "zod";
import { ResearchError, parseInput } from "../shared/errors.js";
import { newId, nowIso } from "../shared/ids.js";
import {
  inTransaction,
  type DocumentStore,
  type Queryable,
  type SqlEngine,
} from "../store/index.js";
import type { FieldNotesTable } from "../store/sql/schema.js";
import { bumpCodingsRevision, projectSql, projectSqlAs } from "./corpus.js";
import { FieldNoteKindSchema, FieldNoteSchema, type FieldNote } from "./model.js";
import { jsonWithoutNul } from "../store/sql/nul-characters.js";

/** Field notes are rows of the `field_notes` table; their links (to threads, posts, members) are JSON text. */

type WithProject = { store: DocumentStore; slug: string };
type LinkType = "thread" | "post" | "member";
type Link = { type: LinkType; id: string };

const LinkSchema = z.object({ type: z.enum(["thread", "post", "member"]), id: z.string().min(1) });
const NoteInputSchema = z.object({
  kind: FieldNoteKindSchema,
  title: z
    .string()
    .trim()
    .min(1, "Give the note a title.")
    .max(200, "Use at most 200 characters for the title."),
  markdown: z.string().max(200_000, "A field note holds at most 200,000 characters."),
  links: z.array(LinkSchema).max(100).default([]),
});
export type FieldNoteInput = z.input<typeof NoteInputSchema>;

function parseNote(input: unknown) {
  return parseInput(NoteInputSchema, input);
}

/** Links as stored: always `{"type":..,"id":..}` in that key order, so a link can be found by its text. */
function linksText(links: Link[]): string {
  return jsonWithoutNul(JSON.stringify(links.map((link) => ({ type: link.type, id: link.id }))));
}

function parseLinks(text: string): Link[] {
  try {
    const parsed = z.array(LinkSchema).safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : [];
  } catch {
    return [];
  }
}

function toFieldNote(row: Selectable<FieldNotesTable>): FieldNote {
  return FieldNoteSchema.parse({
    id: row.id,
    kind: FieldNoteKindSchema.catch("observational").parse(row.kind),
    title: row.title,
    markdown: row.markdown,
    authorId: row.author_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    links: parseLinks(row.links),
  });
}

/** A LIKE pattern for one stored link, with the wildcard characters of the id escaped. */
function linkPattern(link: Link): string {
  return `%${linksText([link])
    .slice(1, -1)
    .replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}

/** Writes a field note (observational, reflective, methodological or theoretical) with links to what it is about. */
export async function createFieldNote({
  store,
  slug,
  authorId,
  ...input
}: WithProject & FieldNoteInput & { authorId: string }): Promise<FieldNote> {
  // The author is who acts: their role must allow coding.
  const { db, projectId } = await projectSqlAs({
    store,
    slug,
    userId: authorId,
    capability: "code",
  });
  const note = parseNote(input);
  return createFieldNoteIn(db, projectId, { ...note, authorId });
}

/** Inserts a field note inside the caller's transaction (REFI-QDA import); the input is already valid. */
export async function createFieldNoteIn(
  db: Queryable,
  projectId: string,
  note: Pick<FieldNote, "kind" | "title" | "markdown" | "links" | "authorId">,
): Promise<FieldNote> {
  const now = nowIso();
  const created: FieldNote = { id: newId(), ...note, createdAt: now, updatedAt: now };
  await db
    .insertInto("field_notes")
    .values({
      id: created.id,
      project_id: projectId,
      kind: created.kind,
      title: created.title,
      markdown: created.markdown,
      author_id: created.authorId,
      created_at: now,
      updated_at: now,
      links: linksText(created.links),
    })
    .execute();
  return created;
}

/** Rewrites a field note (`userId` is who acts). */
export async function updateFieldNote({
  store,
  slug,
  noteId,
  userId,
  ...input
}: WithProject & FieldNoteInput & { noteId: string; userId: string }): Promise<void> {
  const { database, projectId } = await projectSqlAs({ store, slug, userId, capability: "code" });
  const note = parseNote(input);
  await inTransaction(database, async (trx) => {
    const result = await trx
      .updateTable("field_notes")
      .set({
        kind: note.kind,
        title: note.title,
        markdown: note.markdown,
        links: linksText(note.links),
        updated_at: nowIso(),
      })
      .where("project_id", "=", projectId)
      .where("id", "=", noteId)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0)
      throw new ResearchError("not-found", "No such field note.");
    // Reports name a coded note by its title (evidence kept per codings revision).
    await bumpCodingsRevision(trx, projectId);
  });
}

/** Deletes a field note and the codings of its text, in one transaction (`userId` is who acts). */
export async function deleteFieldNote({
  store,
  slug,
  noteId,
  userId,
}: WithProject & { noteId: string; userId: string }): Promise<void> {
  const { database, projectId } = await projectSqlAs({ store, slug, userId, capability: "code" });
  await inTransaction(database, async (trx) => {
    await bumpCodingsRevision(trx, projectId);
    await trx
      .deleteFrom("codings")
      .where("project_id", "=", projectId)
      .where("source_type", "=", "fieldnote")
      .where("source_id", "=", noteId)
      .execute();
    const result = await trx
      .deleteFrom("field_notes")
      .where("project_id", "=", projectId)
      .where("id", "=", noteId)
      .executeTakeFirst();
    // Thrown inside the transaction: the codings deleted above come back with it.
    if (Number(result.numDeletedRows) === 0)
      throw new ResearchError(
        "not-found",
        "That field note does not exist (it may have been deleted already).",
      );
  });
}

/**
 * Field notes, newest first; with `about`, only those linked to one of those threads, posts or members
 * (matched in the query on the stored link text, then checked on the parsed links).
 */
export async function listFieldNotes({
  store,
  slug,
  about,
  limit,
  offset = 0,
}: WithProject & {
  about?: { type: LinkType; ids: string[] };
  limit?: number;
  offset?: number;
}): Promise<FieldNote[]> {
  const { db, projectId } = await projectSql({ store, slug });
  if (about && about.ids.length === 0) return [];
  let query = db.selectFrom("field_notes").selectAll().where("project_id", "=", projectId);
  if (about) {
    const patterns = [...new Set(about.ids)].map((id) => linkPattern({ type: about.type, id }));
    query = query.where((eb) =>
      eb.or(patterns.map((pattern) => eb(sql`links`, "like", sql`${pattern} escape '\\'`))),
    );
  }
  query = query.orderBy("created_at", "desc").orderBy("id", "desc");
  if (limit !== undefined) query = query.limit(limit).offset(offset);
  const notes = (await query.execute()).map(toFieldNote);
  if (!about) return notes;
  const wanted = new Set(about.ids);
  return notes.filter((note) =>
    note.links.some((link) => link.type === about.type && wanted.has(link.id)),
  );
}

export async function getFieldNote({
  store,
  slug,
  noteId,
}: WithProject & { noteId: string }): Promise<FieldNote | null> {
  const { db, projectId } = await projectSql({ store, slug });
  const row = await db
    .selectFrom("field_notes")
    .selectAll()
    .where("project_id", "=", projectId)
    .where("id", "=", noteId)
    .executeTakeFirst();
  return row ? toFieldNote(row) : null;
}

/** How many field notes the project holds. */
export async function countFieldNotes({ store, slug }: WithProject): Promise<number> {
  const { db, projectId } = await projectSql({ store, slug });
  const row = await db
    .selectFrom("field_notes")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("project_id", "=", projectId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

type FieldLink = { type?: unknown; id?: unknown };

/**
 * Drops field-note links to members and to posts that are about to go (an erasure: a member's posts;
 * removing an import: the import's posts). Links are JSON text: only the notes holding such a link are
 * read and rewritten. Returns how many notes changed. Runs before the posts are deleted.
 */
export async function unlinkFieldNotes(
  trx: Queryable,
  engine: SqlEngine,
  projectId: string,
  {
    memberIds,
    threadIds = [],
    postsOf,
  }: {
    memberIds: string[];
    threadIds?: string[];
    postsOf: { column: "member_id" | "import_id"; value: string };
  },
): Promise<number> {
  const postIds =
    postsOf.column === "member_id"
      ? sql`select p.id from posts p where p.project_id = ${projectId} and p.member_id = ${postsOf.value}`
      : sql`select p.id from posts p where p.project_id = ${projectId} and p.import_id = ${postsOf.value}`;
  const members = memberIds.length > 0 ? memberIds : [""];
  const memberList = sql.join(members);
  const threadList = sql.join(threadIds.length > 0 ? threadIds : [""]);
  const query =
    engine === "sqlite"
      ? sql<{ id: string; links: string }>`select f.id, f.links from field_notes f
          where f.project_id = ${projectId} and json_valid(f.links) and exists (
            select 1 from json_each(f.links) j
            where (json_extract(j.value, '$.type') = 'member' and json_extract(j.value, '$.id') in (${memberList}))
               or (json_extract(j.value, '$.type') = 'thread' and json_extract(j.value, '$.id') in (${threadList}))
               or (json_extract(j.value, '$.type') = 'post' and json_extract(j.value, '$.id') in (${postIds})))`
      : sql<{ id: string; links: string }>`select f.id, f.links from field_notes f
          where f.project_id = ${projectId} and exists (
            select 1 from jsonb_array_elements(
              case when jsonb_typeof(f.links::jsonb) = 'array' then f.links::jsonb else '[]'::jsonb end) j
            where (j->>'type' = 'member' and j->>'id' in (${memberList}))
               or (j->>'type' = 'thread' and j->>'id' in (${threadList}))
               or (j->>'type' = 'post' and j->>'id' in (${postIds})))`;
  const notes = (await query.execute(trx)).rows;
  if (notes.length === 0) return 0;
  const goingPosts = new Set(
    (
      await trx
        .selectFrom("posts")
        .select("id")
        .where("project_id", "=", projectId)
        .where(postsOf.column, "=", postsOf.value)
        .execute()
    ).map((row) => row.id),
  );
  const goingMembers = new Set(memberIds);
  const goingThreads = new Set(threadIds);
  for (const note of notes) {
    const links: unknown = JSON.parse(note.links);
    if (!Array.isArray(links)) continue;
    const kept = links.filter((link: FieldLink) => {
      if (link?.type === "member") return typeof link.id !== "string" || !goingMembers.has(link.id);
      if (link?.type === "post") return typeof link.id !== "string" || !goingPosts.has(link.id);
      if (link?.type === "thread") return typeof link.id !== "string" || !goingThreads.has(link.id);
      return true;
    });
    await trx
      .updateTable("field_notes")
      .set({ links: JSON.stringify(kept) })
      .where("project_id", "=", projectId)
      .where("id", "=", note.id)
      .execute();
  }
  return notes.length;
}
