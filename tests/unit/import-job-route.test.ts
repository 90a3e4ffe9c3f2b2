import path from "node:path";
import { expect, test } from "vitest";
import { startImportJob } from "../../research/collection/index.js";
import { waitForJobs } from "../../research/shared/background-jobs.js";
import { buildProject, buildStore, buildUser, pointAppAtStore } from "../factories.js";
import { reloadAppForEachTest } from "../helpers/route-requests.js";

// Each test points the app at its own store; the app's modules keep the first store they saw.
reloadAppForEachTest();

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

/** An upload of a REFI-QDA project runs through the same job; its page shows codes and codings. */
test("the import job page shows a .qdpx upload's report (codes, sources, codings)", async () => {
  const { exportProject } = await import("../../research/exchange/index.js");
  const { createCodes } = await import("../../research/coding/codebook.js");
  const { mkdtemp, writeFile } = await import("node:fs/promises");
  const os = await import("node:os");
  const store = await buildStore();
  pointAppAtStore(store);
  const owner = await buildUser(store, { admin: true });
  const source = await buildProject(store, owner);
  await createCodes({
    store,
    slug: source.slug,
    userId: owner.id,
    codes: [{ name: "Range anxiety" }, { name: "Trust in installers" }],
  });
  const dir = await mkdtemp(path.join(os.tmpdir(), "netno-qdpx-upload-"));
  const file = path.join(dir, "study.qdpx");
  await writeFile(file, await exportProject({ store, slug: source.slug }));
  const { slug } = await buildProject(store, owner);

  const { createUserSession } = await import("../../app/server/session.server");
  const route = await import("../../app/routes/projects.$slug.collection.jobs.$jobId");
  const signIn = await createUserSession(new Request(`${ORIGIN}/login`), owner.id, "/");
  const cookie = (signIn.headers.get("set-cookie") ?? "").split(";")[0];
  const job = startImportJob({ store, dataDir: store.root, slug, userId: owner.id, files: [file] });
  await waitForJobs();
  const done = await route.loader({
    request: new Request(`${ORIGIN}/projects/${slug}/collection/jobs/${job.id}`, {
      headers: { cookie },
    }),
    params: { slug, jobId: job.id },
    context: {},
  });
  expect(done.job).toMatchObject({ state: "done", error: null, report: null });
  expect(done.job.refiReport).toMatchObject({ codes: 2, reusedCodes: 0, skipped: 0 });
});
