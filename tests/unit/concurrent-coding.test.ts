// Several people coding at once on a team server: two app server processes on one database (PostgreSQL
// when NETNO_TEST_DATABASE_URL is set, otherwise one SQLite file), four coders each, while an import
// commits. Every acknowledged coding must be stored, none twice, and the import must be whole.
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { expect, test } from "vitest";
import { createCodes } from "../../research/coding/index.js";
import { importFiles } from "../../research/collection/index.js";
import { projectSql } from "../../research/collection/corpus.js";
import {
  addMember,
  buildProject,
  buildStore,
  buildUser,
  storeEnv,
  TEST_ENGINE,
} from "../factories.js";

const CODING_SERVER = path.resolve(__dirname, "../helpers/coding-server.ts");
const CODERS_PER_SERVER = 4;

function runCodingServer(args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, ["--import", "tsx", CODING_SERVER, ...args], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  return new Promise<{ code: number | null; ids: string[]; stderr: string }>((resolve) =>
    child.on("close", (code) => resolve({ code, ids: stdout.split("\n").filter(Boolean), stderr })),
  );
}

test(`two app servers with four coders each and an import at once lose no coding and store none twice (${TEST_ENGINE})`, async () => {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const project = await buildProject(store, owner);
  const { slug } = project;
  // The coders are researchers of the project: applying a code checks the coder's role.
  const coders: string[] = [];
  for (let i = 0; i < 2 * CODERS_PER_SERVER; i++) {
    const coder = await buildUser(store);
    await addMember(store, project, coder, "researcher", owner.id);
    coders.push(coder.id);
  }
  await importFiles({
    store,
    slug,
    files: [path.resolve(__dirname, "../fixtures/reddit-thread.json")],
  });
  const [code] = await createCodes({
    store,
    slug,
    userId: owner.id,
    codes: [{ name: "Trust", definition: "" }],
  });
  const { database, projectId } = await projectSql({ store, slug });
  const posts = await database.db
    .selectFrom("posts")
    .select("id")
    .where("project_id", "=", projectId)
    .where("text", "!=", "")
    .execute();
  expect(posts.length).toBeGreaterThan(3);
  const folder = await mkdtemp(path.join(os.tmpdir(), "netno-coders-"));
  const postsFile = path.join(folder, "posts.json");
  await writeFile(postsFile, JSON.stringify(posts.map((post) => post.id)));

  const env = storeEnv(store);
  const serverArgs = (server: number) => [
    store.root,
    slug,
    coders.slice(server * CODERS_PER_SERVER, (server + 1) * CODERS_PER_SERVER).join(","),
    code.id,
    postsFile,
  ];
  const [first, second, imported] = await Promise.all([
    runCodingServer(serverArgs(0), env),
    runCodingServer(serverArgs(1), env),
    importFiles({
      store,
      slug,
      files: [path.resolve(__dirname, "../fixtures/hn-items.ndjson")],
    }),
  ]);
  await rm(folder, { recursive: true, force: true });
  expect(first.stderr).toBe("");
  expect(second.stderr).toBe("");
  expect([first.code, second.code]).toEqual([0, 0]);

  const acknowledged = [...first.ids, ...second.ids];
  expect(acknowledged).toHaveLength(2 * CODERS_PER_SERVER * posts.length);
  const stored = await database.db
    .selectFrom("codings")
    .select(["id", "source_id", "coder_id"])
    .where("project_id", "=", projectId)
    .execute();
  expect(stored.map((row) => row.id).sort()).toEqual([...acknowledged].sort());
  const spans = new Set(stored.map((row) => `${row.coder_id}\u001f${row.source_id}`));
  expect(spans.size).toBe(stored.length);

  // The import that committed meanwhile is whole.
  const importedPosts = await database.db
    .selectFrom("posts")
    .select((eb) => eb.fn.countAll<string | number>().as("n"))
    .where("project_id", "=", projectId)
    .executeTakeFirstOrThrow();
  expect(Number(importedPosts.n)).toBe(posts.length + imported.posts);
});
