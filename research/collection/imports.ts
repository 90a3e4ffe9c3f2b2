import type { Selectable } from "kysely";
import type { DocumentStore } from "../store/index.js";
import type { ImportsTable } from "../store/sql/schema.js";
import { parseJsonArray, projectSql } from "./corpus.js";

export type ImportSummary = {
  id: string;
  importedAt: string;
  importedBy: string;
  format: string;
  files: string[];
  communityIds: string[];
  posts: number;
  threads: number;
  members: number;
  duplicates: number;
  skipped: number;
  orphans: number;
  notCollected: number;
};

/** The project's imports, newest first (one row per committed import: the collection page's log). */
export async function listImports({
  store,
  slug,
  limit = 50,
}: {
  store: DocumentStore;
  slug: string;
  limit?: number;
}): Promise<ImportSummary[]> {
  const { db, projectId } = await projectSql({ store, slug });
  const rows = await db
    .selectFrom("imports")
    .selectAll()
    .where("project_id", "=", projectId)
    .orderBy("imported_at", "desc")
    .limit(limit)
    .execute();
  return rows.map(toImportSummary);
}

/** An imports row as the rest of the core sees it. */
export function toImportSummary(row: Selectable<ImportsTable>): ImportSummary {
  return {
    id: row.id,
    importedAt: row.imported_at,
    importedBy: row.imported_by,
    format: row.format,
    files: parseJsonArray(row.files),
    communityIds: parseJsonArray(row.community_ids),
    posts: Number(row.posts),
    threads: Number(row.threads),
    members: Number(row.members),
    duplicates: Number(row.duplicates),
    skipped: Number(row.skipped),
    orphans: Number(row.orphans),
    notCollected: Number(row.not_collected),
  };
}
