import { sql, type Selectable } from "kysely";
import { z } from "zod";
import { ResearchError, parseInput } from "../shared/errors.js";
import { newId, nowIso } from "../shared/ids.js";
import { inTransaction, type DocumentStore, type Queryable } from "../store/index.js";
import type { FieldNotesTable } from "../store/sql/schema.js";
import { projectSql } from "./corpus.js";
import { FieldNoteKindSchema, FieldNoteSchema, type FieldNote } from "./model.js";

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
  return JSON.stringify(links.map((link) => ({ type: link.type, id: link.id })));
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
  const note = parseNote(input);
  const { db, projectId } = await projectSql({ store, slug });
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

export async function updateFieldNote({
  store,
  slug,
  noteId,
  ...input
}: WithProject & FieldNoteInput & { noteId: string }): Promise<void> {
  const note = parseNote(input);
  const { db, projectId } = await projectSql({ store, slug });
  const result = await db
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
}

/** Deletes a field note and the codings of its text, in one transaction. */
export async function deleteFieldNote({
  store,
  slug,
  noteId,
}: WithProject & { noteId: string }): Promise<void> {
  const { database, projectId } = await projectSql({ store, slug });
  await inTransaction(database, async (trx) => {
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
