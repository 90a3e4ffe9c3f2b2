// Imports that race each other, fail half-way or are killed: the corpus ends with every member, no
// duplicate post, and nothing of an import that did not commit.
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import { readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { expect, test } from "vitest";
import { importFiles } from "../../research/collection/index.js";
import { isResearchError } from "../../research/shared/errors.js";
import { sqlFor, type DocumentStore } from "../../research/store/index.js";
import { buildProject, buildStore, buildUser, scratchDir } from "../factories.js";

const ROOT = path.resolve(__dirname, "../..");

/** A Reddit NDJSON dump of `threads` threads of `perThread` posts, written by members `<tag>-0...`. */
async function redditDump(
  tag: string,
  { threads, perThread, members }: { threads: number; perThread: number; members: number },
): Promise<string> {
  const dir = await scratchDir("netno-race-");
  const file = path.join(dir, `${tag}.ndjson`);
  const out = createWriteStream(file);
  let n = 0;
  for (let t = 0; t < threads; t++) {
    const submission = `${tag}s${t}`;
    const lines = [
      {
        id: submission,
        title: `Thread ${t} about batteries`,
        selftext: `Opening post ${t} of ${tag}`,
        author: `${tag}-${n++ % members}`,
        created_utc: 1_690_000_000 + t * 600,
        subreddit: "vandwellers",
        permalink: `/r/vandwellers/comments/${submission}/x/`,
      },
    ];
    for (let c = 1; c < perThread; c++) {
      lines.push({
        id: `${tag}c${t}x${c}`,
        parent_id: c === 1 ? `t3_${submission}` : `t1_${tag}c${t}x${c - 1}`,
        link_id: `t3_${submission}`,
        author: `${tag}-${n++ % members}`,
        body: `Reply ${c} in thread ${t}: the inverter and the solar panel`,
        created_utc: 1_690_000_000 + t * 600 + c * 10,
        subreddit: "vandwellers",
        permalink: `/r/vandwellers/comments/${submission}/x/${tag}c${t}x${c}/`,
      } as never);
    }
    for (const line of lines) {
      if (!out.write(`${JSON.stringify(line)}\n`))
        await new Promise<void>((r) => out.once("drain", () => r()));
    }
  }
  await new Promise<void>((resolve, reject) =>
    out.end((e?: Error | null) => (e ? reject(e) : resolve())),
  );
  return file;
}

async function newProject() {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const project = await buildProject(store, owner);
  return { store, slug: project.slug, projectId: project.id };
}

/** What the tables hold for a project: counts, and keys seen more than once. */
async function tally(store: DocumentStore, projectId: string) {
  const { db } = await sqlFor(store);
  const count = async (table: "posts" | "threads" | "members" | "communities" | "imports") =>
    Number(
      (
        await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as("n"))
          .where("project_id", "=", projectId)
          .executeTakeFirstOrThrow()
      ).n,
    );
  const handles = (
    await db.selectFrom("members").select("handle").where("project_id", "=", projectId).execute()
  ).map((row) => row.handle);
  const repeatedKeys = await db
    .selectFrom("posts")
    .select("source_key")
    .where("project_id", "=", projectId)
    .groupBy("source_key")
    .having((eb) => eb.fn.countAll(), ">", 1)
    .execute();
  const orphanMembers = await db
    .selectFrom("posts as p")
    .leftJoin("members as m", "m.id", "p.member_id")
    .select("p.id")
    .where("p.project_id", "=", projectId)
    .where("p.member_id", "is not", null)
    .where("m.id", "is", null)
    .execute();
  const revision = await db
    .selectFrom("corpus_revisions")
    .select("revision")
    .where("project_id", "=", projectId)
    .executeTakeFirst();
  return {
    posts: await count("posts"),
    threads: await count("threads"),
    members: await count("members"),
    communities: await count("communities"),
    imports: await count("imports"),
    handles: new Set(handles),
    repeatedKeys: repeatedKeys.length,
    postsWithoutMember: orphanMembers.length,
    revision: revision ? Number(revision.revision) : 0,
  };
}

/** The environment a `netno` process needs to work on the same data as `store`. */
function cliEnv(store: DocumentStore): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NETNO_DATA_DIR: store.root };
  delete env.NETNO_DATABASE_URL;
  const location = store.sqlLocation;
  if (location.engine === "postgres") {
    const url = new URL(location.url);
    if (location.schema) url.searchParams.set("schema", location.schema);
    env.NETNO_DATABASE_URL = url.toString();
  }
  return env;
}

function runCli(store: DocumentStore, args: string[]) {
  const child = spawn(process.execPath, [path.join(ROOT, "scripts/netno.js"), ...args], {
    cwd: ROOT,
    env: cliEnv(store),
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const done = new Promise<{
    code: number | null;
    signal: string | null;
    stdout: string;
    stderr: string;
  }>((resolve) => child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done, stderr: () => stderr };
}

test("two imports of different files into one project at once keep both sets of members", async () => {
  const { store, slug, projectId } = await newProject();
  const [a, b] = await Promise.all([
    redditDump("alpha", { threads: 60, perThread: 20, members: 300 }),
    redditDump("beta", { threads: 60, perThread: 20, members: 300 }),
  ]);
  const reports = await Promise.all([
    importFiles({ store, slug, files: [a] }),
    importFiles({ store, slug, files: [b] }),
  ]);
  expect(reports.map((report) => report.members)).toEqual([300, 300]);
  const after = await tally(store, projectId);
  expect(after).toMatchObject({
    posts: 2400,
    threads: 120,
    members: 600,
    repeatedKeys: 0,
    imports: 2,
  });
  expect(after.postsWithoutMember).toBe(0);
  for (let i = 0; i < 300; i++) {
    expect(after.handles.has(`alpha-${i}`)).toBe(true);
    expect(after.handles.has(`beta-${i}`)).toBe(true);
  }
});

test("the same file imported six times at once is stored once", async () => {
  const { store, slug, projectId } = await newProject();
  const file = await redditDump("same", { threads: 50, perThread: 30, members: 200 });
  const reports = await Promise.all(
    Array.from({ length: 6 }, () => importFiles({ store, slug, files: [file] })),
  );
  expect(reports.map((report) => report.posts).sort((x, y) => y - x)).toEqual([
    1500, 0, 0, 0, 0, 0,
  ]);
  expect(reports.filter((report) => report.duplicates === 1500)).toHaveLength(5);
  const after = await tally(store, projectId);
  expect(after).toMatchObject({
    posts: 1500,
    threads: 50,
    members: 200,
    repeatedKeys: 0,
    imports: 1,
  });
});

test("an import that fails after writing thousands of rows leaves nothing behind", async () => {
  const { store, slug, projectId } = await newProject();
  const good = await redditDump("first", { threads: 5, perThread: 10, members: 20 });
  await importFiles({ store, slug, files: [good] });
  const before = await tally(store, projectId);

  const file = await redditDump("broken", { threads: 100, perThread: 30, members: 500 });
  await writeFile(file, '{"id": "zz", "title": "cut off', { flag: "a" });
  const error = await importFiles({ store, slug, files: [file] }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(isResearchError(error)).toBe(true);
  expect(String((error as Error).message)).toMatch(/nothing was changed/);
  expect(await tally(store, projectId)).toEqual(before);

  // The project is not left locked: the next import goes through.
  const report = await importFiles({ store, slug, files: [file], skipInvalid: true });
  expect(report).toMatchObject({ posts: 3000, skipped: 1, members: 500 });
});

test("two netno import processes at once on one data directory keep every member and no duplicate", async () => {
  const { store, slug, projectId } = await newProject();
  const [a, b] = await Promise.all([
    redditDump("left", { threads: 100, perThread: 20, members: 500 }),
    redditDump("right", { threads: 100, perThread: 20, members: 500 }),
  ]);
  // The overlap: both processes also import the same third file.
  const shared = await redditDump("both", { threads: 20, perThread: 10, members: 50 });
  const runs = [
    runCli(store, ["import", slug, a, shared, "--json"]),
    runCli(store, ["import", slug, b, shared, "--json"]),
  ];
  const results = await Promise.all(runs.map((run) => run.done));
  for (const result of results) expect(result, result.stderr).toMatchObject({ code: 0 });
  const summaries = results.map((result) => JSON.parse(result.stdout.trim()));
  for (const summary of summaries) {
    expect(Object.keys(summary)).toEqual([
      "posts",
      "threads",
      "members",
      "skipped",
      "duplicates",
      "orphans",
    ]);
  }
  expect(summaries.map((summary) => summary.posts).sort()).toEqual([2000, 2200]);
  const after = await tally(store, projectId);
  expect(after).toMatchObject({ posts: 4200, threads: 220, members: 1050, repeatedKeys: 0 });
  expect(after.postsWithoutMember).toBe(0);
}, 120_000);

test("a netno import killed with SIGKILL half-way leaves nothing, and the next import works", async () => {
  const { store, slug, projectId } = await newProject();
  const before = await tally(store, projectId);
  const file = await redditDump("big", { threads: 4000, perThread: 50, members: 5000 });
  const run = runCli(store, ["import", slug, file, "--progress-ndjson", "--json"]);
  // Wait until the import has read (and so written, in its transaction) well past its first chunks.
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      const lines = run.stderr().trim().split("\n").filter(Boolean);
      const last = lines.at(-1);
      if (last && Number(/"(\d+) posts read"/.exec(last)?.[1] ?? 0) >= 20_000) {
        clearInterval(timer);
        resolve();
      }
    }, 20);
    run.done.then(() => {
      clearInterval(timer);
      reject(new Error(`the import ended before it could be killed: ${run.stderr()}`));
    });
  });
  killHard(run.child);
  const result = await run.done;
  expect(result.signal).toBe("SIGKILL");

  expect(await tally(store, projectId)).toEqual(before);
  if (store.sqlLocation.engine === "sqlite") {
    // No side files: everything an import writes is inside the database.
    const left = (await readdir(store.root, { recursive: true })).filter(
      (name) => !/^(netno\.sqlite(-wal|-shm)?|accounts\.json|session-secret)$/.test(name),
    );
    expect(left.every((name) => name.startsWith("projects"))).toBe(true);
    expect(left.some((name) => /corpus|batch/.test(name))).toBe(false);
  }
  const small = await redditDump("after", { threads: 3, perThread: 5, members: 4 });
  const report = await importFiles({ store, slug, files: [small] });
  expect(report).toMatchObject({ posts: 15, members: 4 });
}, 180_000);

function killHard(child: ChildProcess) {
  child.kill("SIGKILL");
}
