// An erasure that meets a running import of the same member is never undone: the import and the purge
// take the same corpus lock, and the import checks the erasure records inside its transaction. Run in
// one process and across processes (the CLI importing while the server erases, and the other way round).
import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { readFile, readdir } from "node:fs/promises";
import path from "node:path";
import { expect, test } from "vitest";
import { importFiles } from "../../research/collection/index.js";
import { purgeMember, resolveMemberByHandle } from "../../research/entree/index.js";
import { sqlFor, type DocumentStore } from "../../research/store/index.js";
import { buildProject, buildStore, buildUser, scratchDir } from "../factories.js";

const ROOT = path.resolve(__dirname, "../..");
const TARGET = "target_tom";
/** Words only the erased member wrote: searched for everywhere afterwards. */
const TARGET_WORDS = "quokkafication of the aft bulkhead";

/**
 * A Reddit NDJSON dump: `threads` threads of `perThread` posts by `others` members, where every
 * `targetEvery`-th post is the target's (with their own words).
 */
async function redditDump(
  tag: string,
  {
    threads,
    perThread,
    others,
    targetEvery,
  }: { threads: number; perThread: number; others: number; targetEvery: number },
): Promise<{ file: string; posts: number; targetPosts: number }> {
  const dir = await scratchDir("netno-erasure-");
  const file = path.join(dir, `${tag}.ndjson`);
  const out = createWriteStream(file);
  let n = 0;
  let targetPosts = 0;
  const authorOf = () => {
    n++;
    if (n % targetEvery === 0) {
      targetPosts++;
      return { author: TARGET, text: `Post ${n}: ${TARGET_WORDS}, said once more` };
    }
    return { author: `${tag}-${n % others}`, text: `Reply ${n}: the inverter and the solar panel` };
  };
  for (let t = 0; t < threads; t++) {
    const submission = `${tag}s${t}`;
    const opening = authorOf();
    const lines: object[] = [
      {
        id: submission,
        title: `Thread ${t} about batteries`,
        selftext: opening.text,
        author: opening.author,
        created_utc: 1_690_000_000 + t * 600,
        subreddit: "vandwellers",
        permalink: `/r/vandwellers/comments/${submission}/x/`,
      },
    ];
    for (let c = 1; c < perThread; c++) {
      const reply = authorOf();
      lines.push({
        id: `${tag}c${t}x${c}`,
        parent_id: c === 1 ? `t3_${submission}` : `t1_${tag}c${t}x${c - 1}`,
        link_id: `t3_${submission}`,
        author: reply.author,
        body: reply.text,
        created_utc: 1_690_000_000 + t * 600 + c * 10,
        subreddit: "vandwellers",
        permalink: `/r/vandwellers/comments/${submission}/x/${tag}c${t}x${c}/`,
      });
    }
    for (const line of lines) {
      if (!out.write(`${JSON.stringify(line)}\n`)) {
        await new Promise<void>((resolve) => out.once("drain", () => resolve()));
      }
    }
  }
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
  return { file, posts: threads * perThread, targetPosts };
}

/** A project that already holds the target (a first, small import), and a large dump with more of them. */
async function projectWithTarget() {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const project = await buildProject(store, owner);
  const small = await redditDump("first", { threads: 3, perThread: 5, others: 4, targetEvery: 3 });
  await importFiles({ store, slug: project.slug, files: [small.file] });
  const target = await resolveMemberByHandle({ store, slug: project.slug, handle: TARGET });
  const large = await redditDump("large", {
    threads: 400,
    perThread: 40,
    others: 800,
    targetEvery: 50,
  });
  return { store, owner, slug: project.slug, projectId: project.id, target, small, large };
}

/** What is left anywhere of the target: member rows, posts, their words in any table or file. */
async function tracesOfTarget(store: DocumentStore, projectId: string) {
  const { db, engine } = await sqlFor(store);
  const members = await db
    .selectFrom("members")
    .select("id")
    .where("project_id", "=", projectId)
    .where((eb) => eb(eb.fn("lower", ["handle"]), "=", TARGET))
    .execute();
  const posts = await db
    .selectFrom("posts")
    .select("id")
    .where("project_id", "=", projectId)
    .where("text", "like", `%${TARGET_WORDS}%`)
    .execute();
  // One erasure writes a hash per key of the person (member key, handle, user id) at one instant.
  const erased = await db
    .selectFrom("erased_members")
    .select("purged_at")
    .distinct()
    .where("project_id", "=", projectId)
    .execute();
  // On SQLite the words must not linger in the file's free space or the write-ahead log either.
  const filesHolding: string[] = [];
  if (engine === "sqlite") {
    for (const entry of await readdir(store.root, { withFileTypes: true, recursive: true })) {
      if (!entry.isFile()) continue;
      const bytes = await readFile(path.join(entry.parentPath, entry.name), "latin1");
      if (bytes.includes(TARGET_WORDS) || bytes.includes(TARGET)) filesHolding.push(entry.name);
    }
  }
  const visible = await db
    .selectFrom("posts")
    .select((eb) => eb.fn.countAll().as("n"))
    .where("project_id", "=", projectId)
    .executeTakeFirstOrThrow();
  return {
    members: members.length,
    posts: posts.length,
    erased: erased.length,
    filesHolding,
    postCount: Number(visible.n),
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

/** Starts `netno`; `started` resolves at its first line on stderr (a progress line) or at its end. */
function runCli(store: DocumentStore, args: string[]) {
  const child = spawn(process.execPath, [path.join(ROOT, "scripts/netno.js"), ...args], {
    cwd: ROOT,
    env: cliEnv(store),
  });
  let stdout = "";
  let stderr = "";
  let markStarted = () => {};
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
    markStarted();
  });
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on("close", (code) => {
      markStarted();
      resolve({ code, stdout, stderr });
    }),
  );
  return { started, done };
}

test("a purge while a large import of the same member is running is not undone by the import", async () => {
  const { store, owner, slug, projectId, target, small, large } = await projectWithTarget();
  let markReading = () => {};
  const reading = new Promise<void>((resolve) => (markReading = resolve));
  const importing = importFiles({
    store,
    slug,
    files: [large.file],
    onProgress: () => markReading(),
  });
  await reading; // the import is inside its transaction, reading the file
  const [report, purged] = await Promise.all([
    importing,
    purgeMember({ store, slug, memberId: target.id, userId: owner.id }),
  ]);

  // The lock put the purge after the import: it erased the posts the import had just brought in too.
  expect(purged.posts).toBe(small.targetPosts + large.targetPosts);
  expect(report.posts).toBe(large.posts);
  expect(await tracesOfTarget(store, projectId)).toEqual({
    members: 0,
    posts: 0,
    erased: 1,
    filesHolding: [],
    postCount: small.posts - small.targetPosts + large.posts - large.targetPosts,
  });
}, 180_000);

test("a purge and an import started at the same moment leave nothing of the member, whichever goes first", async () => {
  const { store, owner, slug, projectId, target, small, large } = await projectWithTarget();
  const [purged, report] = await Promise.all([
    purgeMember({ store, slug, memberId: target.id, userId: owner.id }),
    importFiles({ store, slug, files: [large.file] }),
  ]);
  if (purged.posts === small.targetPosts) {
    // The purge went first: the import found the erasure record and left the member's posts out.
    expect(report).toMatchObject({
      posts: large.posts - large.targetPosts,
      erasedExcluded: large.targetPosts,
    });
  } else {
    expect(purged.posts).toBe(small.targetPosts + large.targetPosts);
    expect(report).toMatchObject({ posts: large.posts, erasedExcluded: 0 });
  }
  expect(await tracesOfTarget(store, projectId)).toMatchObject({
    members: 0,
    posts: 0,
    erased: 1,
    filesHolding: [],
  });
}, 180_000);

test("the CLI importing while this process erases, and the CLI erasing while this process imports, leave nothing of the member", async () => {
  const first = await projectWithTarget();
  const cliImport = runCli(first.store, [
    "import",
    first.slug,
    first.large.file,
    "--json",
    "--progress-ndjson",
  ]);
  await cliImport.started;
  await purgeMember({
    store: first.store,
    slug: first.slug,
    memberId: first.target.id,
    userId: first.owner.id,
  });
  const imported = await cliImport.done;
  expect(imported.code, imported.stderr).toBe(0);
  expect(await tracesOfTarget(first.store, first.projectId)).toMatchObject({
    members: 0,
    posts: 0,
    erased: 1,
    filesHolding: [],
  });

  const second = await projectWithTarget();
  let markReading = () => {};
  const reading = new Promise<void>((resolve) => (markReading = resolve));
  const importing = importFiles({
    store: second.store,
    slug: second.slug,
    files: [second.large.file],
    onProgress: () => markReading(),
  });
  await reading;
  const cliPurge = runCli(second.store, ["member", second.slug, TARGET, "--purge", "--json"]);
  const [report, purged] = await Promise.all([importing, cliPurge.done]);
  expect(purged.code, purged.stderr).toBe(0);
  expect(JSON.parse(purged.stdout)).toEqual({
    member: TARGET,
    erased: true,
    posts: second.small.targetPosts + second.large.targetPosts,
    codings: 0,
  });
  expect(report.posts).toBe(second.large.posts);
  expect(await tracesOfTarget(second.store, second.projectId)).toMatchObject({
    members: 0,
    posts: 0,
    erased: 1,
    filesHolding: [],
  });
}, 300_000);
