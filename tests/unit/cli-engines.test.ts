// The netno CLI on the run's engine (NETNO_DATABASE_URL on PostgreSQL, as the server reads it): commands
// work, print the README's JSON, and the process exits by itself when done (no connection left open).
import { spawn } from "node:child_process";
import path from "node:path";
import { expect, test } from "vitest";
import { listAllProjects } from "../../research/projects/index.js";
import { applyCode } from "../../research/coding/index.js";
import {
  buildStore,
  buildTwoCoderProject,
  scratchDir,
  storeEnv,
  TEST_ENGINE,
} from "../factories.js";
import type { DocumentStore } from "../../research/store/index.js";

const NETNO = path.resolve(__dirname, "../../scripts/netno.js");

function netno(store: DocumentStore, args: string[]) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [NETNO, ...args], { env: storeEnv(store) });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    // A process that does not exit on its own (an open pool) fails here rather than hanging the run.
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`netno ${args.join(" ")} did not exit: ${stderr}`));
    }, 90_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

test(`netno project create, project list, stats and migrate work and exit (${TEST_ENGINE})`, async () => {
  const store = await buildStore();
  const created = await netno(store, [
    "project",
    "create",
    "fieldwork",
    "--title",
    "Field work",
    "--json",
  ]);
  expect(created.stderr).toBe("");
  expect(created.code).toBe(0);
  expect(JSON.parse(created.stdout)).toMatchObject({ slug: "fieldwork", title: "Field work" });
  // The CLI wrote where the server reads: the same documents, on the same engine.
  expect((await listAllProjects({ store })).map((project) => project.slug)).toEqual(["fieldwork"]);

  // One after another: each is a fresh process (tsx start-up), which is slow on a busy 2-core machine.
  const listed = await netno(store, ["project", "list", "--json"]);
  const stats = await netno(store, ["stats", "fieldwork", "--json"]);
  const migrated = await netno(store, ["migrate", "--json"]);
  const missing = await netno(store, ["stats", "no-such-project", "--json"]);
  expect(listed.code).toBe(0);
  expect(JSON.parse(listed.stdout)).toEqual([
    expect.objectContaining({ slug: "fieldwork", title: "Field work", archived: false }),
  ]);
  expect(stats.code).toBe(0);
  expect(JSON.parse(stats.stdout)).toMatchObject({ posts: 0, threads: 0, members: 0, codings: 0 });
  expect(migrated.code).toBe(0);
  expect(JSON.parse(migrated.stdout)).toMatchObject({ projects: 0, posts: 0, backup: null });
  expect(missing.code).toBe(1);
  expect(missing.stderr).toMatch(/no-such-project/);
}, 300_000);

test(`netno export refuses to write inside the data directory and leaves its files alone (${TEST_ENGINE})`, async () => {
  const store = await buildStore();
  const created = await netno(store, ["project", "create", "guarded", "--title", "Guarded"]);
  expect(created.code).toBe(0);
  const { readFile } = await import("node:fs/promises");
  const { existsSync } = await import("node:fs");
  const accounts = path.join(store.root, "accounts.json");
  const before = existsSync(accounts) ? await readFile(accounts, "utf8") : null;
  for (const out of [accounts, path.join(store.root, "projects", "x.html"), store.root]) {
    const refused = await netno(store, ["export", "guarded", "--format", "html", "--out", out]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/inside the data directory/);
  }
  expect(existsSync(accounts) ? await readFile(accounts, "utf8") : null).toBe(before);
  expect(existsSync(path.join(store.root, "projects", "x.html"))).toBe(false);
});

test(`the prebuilt CLI bundle runs the same commands as the TypeScript sources (${TEST_ENGINE})`, async () => {
  const store = await buildStore();
  const { mkdir, mkdtemp, readFile, rm, writeFile } = await import("node:fs/promises");
  // Inside the repository, as build/ is: the bundle's packages resolve from its node_modules.
  const scratch = path.resolve(__dirname, "../.tmp");
  await mkdir(scratch, { recursive: true });
  const folder = await mkdtemp(path.join(scratch, "bundle-"));
  const bundle = path.join(folder, "main.mjs");
  const built = spawn(process.execPath, [
    path.resolve(__dirname, "../../scripts/build-cli.js"),
    bundle,
  ]);
  expect(await new Promise((resolve) => built.on("exit", resolve))).toBe(0);
  const runner = path.join(folder, "run.mjs");
  await writeFile(
    runner,
    `const { main } = await import(${JSON.stringify(bundle)});\n` +
      "process.exitCode = await main(process.argv.slice(2));\n",
  );
  const run = (args: string[]) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [runner, ...args], { env: storeEnv(store) });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk) => (stdout += chunk));
      child.stderr.on("data", (chunk) => (stderr += chunk));
      child.on("exit", (code) => resolve({ code, stdout, stderr }));
    });
  const created = await run(["project", "create", "bundled", "--title", "Bundled", "--json"]);
  expect(created.stderr).toBe("");
  expect(JSON.parse(created.stdout)).toMatchObject({ slug: "bundled" });
  const listed = await run(["project", "list", "--json"]);
  expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ slug: "bundled" })]);
  // The bundle has no analysis worker beside it: the report's analyses run inline in the command.
  const coded = await buildTwoCoderProject({ store });
  for (const coder of [coded.ana, coded.ben])
    await applyCode({
      store,
      slug: coded.slug,
      span: coded.span(0),
      codeIds: [coded.fix.id],
      coderId: coder.id,
    });
  const out = path.join(folder, "report.json");
  const exported = await run(["export", coded.slug, "--format", "json", "--out", out, "--json"]);
  expect(exported.stderr).toBe("");
  expect(exported.code).toBe(0);
  const report = JSON.parse(await readFile(out, "utf8"));
  expect(report.method).toMatchObject({ codes: 2, codings: 2 });
  await rm(folder, { recursive: true, force: true });
});

test(`netno import reads the upload form's options as the background job passes them: --encoding, --date-format (${TEST_ENGINE})`, async () => {
  const store = await buildStore();
  expect((await netno(store, ["project", "create", "latin", "--title", "Latin"])).code).toBe(0);
  const { writeFile } = await import("node:fs/promises");
  const folder = await scratchDir("netno-cli-latin1-");
  const file = path.join(folder, "forum.csv");
  await writeFile(
    file,
    Buffer.from(
      "id,thread,parent,author,body,timestamp\n1,t1,,ana,café crème,02/01/2020 10:00\n",
      "latin1",
    ),
  );
  const { importJobArgs } = await import("../../research/collection/import-jobs.js");
  const args = importJobArgs({
    slug: "latin",
    userId: "cli",
    files: [file],
    dateFormat: "DD/MM",
    encoding: "windows-1252",
  });
  expect(args).toEqual(
    expect.arrayContaining(["--encoding", "windows-1252", "--date-format", "DD/MM"]),
  );
  // Without the options the same file is refused with what to do.
  const refused = await netno(store, ["import", "latin", file, "--json"]);
  expect(refused.code).not.toBe(0);
  expect(refused.stderr).toMatch(/--encoding windows-1252|--date-format/);
  const imported = await netno(store, [...args.filter((arg) => arg !== "--report-json"), "--json"]);
  expect(imported.stderr).toBe("");
  expect(JSON.parse(imported.stdout)).toMatchObject({ posts: 1 });
  const { projectSql } = await import("../../research/collection/corpus.js");
  const { db, projectId } = await projectSql({ store, slug: "latin" });
  expect(
    await db
      .selectFrom("posts")
      .select(["text", "created_at"])
      .where("project_id", "=", projectId)
      .execute(),
  ).toEqual([{ text: "café crème", created_at: "2020-01-02T10:00:00.000Z" }]);
  const badChoice = await netno(store, ["import", "latin", file, "--encoding", "ebcdic"]);
  expect(badChoice.code).toBe(2);
}, 300_000);
