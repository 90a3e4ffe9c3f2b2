import { codebookFile } from "../coding/model.js";
import { sqlFor, type DocumentStore, type Queryable } from "../store/index.js";
import { projectKeys } from "./model.js";
import { requireProject } from "./projects.js";

export type ProjectStats = {
  posts: number;
  threads: number;
  members: number;
  fieldNotes: number;
  codes: number;
  codings: number;
};

type CountedTable = "posts" | "threads" | "members" | "field_notes" | "codings";

async function countRows(db: Queryable, table: CountedTable, projectId: string): Promise<number> {
  const row = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll().as("n"))
    .where("project_id", "=", projectId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * The project's totals (`netno stats --json`): what the tables hold, withheld posts included (see
 * countCorpus for what views show); codes from the codebook, merged codes left out.
 */
export async function getProjectStats({
  store,
  slug,
}: {
  store: DocumentStore;
  slug: string;
}): Promise<ProjectStats> {
  const project = await requireProject({ store, slug });
  const { db } = await sqlFor(store);
  const [posts, threads, members, fieldNotes, codings, codebook] = await Promise.all([
    countRows(db, "posts", project.id),
    countRows(db, "threads", project.id),
    countRows(db, "members", project.id),
    countRows(db, "field_notes", project.id),
    countRows(db, "codings", project.id),
    store.read(codebookFile, projectKeys.codebook(slug)),
  ]);
  return {
    posts,
    threads,
    members,
    fieldNotes,
    codes: codebook.codes.filter((code) => !code.mergedInto).length,
    codings,
  };
}
