import path from "node:path";
import { expect, test } from "vitest";
import { startImportJob } from "../../research/collection/index.js";
import { waitForJobs } from "../../research/shared/background-jobs.js";
import { buildProject, buildStore, buildUser, pointAppAtStore } from "../factories.js";

const ORIGIN = "http://127.0.0.1:3000";

/**
 * An import job's page reads the job from the jobs table: running while the CLI imports, then its
 * report; another project's job is a 404.
 */
test("the import job page shows the stored job and its report, and 404 for another project", async () => {
  const store = await buildStore();
  pointAppAtStore(store);
  const owner = await buildUser(store, { admin: true });
  const { slug } = await buildProject(store, owner);
  const other = await buildProject(store, owner);

  const { createUserSession } = await import("../../app/server/session.server");
  const route = await import("../../app/routes/projects.$slug.collection.jobs.$jobId");
  const signIn = await createUserSession(new Request(`${ORIGIN}/login`), owner.id, "/");
  const cookie = (signIn.headers.get("set-cookie") ?? "").split(";")[0];
  const get = (projectSlug: string, jobId: string) =>
    route.loader({
      request: new Request(`${ORIGIN}/projects/${projectSlug}/collection/jobs/${jobId}`, {
        headers: { cookie },
      }),
      params: { slug: projectSlug, jobId },
      context: {},
    });

  const job = startImportJob({
    store,
    dataDir: store.root,
    slug,
    userId: owner.id,
    files: [path.resolve(__dirname, "../fixtures/reddit-thread.json")],
  });
  expect((await get(slug, job.id)).job.state).toBe("running");
  await waitForJobs();
  const done = await get(slug, job.id);
  expect(done.job).toMatchObject({ state: "done", kind: "import", error: null });
  expect(done.job.report?.posts).toBe(6);
  const missing = await get(other.slug, job.id).catch((error: unknown) => error);
  expect(missing).toBeInstanceOf(Response);
  expect(missing instanceof Response && missing.status).toBe(404);
});
