import { codebookFile, codingsFile } from "../coding/model.js";
import { corpusManifestFile, fieldNotesFile, membersFile } from "../collection/model.js";
import type { DocumentStore } from "../store/index.js";
import { projectKeys } from "./model.js";
import { requireProject } from "./projects.js";

export type ProjectStats = { posts: number; threads: number; members: number; fieldNotes: number; codes: number; codings: number };

/** The project's totals, read from the small files only (the manifest holds per-batch counts). */
export async function getProjectStats({ store, slug }: { store: DocumentStore; slug: string }): Promise<ProjectStats> {
  await requireProject({ store, slug });
  const [manifest, members, notes, codebook, codings] = await Promise.all([
    store.read(corpusManifestFile, projectKeys.corpusManifest(slug)),
    store.read(membersFile, projectKeys.members(slug)),
    store.read(fieldNotesFile, projectKeys.fieldNotes(slug)),
    store.read(codebookFile, projectKeys.codebook(slug)),
    store.read(codingsFile, projectKeys.codings(slug)),
  ]);
  return {
    posts: manifest.batches.reduce((sum, batch) => sum + batch.posts, 0),
    threads: manifest.batches.reduce((sum, batch) => sum + batch.threads, 0),
    members: members.members.length,
    fieldNotes: notes.notes.length,
    codes: codebook.codes.filter((code) => !code.mergedInto).length,
    codings: codings.codings.length,
  };
}
