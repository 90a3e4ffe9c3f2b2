import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterEach, onTestFinished } from "vitest";
import { createAccount, createFirstAdmin, type PublicUser } from "../research/accounts/index.js";
import { createCodes } from "../research/coding/index.js";
import { importFiles, iterateVisiblePosts } from "../research/collection/index.js";
import type { CorpusPost } from "../research/collection/model.js";
import {
  createProject,
  addProjectMember,
  type Project,
  type ProjectRole,
} from "../research/projects/index.js";
import {
  closeAllSql,
  LowdbDocumentStore,
  PostgresDocumentStore,
  sqlLocation,
  type DocumentStore,
  type SqlEngine,
} from "../research/store/index.js";

/**
 * The PostgreSQL server the tests run against (`npm test` sets it for its second run), or null for the
 * embedded default (lowdb files and a SQLite file in the test's data directory).
 */
export const TEST_DATABASE_URL = process.env.NETNO_TEST_DATABASE_URL?.trim() || null;
export const TEST_ENGINE: SqlEngine = TEST_DATABASE_URL ? "postgres" : "sqlite";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  // Close every SQL handle first: a SQLite file still open, or a pool still connected to a schema,
  // would keep the folder or the schema busy.
  await closeAllSql();
  while (cleanups.length) await cleanups.pop()!();
});

/** The test server's URL with another query parameter set (a schema, an application name). */
function withParameter(url: string, name: string, value: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set(name, value);
  return parsed.toString();
}

async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL! });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end();
  }
}

const schemaOf = new WeakMap<DocumentStore, string>();

/**
 * A store on a fresh temporary data directory, removed after the test. On PostgreSQL the store gets a
 * schema of its own (`t_<random>`), dropped after the test, so tests never see each other's rows.
 */
export async function buildStore(): Promise<DocumentStore> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "netno-test-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  if (!TEST_DATABASE_URL) return new LowdbDocumentStore(dir);
  const schema = `t_${randomBytes(6).toString("hex")}`;
  cleanups.push(() => dropSchema(schema));
  const databaseUrl = withParameter(TEST_DATABASE_URL, "schema", schema);
  const store = new PostgresDocumentStore(dir, sqlLocation({ dataDir: dir, databaseUrl }));
  schemaOf.set(store, schema);
  return store;
}

/** A fresh temporary folder for a test's input files, removed after the test. */
export async function scratchDir(prefix = "netno-scratch-"): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * A lowdb store (files and a SQLite file) on a fresh temporary data directory, whatever engine the run
 * tests: for the tests of the file engine itself.
 */
export async function buildLowdbStore(): Promise<LowdbDocumentStore> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "netno-test-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return new LowdbDocumentStore(dir);
}

/**
 * Another store object on the same data as `store`, as a second process (the CLI beside the web server)
 * or a second app server on the same PostgreSQL would have: its own queues, caches and connections.
 */
export function buildSecondStore(store: DocumentStore, name = "second"): DocumentStore {
  const location = store.sqlLocation;
  if (location.engine === "sqlite") return new LowdbDocumentStore(store.root);
  // A different URL is a different pool in openSql's registry: separate connections, as another server.
  return new PostgresDocumentStore(store.root, {
    ...location,
    url: withParameter(location.url, "application_name", `netno-${name}`),
  });
}

/**
 * The environment a child process (`netno`, a helper script) needs to work on the same data as `store`:
 * its data directory and, on PostgreSQL, the URL with the store's schema.
 */
export function storeEnv(store: DocumentStore): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NETNO_DATA_DIR: store.root };
  delete env.NETNO_DATABASE_URL;
  const location = store.sqlLocation;
  if (location.engine === "postgres") {
    env.NETNO_DATABASE_URL = location.schema
      ? withParameter(location.url, "schema", location.schema)
      : location.url;
  }
  return env;
}

/**
 * Points the app's modules (which read NETNO_DATA_DIR / NETNO_DATABASE_URL when first loaded) at this
 * store for the rest of the test, as route tests need; the environment is restored afterwards.
 */
export function pointAppAtStore(store: DocumentStore): void {
  const saved = { dir: process.env.NETNO_DATA_DIR, url: process.env.NETNO_DATABASE_URL };
  onTestFinished(() => {
    for (const [name, value] of [
      ["NETNO_DATA_DIR", saved.dir],
      ["NETNO_DATABASE_URL", saved.url],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
  const env = storeEnv(store);
  process.env.NETNO_DATA_DIR = env.NETNO_DATA_DIR;
  process.env.NETNO_DATABASE_URL = env.NETNO_DATABASE_URL ?? "";
}

/** The PostgreSQL schema of a store built by buildStore (null on SQLite). */
export function schemaOfStore(store: DocumentStore): string | null {
  return schemaOf.get(store) ?? null;
}

let counter = 0;
export async function buildUser(
  store: DocumentStore,
  overrides: Partial<{ name: string; email: string; password: string; admin: boolean }> = {},
): Promise<PublicUser> {
  counter += 1;
  const input = {
    name: overrides.name ?? `Researcher ${counter}`,
    email: overrides.email ?? `r${counter}-${Date.now()}@example.org`,
    password: overrides.password ?? "a long password",
  };
  return overrides.admin
    ? createFirstAdmin({ store, ...input })
    : createAccount({ store, ...input });
}

export async function buildProject(
  store: DocumentStore,
  owner: PublicUser,
  overrides: Partial<{ slug: string; title: string }> = {},
): Promise<Project> {
  counter += 1;
  return createProject({
    store,
    slug: overrides.slug ?? `study-${counter}`,
    title: overrides.title ?? `Study ${counter}`,
    ownerId: owner.id,
  });
}

export async function addMember(
  store: DocumentStore,
  project: Project,
  user: PublicUser,
  role: ProjectRole,
  addedBy: string,
): Promise<void> {
  await addProjectMember({ store, slug: project.slug, email: user.email, role, addedBy });
}

/**
 * The agreement tests' project: Ana (admin, owner) and Ben (researcher) with the Reddit fixture imported,
 * the codes Fix and Care and nothing coded yet; `span(i)` is the first four characters of post `i`.
 */
export async function buildTwoCoderProject({ store }: { store?: DocumentStore } = {}) {
  store ??= await buildStore();
  const ana = await buildUser(store, { admin: true, name: "Ana" });
  const ben = await buildUser(store, { name: "Ben" });
  const project = await buildProject(store, ana);
  const { slug } = project;
  await addMember(store, project, ben, "researcher", ana.id);
  await importFiles({
    store,
    slug,
    files: [path.resolve(__dirname, "fixtures/reddit-thread.json")],
  });
  const [fix, care] = await createCodes({
    store,
    slug,
    userId: ana.id,
    codes: [{ name: "Fix" }, { name: "Care" }],
  });
  const posts: CorpusPost[] = [];
  for await (const batch of iterateVisiblePosts({ store, slug })) posts.push(...batch);
  const span = (i: number) => ({
    sourceType: "post" as const,
    sourceId: posts[i].id,
    start: 0,
    end: 4,
  });
  return { store, project, slug, ana, ben, fix, care, posts, span };
}

export const SHARED_DATA = path.resolve(__dirname, "../../shared/data");
