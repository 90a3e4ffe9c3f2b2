import { z } from "zod";
import { projectKeys } from "../projects/model.js";
import { requireProject } from "../projects/projects.js";
import { ResearchError, parseInput } from "../shared/errors.js";
import { newId, nowIso } from "../shared/ids.js";
import type { DocumentStore } from "../store/index.js";
import { FieldNoteKindSchema, fieldNotesFile, type FieldNote } from "./model.js";

type WithProject = { store: DocumentStore; slug: string };

const LinkSchema = z.object({ type: z.enum(["thread", "post", "member"]), id: z.string().min(1) });
const NoteInputSchema = z.object({
  kind: FieldNoteKindSchema,
  title: z.string().trim().min(1, "Give the note a title.").max(200, "Use at most 200 characters for the title."),
  markdown: z.string().max(200_000, "A field note holds at most 200,000 characters."),
  links: z.array(LinkSchema).max(100).default([]),
});
export type FieldNoteInput = z.input<typeof NoteInputSchema>;

function parseNote(input: unknown) {
  return parseInput(NoteInputSchema, input);
}

/** Writes a field note (observational, reflective, methodological or theoretical) with links to what it is about. */
export async function createFieldNote({ store, slug, authorId, ...input }: WithProject & FieldNoteInput & { authorId: string }): Promise<FieldNote> {
  const note = parseNote(input);
  await requireProject({ store, slug });
  return store.update(fieldNotesFile, projectKeys.fieldNotes(slug), (data) => {
    const now = nowIso();
    const created: FieldNote = { id: newId(), ...note, authorId, createdAt: now, updatedAt: now };
    data.notes.push(created);
    return created;
  });
}

export async function updateFieldNote({ store, slug, noteId, ...input }: WithProject & FieldNoteInput & { noteId: string }): Promise<void> {
  const note = parseNote(input);
  await store.update(fieldNotesFile, projectKeys.fieldNotes(slug), (data) => {
    const existing = data.notes.find((candidate) => candidate.id === noteId);
    if (!existing) throw new ResearchError("not-found", "No such field note.");
    Object.assign(existing, note, { updatedAt: nowIso() });
  });
}

export async function deleteFieldNote({ store, slug, noteId }: WithProject & { noteId: string }): Promise<void> {
  await store.update(fieldNotesFile, projectKeys.fieldNotes(slug), (data) => {
    data.notes = data.notes.filter((note) => note.id !== noteId);
  });
}

/** Field notes, newest first; with `about`, only those linked to that thread, post or member. */
export async function listFieldNotes({ store, slug, about }: WithProject & { about?: { type: "thread" | "post" | "member"; ids: string[] } }): Promise<FieldNote[]> {
  await requireProject({ store, slug });
  const data = await store.read(fieldNotesFile, projectKeys.fieldNotes(slug));
  const notes = about ? data.notes.filter((note) => note.links.some((link) => link.type === about.type && about.ids.includes(link.id))) : data.notes;
  return [...notes].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

export async function getFieldNote({ store, slug, noteId }: WithProject & { noteId: string }): Promise<FieldNote | null> {
  const data = await store.read(fieldNotesFile, projectKeys.fieldNotes(slug));
  return data.notes.find((note) => note.id === noteId) ?? null;
}
