import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os, { hostname } from "node:os";
import path from "node:path";
import { expect, test } from "vitest";
import { importFiles } from "../../research/collection/index.js";
import { getAnnotations, getAnnotationJob, startAnnotationJob } from "../../research/nlp/index.js";
import {
  getJob,
  getLatestJob,
  startCliJob,
  waitForJobs,
  readableJobError,
} from "../../research/shared/background-jobs.js";
import { newId, nowIso } from "../../research/shared/ids.js";
import { sqlFor, type DocumentStore } from "../../research/store/index.js";
import { buildProject, buildStore, buildUser, storeEnv } from "../factories.js";

test("a job runs the CLI in its own process and its state and report are stored in the jobs table", async () => {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const project = await buildProject(store, owner);
  const slug = project.slug;
  await importFiles({
    store,
    slug,
    files: [path.resolve(__dirname, "../fixtures/reddit-thread.json")],
  });
  const job = await startAnnotationJob({ store, dataDir: store.root, slug, userId: owner.id });
  expect(job.state).toBe("running");
  // Asked again while it runs, the same job comes back instead of a second run.
  expect(
    (await startAnnotationJob({ store, dataDir: store.root, slug, userId: owner.id })).id,
  ).toBe(job.id);
  await waitForJobs();

  // Read back from the table (this process no longer holds it), as after a server restart.
  const stored = await getJob<{ annotated: number }>({ store, slug, jobId: job.id });
  expect(stored).toMatchObject({
    id: job.id,
    kind: "annotate",
    state: "done",
    userId: owner.id,
    error: null,
  });
  expect(stored?.report?.annotated).toBeGreaterThan(0);
  expect(stored?.progress).toMatchObject({ done: stored?.progress?.total });
  expect(stored?.finishedAt).not.toBeNull();
  expect((await getAnnotationJob({ store, slug }))?.id).toBe(job.id);
  const { db } = await sqlFor(store);
  const row = await db
    .selectFrom("jobs")
    .selectAll()
    .where("id", "=", job.id)
    .executeTakeFirstOrThrow();
  expect(row.project_id).toBe(project.id);
  expect(Number(row.pid)).toBeGreaterThan(0);
  // The child wrote into the same tables as this store (same SQLite file or PostgreSQL schema).
  const posts = await db
    .selectFrom("posts")
    .select("id")
    .where("project_id", "=", project.id)
    .execute();
  const annotations = await getAnnotations({ store, slug, postIds: posts.map((post) => post.id) });
  expect(annotations.size).toBe(stored?.report?.annotated);
});

test("a job of another project is not reachable, and an unknown id is null", async () => {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const first = await buildProject(store, owner);
  const second = await buildProject(store, owner);
  const job = startCliJob({
    kind: "annotate",
    slug: first.slug,
    userId: owner.id,
    title: "NLP annotation",
    args: ["annotate", first.slug],
    dataDir: store.root,
    store,
  });
  expect(await getJob({ store, slug: second.slug, jobId: job.id })).toBeNull();
  await waitForJobs();
  expect(await getJob({ store, slug: second.slug, jobId: job.id })).toBeNull();
  expect(await getJob({ store, slug: first.slug, jobId: job.id })).not.toBeNull();
  expect(await getJob({ store, slug: first.slug, jobId: newId() })).toBeNull();
  expect(await getJob({ store, slug: first.slug, jobId: job.id, kind: "import" })).toBeNull();
});

test("a failing command is a failed job with the CLI's message", async () => {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const { slug } = await buildProject(store, owner);
  const job = startCliJob({
    kind: "import",
    slug,
    userId: owner.id,
    title: "Import of nothing.json",
    args: ["import", slug, path.join(store.root, "nothing.json")],
    dataDir: store.root,
    store,
  });
  await waitForJobs();
  const stored = await getJob({ store, slug, jobId: job.id });
  expect(stored?.state).toBe("failed");
  expect(stored?.error).toBeTruthy();
});

/** The `NETNO_DATABASE_URL` under which another process opens this store's tables ("" on SQLite). */
function databaseUrlOf(store: DocumentStore): string {
  const location = store.sqlLocation;
  if (location.engine === "sqlite") return "";
  const url = new URL(location.url);
  if (location.schema) url.searchParams.set("schema", location.schema);
  return url.toString();
}

/** The id of a process that existed and has ended. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await new Promise((resolve) => child.on("exit", resolve));
  return child.pid!;
}

test("a stored running job whose process died (server restart, kill -9) is shown as failed", async () => {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const project = await buildProject(store, owner);
  const { db } = await sqlFor(store);
  const dead = newId();
  const alive = newId();
  const elsewhere = newId();
  const base = {
    project_id: project.id,
    kind: "suggest",
    user_id: owner.id,
    title: "Coding suggestions",
    state: "running",
    finished_at: null,
    progress: JSON.stringify({ done: 3, total: 10, label: "Scoring passages" }),
    report: null,
    error: null,
  };
  await db
    .insertInto("jobs")
    .values([
      {
        ...base,
        id: dead,
        started_at: "2026-01-01T00:00:00.000Z",
        pid: await deadPid(),
        host: hostname(),
      },
      { ...base, id: alive, started_at: nowIso(), pid: process.pid, host: hostname() },
      // Another app server's job: its pid says nothing on this machine, that server settles it.
      {
        ...base,
        id: elsewhere,
        started_at: "2026-01-01T00:00:00.000Z",
        pid: 999_999_999,
        host: "other-host",
      },
    ])
    .execute();
  const failed = await getJob({ store, slug: project.slug, jobId: dead });
  expect(failed).toMatchObject({ state: "failed", progress: { done: 3, total: 10 } });
  expect(failed?.error).toMatch(/ended without finishing/);
  const row = await db
    .selectFrom("jobs")
    .select(["state", "finished_at"])
    .where("id", "=", dead)
    .executeTakeFirstOrThrow();
  expect(row.state).toBe("failed");
  expect(row.finished_at).not.toBeNull();
  // A job whose process is still there keeps running; the latest of a kind is the one started last.
  expect((await getJob({ store, slug: project.slug, jobId: alive }))?.state).toBe("running");
  expect((await getLatestJob({ store, slug: project.slug, kind: "suggest" }))?.id).toBe(alive);
  expect((await getJob({ store, slug: project.slug, jobId: elsewhere }))?.state).toBe("running");
});

test("a job's process stops when the server that started it is gone, and the job reads as failed", async () => {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const { slug } = await buildProject(store, owner);
  await importFiles({
    store,
    slug,
    files: [path.resolve(__dirname, "../fixtures/reddit-thread.json")],
  });
  // A stand-in for the web server: starts the job, waits until it is stored, then dies at once.
  const folder = await mkdtemp(path.join(os.tmpdir(), "netno-parent-"));
  const script = path.join(folder, "server.mts");
  const jobs = path.resolve(__dirname, "../../research/shared/background-jobs.ts");
  const stores = path.resolve(__dirname, "../../research/store/index.ts");
  await writeFile(
    script,
    [
      `import { startCliJob } from ${JSON.stringify(jobs)};`,
      `import { getStore, sqlFor } from ${JSON.stringify(stores)};`,
      `const store = getStore(${JSON.stringify(store.root)});`,
      `const input = { kind: "annotate", slug: ${JSON.stringify(slug)}, userId: "u", title: "t" };`,
      `const job = startCliJob({ ...input, args: ["annotate", input.slug], dataDir: store.root, store });`,
      `const { db } = await sqlFor(store);`,
      `const stored = () => db.selectFrom("jobs").select("id").where("id", "=", job.id).executeTakeFirst();`,
      `while (!(await stored())) await new Promise((resolve) => setTimeout(resolve, 20));`,
      `process.stdout.write(job.id);`,
      `process.kill(process.pid, "SIGKILL");`,
    ].join("\n"),
  );
  const env = { ...process.env, NETNO_DATABASE_URL: databaseUrlOf(store) };
  const server = spawn(process.execPath, ["--import", "tsx", script], {
    env,
    stdio: ["ignore", "pipe", "inherit"],
  });
  let jobId = "";
  server.stdout.setEncoding("utf8").on("data", (chunk: string) => (jobId += chunk));
  await new Promise((resolve) => server.on("exit", resolve));
  await rm(folder, { recursive: true, force: true });
  expect(jobId).not.toBe("");
  const { db } = await sqlFor(store);
  const row = await db
    .selectFrom("jobs")
    .select("pid")
    .where("id", "=", jobId)
    .executeTakeFirstOrThrow();
  const pid = Number(row.pid);
  const gone = async () => {
    for (let i = 0; i < 200; i++) {
      try {
        process.kill(pid, 0);
      } catch {
        return true;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return false;
  };
  expect(await gone()).toBe(true);
  const job = await getJob({ store, slug, jobId });
  expect(job).toMatchObject({ state: "failed" });
  expect(job?.error).toMatch(/ended without finishing/);
  // Stopped before it stored anything: no annotation was half-written for a job nobody records.
  expect(await db.selectFrom("annotations").select("post_id").execute()).toEqual([]);
});

test("a job's process stores its own outcome, so finished work reads as done whoever hears of it", async () => {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const { slug, id: projectId } = await buildProject(store, owner);
  await importFiles({
    store,
    slug,
    files: [path.resolve(__dirname, "../fixtures/reddit-thread.json")],
  });
  const { db } = await sqlFor(store);
  const jobId = newId();
  // The row a server stored before it died; nobody is left to write the end but the job itself.
  await db
    .insertInto("jobs")
    .values({
      id: jobId,
      project_id: projectId,
      kind: "annotate",
      user_id: owner.id,
      title: "Annotate",
      state: "running",
      started_at: nowIso(),
      finished_at: null,
      progress: null,
      report: null,
      error: null,
      pid: process.pid,
      host: hostname(),
    })
    .execute();
  const cli = path.resolve(__dirname, "../../scripts/netno.js");
  const child = spawn(process.execPath, [cli, "annotate", slug, "--json"], {
    env: { ...storeEnv(store), NETNO_JOB_ID: jobId },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  const code = await new Promise((resolve) => child.on("close", resolve));
  expect(code).toBe(0);
  const row = await db
    .selectFrom("jobs")
    .select(["state", "report", "finished_at"])
    .where("id", "=", jobId)
    .executeTakeFirstOrThrow();
  expect(row.state).toBe("done");
  expect(row.finished_at).not.toBeNull();
  expect(JSON.parse(row.report ?? "null")).toEqual(JSON.parse(stdout.trim().split("\n").at(-1)!));
});

test("a failed job's message has no stack frames and no temporary upload folder", () => {
  const folder = path.join(os.tmpdir(), "netno-upload-abc123");
  const message = readableJobError(
    [
      `unexpected error: TypeError: cannot read ${path.join(folder, "dump.ndjson")}`,
      "    at parse (/work/main/research/collection/importers/reddit.ts:10:5)",
      "    at async main (/work/main/scripts/cli/main.ts:50:3)",
      `Line 3 of ${path.join(folder, "dump.ndjson")} is not JSON`,
    ],
    folder,
  );
  expect(message).toBe(
    "Unexpected error: cannot read dump.ndjson\nLine 3 of dump.ndjson is not JSON",
  );
});

test("jobs beyond the per-user cap wait in a queue and start when one ends; another user is not held up", async () => {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const { slug } = await buildProject(store, owner);
  await importFiles({
    store,
    slug,
    files: [path.resolve(__dirname, "../fixtures/reddit-thread.json")],
  });
  process.env.NETNO_MAX_JOBS_PER_USER = "1";
  process.env.NETNO_MAX_JOBS = "2";
  try {
    const start = (userId: string) =>
      startCliJob({
        kind: "annotate",
        slug,
        userId,
        title: "Annotate",
        args: ["annotate", slug, "--json"],
        dataDir: store.root,
        store,
      });
    const first = start(owner.id);
    const second = start(owner.id);
    const third = start(owner.id);
    const other = start("someone-else");
    const queued = "Waiting for other jobs to finish";
    expect(first.progress).toBeNull();
    expect(second.progress?.label).toBe(queued);
    expect(third.progress?.label).toBe(queued);
    expect(other.progress).toBeNull();
    // The queued job is stored too, so its page shows it waiting.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await getJob({ store, slug, jobId: third.id }))?.progress?.label).toBe(queued);
    await waitForJobs();
    for (const job of [first, second, third, other]) {
      const stored = await getJob<{ annotated: number }>({ store, slug, jobId: job.id });
      expect(`${stored?.state} ${stored?.error ?? ""}`, job.id).toBe("done ");
      expect(stored?.report).toMatchObject({ annotated: expect.any(Number) });
    }
  } finally {
    delete process.env.NETNO_MAX_JOBS_PER_USER;
    delete process.env.NETNO_MAX_JOBS;
  }
});
