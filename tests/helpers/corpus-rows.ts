// Reads a project's corpus straight from the tables, for tests that check what an import stored
// (withheld posts included: this is what the database holds, not what a view shows).
import { toCorpusPost, toMember, toThread } from "../../research/collection/corpus.js";
import type { Community, CorpusPost, Member, Thread } from "../../research/collection/index.js";
import { PlatformSchema } from "../../research/collection/index.js";
import { requireProject } from "../../research/projects/projects.js";
import { sqlFor, type DocumentStore } from "../../research/store/index.js";

export type StoredCorpus = {
  posts: CorpusPost[];
  members: Map<string, Member>;
  threads: Map<string, Thread>;
  communities: Community[];
};

/** Every post (in import order), member, thread and community of a project. */
export async function readStoredCorpus(store: DocumentStore, slug: string): Promise<StoredCorpus> {
  const project = await requireProject({ store, slug });
  const { db } = await sqlFor(store);
  const [posts, members, threads, communities] = await Promise.all([
    db
      .selectFrom("posts")
      .selectAll()
      .where("project_id", "=", project.id)
      .orderBy("seq")
      .execute(),
    db
      .selectFrom("members")
      .selectAll()
      .where("project_id", "=", project.id)
      .orderBy("id")
      .execute(),
    db
      .selectFrom("threads")
      .selectAll()
      .where("project_id", "=", project.id)
      .orderBy("id")
      .execute(),
    db
      .selectFrom("communities")
      .selectAll()
      .where("project_id", "=", project.id)
      .orderBy("created_at")
      .orderBy("name")
      .execute(),
  ]);
  return {
    posts: posts.map(toCorpusPost),
    members: new Map(members.map((row) => [row.id, toMember(row)])),
    threads: new Map(threads.map((row) => [row.id, toThread(row)])),
    communities: communities.map((row) => ({
      id: row.id,
      name: row.name,
      platform: PlatformSchema.catch("other").parse(row.platform),
      url: row.url,
      createdAt: row.created_at,
    })),
  };
}

/** Every row a project has in the corpus tables, to prove that a failed import changed nothing. */
export async function dumpCorpusTables(
  store: DocumentStore,
  slug: string,
): Promise<Record<string, unknown[]>> {
  const project = await requireProject({ store, slug });
  const { db } = await sqlFor(store);
  const tables = [
    "communities",
    "imports",
    "threads",
    "members",
    "posts",
    "corpus_revisions",
  ] as const;
  const dump: Record<string, unknown[]> = {};
  for (const table of tables) {
    const rows = await db
      .selectFrom(table)
      .selectAll()
      .where("project_id", "=", project.id)
      .execute();
    dump[table] = rows.map((row) => JSON.stringify(row)).sort();
  }
  return dump;
}
