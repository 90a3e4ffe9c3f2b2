// Migration 025 replaces the posts table's indexes with fewer, narrower ones (an import writes every
// post into each). A database already holding posts at migration 024 is upgraded in place, its posts
// are read as before, and the pages that leaned on the old indexes still find a thread's posts, a
// community's count and the replies waiting for their parent through the new ones.
import BetterSqlite3 from "better-sqlite3";
import path from "node:path";
import { CompiledQuery, Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from "kysely";
import pg from "pg";
import { expect, test } from "vitest";
import {
  getThreadTree,
  importFiles,
  listCommunitySummaries,
  listThreads,
} from "../../research/collection/index.js";
import { sqlFor } from "../../research/store/index.js";
import { migrationsFor } from "../../research/store/sql/migrations.js";
import { buildProject, buildStore, buildUser, TEST_ENGINE } from "../factories.js";

const BEFORE = "024-member-response-reviewer";
const OLD_INDEXES = [
  "posts_thread",
  "posts_project_thread_order",
  "posts_parent_key",
  "posts_parent",
  "posts_community",
  "posts_project_created",
  "posts_project_member_cover",
];
const NEW_INDEXES = [
  "posts_thread_order",
  "posts_unlinked_replies",
  "posts_replies",
  "posts_community_created",
  "posts_project_ids",
  "posts_member",
  "posts_import",
];

/** The database of a fresh store, brought to migration 024 only, by hand. */
async function databaseAt024(location: Awaited<ReturnType<typeof buildStore>>["sqlLocation"]) {
  let db: Kysely<unknown>;
  let schema: string | undefined;
  if (location.engine === "sqlite") {
    db = new Kysely({ dialect: new SqliteDialect({ database: new BetterSqlite3(location.file) }) });
  } else {
    schema = location.schema ?? "public";
    const setup = new pg.Client({ connectionString: location.url });
    await setup.connect();
    await setup.query(`create schema if not exists "${schema}"`);
    await setup.end();
    const pool = new pg.Pool({
      connectionString: location.url,
      options: `-c search_path=${schema}`,
    });
    db = new Kysely({ dialect: new PostgresDialect({ pool }) });
  }
  const migrations = migrationsFor(location.engine);
  const migrator = new Migrator({
    db,
    ...(schema ? { migrationTableSchema: schema } : {}),
    provider: { getMigrations: async () => migrations },
    migrationTableName: "netno_migrations",
    migrationLockTableName: "netno_migrations_lock",
  });
  const { error } = await migrator.migrateTo(BEFORE);
  if (error) throw error;
  return db;
}

/** One community, one thread of a post and two replies (one still waiting for its parent), one author. */
async function writePostsAt024(db: Kysely<unknown>, projectId: string): Promise<void> {
  const at = "2024-03-01T10:00:00.000Z";
  await sql`insert into communities (id, project_id, platform, name, created_at)
    values ('c1', ${projectId}, 'reddit', 'r/gear', ${at})`.execute(db);
  await sql`insert into threads (id, project_id, community_id, source_id, title, created_at, import_id, last_post_at)
    values ('t1', ${projectId}, 'c1', 's1', 'Old boots', ${at}, 'i1', ${at})`.execute(db);
  await sql`insert into members (id, project_id, platform, identity_key, handle, pseudonym, post_count,
      first_post_at, last_post_at, privacy_signals, consent_status)
    values ('m1', ${projectId}, 'reddit', 'hiker', 'hiker', 'Member 1', 3, ${at}, ${at}, '[]', null)`.execute(
    db,
  );
  const post = (
    id: string,
    source: string,
    parentSource: string | null,
    parentId: string | null,
    minute: number,
  ) =>
    sql`insert into posts (id, project_id, thread_id, community_id, source_id, source_key, parent_source_id,
        parent_source_key, parent_id, member_id, created_at, title, html, text, language, deleted_upstream, import_id)
      values (${id}, ${projectId}, 't1', 'c1', ${source}, ${`reddit:c1:${source}`}, ${parentSource},
        ${parentSource ? `reddit:c1:${parentSource}` : null}, ${parentId}, 'm1',
        ${`2024-03-01T10:0${minute}:00.000Z`}, null, null, ${`post ${source} about boots`}, 'en', 0, 'i1')`.execute(
      db,
    );
  await post("p1", "s1", null, null, 0);
  await post("p2", "s2", "s1", "p1", 1);
  await post("p3", "s3", "s9", null, 2);
}

async function postsIndexes(store: Awaited<ReturnType<typeof buildStore>>): Promise<string[]> {
  const { db } = await sqlFor(store);
  if (store.sqlLocation.engine === "sqlite") {
    const rows = await sql<{ name: string }>`select name from sqlite_master
      where type = 'index' and tbl_name = 'posts' and sql is not null`.execute(db);
    return rows.rows.map((row) => row.name).sort();
  }
  const rows = await sql<{ name: string }>`select indexname as name from pg_indexes
    where tablename = 'posts' and schemaname = current_schema()`.execute(db);
  return rows.rows.map((row) => row.name).sort();
}

test(`a database with posts at migration 024 gets the narrower posts indexes and reads as before (${TEST_ENGINE})`, async () => {
  const store = await buildStore();
  const old = await databaseAt024(store.sqlLocation);
  await writePostsAt024(old, "project-before");
  const before = await sql<{ name: string }>`select count(*) as name from posts`.execute(old);
  await old.destroy();
  expect(Number(before.rows[0].name)).toBe(3);

  // Opening the store migrates it; the posts then move to the project made on it.
  const owner = await buildUser(store);
  const project = await buildProject(store, owner);
  const { db } = await sqlFor(store);
  for (const table of ["communities", "threads", "members", "posts"] as const) {
    await db.updateTable(table).set({ project_id: project.id }).execute();
  }

  const names = await postsIndexes(store);
  for (const name of NEW_INDEXES) expect(names).toContain(name);
  for (const name of OLD_INDEXES) expect(names).not.toContain(name);

  const [community] = await listCommunitySummaries({ store, slug: project.slug });
  expect(community).toMatchObject({ id: "c1", posts: 3, threads: 1, withheldPosts: 0 });
  const { threads, total } = await listThreads({ store, slug: project.slug });
  expect(total).toBe(1);
  expect(threads.map((thread) => thread.id)).toEqual(["t1"]);
  const tree = await getThreadTree({ store, slug: project.slug, threadId: "t1" });
  expect(tree?.postCount).toBe(3);
  // p2 hangs under p1; p3's parent never arrived, so it is a root of its own.
  expect(
    tree?.roots.map((root) => [root.post.id, root.replies.map((reply) => reply.post.id)]),
  ).toEqual([
    ["p1", ["p2"]],
    ["p3", []],
  ]);
  const waiting = await db
    .selectFrom("posts")
    .select("id")
    .where("project_id", "=", project.id)
    .where("parent_id", "is", null)
    .where("parent_source_key", "is not", null)
    .execute();
  expect(waiting.map((row) => row.id)).toEqual(["p3"]);
});

test.runIf(TEST_ENGINE === "sqlite")(
  "the pages' queries on posts are answered from the new indexes, not by reading every post",
  async () => {
    const store = await buildStore();
    const owner = await buildUser(store);
    await buildProject(store, owner);
    const { db } = await sqlFor(store);
    const plan = async (query: { compile(): { sql: string; parameters: readonly unknown[] } }) => {
      const compiled = query.compile();
      const rows = await db.executeQuery<{ detail: string }>(
        CompiledQuery.raw(`explain query plan ${compiled.sql}`, [...compiled.parameters]),
      );
      return rows.rows.map((row) => row.detail).join(" | ");
    };
    // A thread's posts in reading order.
    expect(
      await plan(
        db
          .selectFrom("posts")
          .select(["id", "text"])
          .where("project_id", "=", "x")
          .where("thread_id", "=", "t")
          .orderBy("created_at")
          .orderBy("seq"),
      ),
    ).toMatch(/USING INDEX posts_thread_order \(thread_id=\?\)/);
    // The threads list's probe for a visible post reads the index alone.
    expect(
      await plan(
        db
          .selectFrom("posts")
          .select("member_id")
          .where("project_id", "=", "x")
          .where("thread_id", "=", "t")
          .limit(1),
      ),
    ).toMatch(/COVERING INDEX posts_thread_order/);
    // Replies waiting for a parent that an import's chunk brings.
    expect(
      await plan(
        db
          .selectFrom("posts")
          .select("id")
          .where("project_id", "=", "x")
          .where("parent_id", "is", null)
          .where("parent_source_key", "in", ["a", "b"]),
      ),
    ).toMatch(/posts_unlinked_replies/);
    // Counts over every post of a project read the narrow index, not the rows with their text.
    expect(
      await plan(
        db
          .selectFrom("posts")
          .select((eb) => [eb.fn.countAll().as("n"), eb.fn.count("member_id").distinct().as("m")])
          .where("project_id", "=", "x"),
      ),
    ).toMatch(/COVERING INDEX posts_project_ids/);
  },
);

test("an import's post ids grow in the order the posts are written (time-ordered UUIDs)", async () => {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const { slug } = await buildProject(store, owner);
  await importFiles({
    store,
    slug,
    files: [path.resolve(__dirname, "../fixtures/reddit-thread.json")],
  });
  const { db } = await sqlFor(store);
  const ids = (await db.selectFrom("posts").select("id").orderBy("seq").execute()).map(
    (row) => row.id,
  );
  expect(ids.length).toBeGreaterThan(3);
  expect(new Set(ids).size).toBe(ids.length);
  for (const id of ids)
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-/);
  expect([...ids].sort()).toEqual(ids);
});
