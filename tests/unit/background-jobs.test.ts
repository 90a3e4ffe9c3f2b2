import { spawn } from "node:child_process";
import { hostname } from "node:os";
import path from "node:path";
import { expect, test } from "vitest";
import { importFiles } from "../../research/collection/index.js";
import { getAnnotations, getAnnotationJob, startAnnotationJob } from "../../research/nlp/index.js";
import {
  getJob,
  getLatestJob,
  startCliJob,
  waitForJobs,
} from "../../research/shared/background-jobs.js";
import { newId, nowIso } from "../../research/shared/ids.js";
import { sqlFor } from "../../research/store/index.js";
import { buildProject, buildStore, buildUser } from "../factories.js";

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
