// The store contract on whichever engine the run uses: lowdb files and SQLite by default, PostgreSQL when
// NETNO_TEST_DATABASE_URL is set (`npm test` runs this file both ways).
import { spawn } from "node:child_process";
import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { sql } from "kysely";
import { expect, test } from "vitest";
import { z } from "zod";
import { visibleMembers, visiblePosts } from "../../research/collection/corpus.js";
import { isResearchError } from "../../research/shared/errors.js";
import {
  closeAllSql,
  inTransaction,
  LowdbDocumentStore,
  openSql,
  PostgresDocumentStore,
  sqlFor,
  sqlLocation,
  type DocumentStore,
  type Queryable,
  type StoredFileKind,
} from "../../research/store/index.js";
import { migrationsFor } from "../../research/store/sql/migrations.js";
import { buildSecondStore, buildStore, scratchDir, storeEnv, TEST_ENGINE } from "../factories.js";

const listFile: StoredFileKind<{ items: number[] }> = {
  description: "test list",
  schema: z.object({ items: z.array(z.number()) }),
  version: 2,
  empty: () => ({ items: [] }),
  migrations: { 1: (data) => ({ items: Array.isArray(data.values) ? data.values : [] }) },
};

/** Puts a document's raw text where the engine keeps it, as a person editing by hand (or a bug) might. */
async function writeRawDocument(store: DocumentStore, key: string, text: string): Promise<void> {
  if (store.sqlLocation.engine === "sqlite") {
    await writeFile(path.join(store.root, key), text);
    return;
  }
  const { db } = await sqlFor(store);
  await db
    .insertInto("documents")
    .values({ key, data: text, version: 1, updated_at: new Date().toISOString() })
    .execute();
}

async function readRawDocument(store: DocumentStore, key: string): Promise<string | null> {
  if (store.sqlLocation.engine === "sqlite") {
    const { readFile } = await import("node:fs/promises");
    return readFile(path.join(store.root, key), "utf8").catch(() => null);
  }
  const { db } = await sqlFor(store);
  const row = await db
    .selectFrom("documents")
    .select("data")
    .where("key", "=", key)
    .executeTakeFirst();
  return row?.data ?? null;
}

test(`documents are read, updated, listed, moved and removed (${TEST_ENGINE})`, async () => {
  const store = await buildStore();
  expect(await store.read(listFile, "projects/a/list.json")).toEqual({ items: [] });
  expect(await store.exists("projects/a/list.json")).toBe(false);

  const returned = await store.update(listFile, "projects/a/list.json", (data) => {
    data.items.push(1, 2);
    return data.items.length;
  });
  expect(returned).toBe(2);
  await store.update(listFile, "projects/a/notes/one.json", (data) => void data.items.push(3));
  await store.update(listFile, "projects/b/list.json", (data) => void data.items.push(4));

  expect(await store.read(listFile, "projects/a/list.json")).toEqual({ items: [1, 2] });
  expect(await store.exists("projects/a/list.json")).toBe(true);
  expect(await store.exists("projects/a")).toBe(true);
  expect(await store.exists("projects/a/missing.json")).toBe(false);
  expect(await store.list("projects")).toEqual(["a", "b"]);
  expect(await store.list("projects/a")).toEqual(["list.json", "notes"]);
  expect(await store.list("projects/none")).toEqual([]);

  // A folder moves with everything under it (a project slug changing).
  await store.move("projects/a", "projects/c");
  expect(await store.list("projects")).toEqual(["b", "c"]);
  expect(await store.exists("projects/a")).toBe(false);
  expect(await store.read(listFile, "projects/c/list.json")).toEqual({ items: [1, 2] });
  expect(await store.read(listFile, "projects/c/notes/one.json")).toEqual({ items: [3] });
  // Keys that merely start alike are not part of the folder.
  await store.update(listFile, "projects/bb/list.json", (data) => void data.items.push(5));
  await store.remove("projects/b");
  expect(await store.list("projects")).toEqual(["bb", "c"]);
  expect(await store.read(listFile, "projects/bb/list.json")).toEqual({ items: [5] });

  await store.remove("projects/c/list.json");
  expect(await store.exists("projects/c/list.json")).toBe(false);
  expect(await store.list("projects/c")).toEqual(["notes"]);

  // A fresh store object (another process) reads what was written.
  const other = buildSecondStore(store);
  expect(await other.read(listFile, "projects/c/notes/one.json")).toEqual({ items: [3] });
});

test(`a change the schema refuses is not written (${TEST_ENGINE})`, async () => {
  const store = await buildStore();
  await store.update(listFile, "p.json", (data) => void data.items.push(1));
  await expect(
    store.update(listFile, "p.json", (data) => void (data.items as unknown[]).push("two")),
  ).rejects.toThrow(/Refusing to write/);
  expect(await buildSecondStore(store).read(listFile, "p.json")).toEqual({ items: [1] });
  expect((await store.read(listFile, "p.json")).items).toEqual([1]);
});

test(`an older document is migrated on read and stored in the new version (${TEST_ENGINE})`, async () => {
  const store = await buildStore();
  await writeRawDocument(store, "old.json", JSON.stringify({ schemaVersion: 1, values: [7, 8] }));
  expect((await store.read(listFile, "old.json")).items).toEqual([7, 8]);
  await store.update(listFile, "old.json", (data) => void data.items.push(9));
  expect(JSON.parse((await readRawDocument(store, "old.json"))!)).toEqual({
    schemaVersion: 2,
    items: [7, 8, 9],
  });
});

test(`a corrupt document is reported by its key and never replaced (${TEST_ENGINE})`, async () => {
  const store = await buildStore();
  const broken = '{"schemaVersion":2,"items":[1,2';
  await writeRawDocument(store, "broken.json", broken);
  const error = await store.read(listFile, "broken.json").catch((e: unknown) => e);
  expect(isResearchError(error, "corrupt-file")).toBe(true);
  expect((error as Error).message).toContain("broken.json");
  expect((error as Error).message).toMatch(/not valid JSON/);
  await expect(
    store.update(listFile, "broken.json", (data) => void data.items.push(3)),
  ).rejects.toThrow(/not valid JSON/);
  expect(await readRawDocument(store, "broken.json")).toBe(broken);

  await writeRawDocument(
    store,
    "bad.json",
    JSON.stringify({ schemaVersion: 2, items: [1, "two"] }),
  );
  const invalid = await store.read(listFile, "bad.json").catch((e: unknown) => e);
  expect(isResearchError(invalid, "corrupt-file")).toBe(true);
  expect((invalid as Error).message).toContain("items[1]");

  await writeRawDocument(store, "new.json", JSON.stringify({ schemaVersion: 9, items: [] }));
  await expect(store.read(listFile, "new.json")).rejects.toThrow(/newer version/);
});

test(`keys cannot escape the data directory (${TEST_ENGINE})`, async () => {
  const store = await buildStore();
  await expect(store.read(listFile, "../outside.json")).rejects.toThrow(
    /outside the data directory/,
  );
  await expect(store.update(listFile, "a/../../outside.json", () => undefined)).rejects.toThrow(
    /outside the data directory/,
  );
});

test.each([
  ["on separate connections", (store: DocumentStore) => buildSecondStore(store)],
  // Same location: one connection pool, two objects each with its own queue of changes.
  ["sharing one connection pool", (store: DocumentStore) => sameLocationStore(store)],
])(
  `200 concurrent updates to one document from two store objects %s are all kept (${TEST_ENGINE})`,
  async (_, makeOther) => {
    // Two app servers on one PostgreSQL, or the web server and the CLI on one data directory.
    const store = await buildStore();
    const other = makeOther(store);
    const key = "projects/p/list.json";
    await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        (i % 2 === 0 ? store : other).update(listFile, key, (data) => void data.items.push(i)),
      ),
    );
    const items = (await buildSecondStore(store, "third").read(listFile, key)).items;
    expect(items).toHaveLength(200);
    expect(new Set(items).size).toBe(200);
  },
  60_000,
);

function sameLocationStore(store: DocumentStore): DocumentStore {
  const location = store.sqlLocation;
  return location.engine === "sqlite"
    ? new LowdbDocumentStore(store.root)
    : new PostgresDocumentStore(store.root, location);
}

test(`the server and two CLI processes updating one document at once lose nothing (${TEST_ENGINE})`, async () => {
  const store = await buildStore();
  const shared: StoredFileKind<{ items: string[] }> = {
    description: "list",
    schema: z.object({ items: z.array(z.string()) }),
    version: 1,
    empty: () => ({ items: [] }),
  };
  const writer = (tag: string) =>
    new Promise<void>((resolve, reject) => {
      const script = path.resolve(__dirname, "../helpers/concurrent-writer.ts");
      const child = spawn(process.execPath, ["--import", "tsx", script, store.root, tag, "40"], {
        stdio: ["ignore", "ignore", "pipe"],
        env: storeEnv(store),
      });
      let errors = "";
      child.stderr.on("data", (chunk) => (errors += chunk));
      child.on("exit", (code) =>
        code === 0 ? resolve() : reject(new Error(`writer ${tag} failed: ${errors}`)),
      );
    });
  await Promise.all([
    writer("cli-a"),
    writer("cli-b"),
    ...Array.from({ length: 40 }, (_, i) =>
      store.update(shared, "projects/p/shared.json", (data) => void data.items.push(`server-${i}`)),
    ),
  ]);
  const items = (await buildSecondStore(store).read(shared, "projects/p/shared.json")).items;
  expect(items).toHaveLength(120);
  expect(new Set(items).size).toBe(120);
}, 90_000);

async function countRows(db: Queryable, table: "communities"): Promise<number> {
  const row = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll().as("n"))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

function community(id: string, projectId = "project-1") {
  return {
    id,
    project_id: projectId,
    platform: "reddit",
    name: `r/${id}`,
    url: null,
    created_at: "2026-01-01T00:00:00Z",
  };
}

test(`a transaction that fails stores nothing; one that succeeds stores everything (${TEST_ENGINE})`, async () => {
  const store = await buildStore();
  const database = await sqlFor(store);
  await expect(
    inTransaction(database, async (trx) => {
      await trx.insertInto("communities").values(community("c1")).execute();
      await trx.insertInto("communities").values(community("c2")).execute();
      throw new Error("the import failed half-way");
    }),
  ).rejects.toThrow("half-way");
  expect(await countRows(database.db, "communities")).toBe(0);

  // A failing statement (a duplicate) also undoes the rows before it.
  await expect(
    inTransaction(database, async (trx) => {
      await trx.insertInto("communities").values(community("c3")).execute();
      await trx.insertInto("communities").values(community("c3")).execute();
    }),
  ).rejects.toThrow();
  expect(await countRows(database.db, "communities")).toBe(0);

  const result = await inTransaction(
    database,
    async (trx) => {
      await trx
        .insertInto("communities")
        .values([community("c4"), community("c5")])
        .execute();
      return "done";
    },
    { lockKey: "corpus:project-1" },
  );
  expect(result).toBe("done");
  expect(await countRows(database.db, "communities")).toBe(2);
  // The database is usable after the failures: the connection was not left inside a transaction.
  await database.db.insertInto("communities").values(community("c6")).execute();
  expect(await countRows(database.db, "communities")).toBe(3);
});

test(`transactions on one lock key from two store objects do not interleave (${TEST_ENGINE})`, async () => {
  const store = await buildStore();
  const first = await sqlFor(store);
  const second = await sqlFor(buildSecondStore(store));
  await first.db.insertInto("corpus_revisions").values({ project_id: "p", revision: 0 }).execute();
  // Read-then-write increments: any interleaving would lose some.
  const bump = (database: typeof first) =>
    inTransaction(
      database,
      async (trx) => {
        const row = await trx
          .selectFrom("corpus_revisions")
          .select("revision")
          .where("project_id", "=", "p")
          .executeTakeFirstOrThrow();
        await new Promise((resolve) => setTimeout(resolve, 1));
        await trx
          .updateTable("corpus_revisions")
          .set({ revision: Number(row.revision) + 1 })
          .where("project_id", "=", "p")
          .execute();
      },
      { lockKey: "corpus:p" },
    );
  await Promise.all(Array.from({ length: 40 }, (_, i) => bump(i % 2 === 0 ? first : second)));
  const row = await first.db
    .selectFrom("corpus_revisions")
    .select("revision")
    .where("project_id", "=", "p")
    .executeTakeFirstOrThrow();
  expect(Number(row.revision)).toBe(40);
}, 60_000);

async function appliedMigrations(db: Queryable): Promise<string[]> {
  const result = await sql<{
    name: string;
  }>`select name from netno_migrations order by name`.execute(db);
  return result.rows.map((row) => row.name);
}

test(`migrations run once: opening the database again changes nothing (${TEST_ENGINE})`, async () => {
  const store = await buildStore();
  const expected = Object.keys(migrationsFor(TEST_ENGINE)).sort();
  const first = await sqlFor(store);
  expect(await appliedMigrations(first.db)).toEqual(expected);
  await first.db.insertInto("communities").values(community("kept")).execute();
  await first.close();

  const again = await sqlFor(store);
  expect(again).not.toBe(first);
  expect(await appliedMigrations(again.db)).toEqual(expected);
  expect(await countRows(again.db, "communities")).toBe(1);
  await closeAllSql();
  // A third open through the location itself, as another process would.
  const third = await openSql(store.sqlLocation);
  expect(await appliedMigrations(third.db)).toEqual(expected);
});

test(`two servers opening a fresh database at once both end up on the current schema (${TEST_ENGINE})`, async () => {
  const store = await buildStore();
  const expected = Object.keys(migrationsFor(TEST_ENGINE)).sort();
  if (TEST_ENGINE === "postgres") {
    const [a, b] = await Promise.all([sqlFor(store), sqlFor(buildSecondStore(store))]);
    expect(a).not.toBe(b);
    expect(await appliedMigrations(a.db)).toEqual(expected);
    expect(await appliedMigrations(b.db)).toEqual(expected);
    return;
  }
  // SQLite: one handle per file per process, so the race is between processes.
  const opener = (tag: string) =>
    new Promise<void>((resolve, reject) => {
      const script = [
        `import { openSql, sqlLocation, closeAllSql } from ${JSON.stringify(path.resolve(__dirname, "../../research/store/index.ts"))};`,
        `const database = await openSql(sqlLocation({ dataDir: ${JSON.stringify(store.root)} }));`,
        `await database.db.selectFrom("documents").selectAll().execute();`,
        `await closeAllSql();`,
      ].join("\n");
      const child = spawn(
        process.execPath,
        ["--import", "tsx", "--input-type=module", "-e", script],
        {
          stdio: ["ignore", "ignore", "pipe"],
        },
      );
      let errors = "";
      child.stderr.on("data", (chunk) => (errors += chunk));
      child.on("exit", (code) =>
        code === 0 ? resolve() : reject(new Error(`opener ${tag} failed: ${errors}`)),
      );
    });
  await Promise.all([opener("a"), opener("b")]);
  expect(await appliedMigrations((await sqlFor(store)).db)).toEqual(expected);
}, 60_000);

test(`visible posts and members leave out opted-out members inside the query (${TEST_ENGINE})`, async () => {
  const store = await buildStore();
  const { db } = await sqlFor(store);
  const projectId = "project-v";
  await db
    .insertInto("communities")
    .values([community("c", projectId), community("other", "project-w")])
    .execute();
  await db
    .insertInto("threads")
    .values([
      {
        id: "t",
        project_id: projectId,
        community_id: "c",
        source_id: "t",
        title: "Thread",
        url: null,
        created_at: null,
        import_id: "i",
      },
      {
        id: "tw",
        project_id: "project-w",
        community_id: "other",
        source_id: "tw",
        title: "Other",
        url: null,
        created_at: null,
        import_id: "i",
      },
    ])
    .execute();
  const member = (id: string, consent: string | null, project = projectId) => ({
    id,
    project_id: project,
    platform: "reddit",
    identity_key: id,
    handle: id,
    display_name: null,
    platform_user_id: null,
    pseudonym: `P-${id}`,
    post_count: 1,
    first_post_at: null,
    last_post_at: null,
    privacy_signals: "[]",
    consent_status: consent,
  });
  await db
    .insertInto("members")
    .values([
      member("never-asked", null),
      member("consented", "consented"),
      member("opted-out", "opted-out"),
      member("elsewhere", null, "project-w"),
    ])
    .execute();
  const post = (
    id: string,
    memberId: string | null,
    project = projectId,
    thread = "t",
    communityId = "c",
  ) => ({
    id,
    project_id: project,
    thread_id: thread,
    community_id: communityId,
    source_id: id,
    source_key: `reddit:${id}`,
    parent_source_id: null,
    parent_source_key: null,
    parent_id: null,
    member_id: memberId,
    created_at: "2026-01-01T00:00:00Z",
    title: null,
    html: null,
    text: `words of ${id}`,
    url: null,
    language: "en",
    deleted_upstream: 0,
    import_id: "i",
  });
  await db
    .insertInto("posts")
    .values([
      post("p-never", "never-asked"),
      post("p-consented", "consented"),
      post("p-opted-out", "opted-out"),
      post("p-deleted-author", null),
      post("p-elsewhere", "elsewhere", "project-w", "tw", "other"),
    ])
    .execute();

  const posts = await visiblePosts(db, projectId).select("p.id").orderBy("p.id").execute();
  expect(posts.map((row) => row.id)).toEqual(["p-consented", "p-deleted-author", "p-never"]);
  const counted = await visiblePosts(db, projectId)
    .select((eb) => eb.fn.countAll().as("n"))
    .executeTakeFirstOrThrow();
  expect(Number(counted.n)).toBe(3);
  const members = await visibleMembers(db, projectId).select("m.id").orderBy("m.id").execute();
  expect(members.map((row) => row.id)).toEqual(["consented", "never-asked"]);

  // Opting out later takes effect on the next query, with nothing cached in between.
  await db
    .updateTable("members")
    .set({ consent_status: "opted-out" })
    .where("id", "=", "never-asked")
    .execute();
  const after = await visiblePosts(db, projectId).select("p.id").orderBy("p.id").execute();
  expect(after.map((row) => row.id)).toEqual(["p-consented", "p-deleted-author"]);
});

test("a PostgreSQL URL that is not one is refused with the variable's name", () => {
  expect(() => sqlLocation({ dataDir: "/tmp", databaseUrl: "mysql://x@localhost/db" })).toThrow(
    /postgres:\/\//,
  );
  expect(() => sqlLocation({ dataDir: "/tmp", databaseUrl: "not a url" })).toThrow(
    /NETNO_DATABASE_URL/,
  );
  expect(() =>
    sqlLocation({ dataDir: "/tmp", databaseUrl: "postgres://x@localhost/db?schema=Bad-Name" }),
  ).toThrow(/schema/);
  expect(
    sqlLocation({ dataDir: "/tmp", databaseUrl: "postgres://x@localhost/db?schema=team_a" }),
  ).toEqual({
    engine: "postgres",
    url: "postgres://x@localhost/db",
    schema: "team_a",
  });
});

test("the embedded default keeps its tables in the data directory", async () => {
  const dir = await scratchDir("netno-location-");
  try {
    expect(sqlLocation({ dataDir: dir })).toEqual({
      engine: "sqlite",
      file: path.join(dir, "netno.sqlite"),
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
