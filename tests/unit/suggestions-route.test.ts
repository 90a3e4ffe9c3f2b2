import path from "node:path";
import { expect, test } from "vitest";
import { createCodes } from "../../research/coding/index.js";
import { importFiles } from "../../research/collection/index.js";
import { addKeyword } from "../../research/objectives/index.js";
import { waitForJobs } from "../../research/shared/background-jobs.js";
import { buildProject, buildStore, buildUser, pointAppAtStore } from "../factories.js";

const ORIGIN = "http://127.0.0.1:3000";

/**
 * The Suggestions page through its loader and action, as the server runs them: the loader reads the
 * stored run and never computes; "Compute suggestions" starts the background job, whose progress and
 * results the loader then shows.
 */
test("the Suggestions page starts a background run, shows it, and lists the stored suggestions", async () => {
  const store = await buildStore();
  pointAppAtStore(store);
  const owner = await buildUser(store, { admin: true });
  const { slug } = await buildProject(store, owner);
  await importFiles({
    store,
    slug,
    files: [path.resolve(__dirname, "../fixtures/reddit-thread.json")],
  });
  await addKeyword({ store, slug, userId: owner.id, term: "battery" });
  await createCodes({
    store,
    slug,
    userId: owner.id,
    codes: [{ name: "Power", definition: "talk about the battery" }],
  });

  const { createUserSession } = await import("../../app/server/session.server");
  const route = await import("../../app/routes/projects.$slug.coding.suggestions");
  const signIn = await createUserSession(new Request(`${ORIGIN}/login`), owner.id, "/");
  const cookie = (signIn.headers.get("set-cookie") ?? "").split(";")[0];
  const get = (query = "") =>
    route.loader({
      request: new Request(`${ORIGIN}/projects/${slug}/coding/suggestions${query}`, {
        headers: { cookie },
      }),
      params: { slug },
      context: {},
    });
  const post = (fields: Record<string, string>) =>
    route.action({
      request: new Request(`${ORIGIN}/projects/${slug}/coding/suggestions`, {
        method: "POST",
        headers: { cookie, origin: ORIGIN, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(fields).toString(),
      }),
      params: { slug },
      context: {},
    });

  const before = await get();
  expect(before).toMatchObject({
    computed: false,
    total: 0,
    suggestions: [],
    suggestionsJob: null,
    perCode: [{ codeName: "Power", codedPassages: 0, pending: 0, heldOut: null, decisions: null }],
  });

  const started = await post({ intent: "compute" });
  expect(started).toBeInstanceOf(Response);
  const running = await get();
  expect(running.suggestionsJob?.state).toBe("running");
  await waitForJobs();

  const after = await get();
  expect(after.suggestionsJob).toMatchObject({ state: "done", error: null });
  expect(after.computed).toBe(true);
  expect(after.total).toBe(3);
  expect(after.suggestions[0]).toMatchObject({ codeName: "Power", kind: "keyword" });
  expect(after.suggestions[0].author).toMatch(/\S/);
  expect((await get("?code=Power&page=2")).suggestions).toEqual([]);

  const accepted = await post({ intent: `accept:${after.suggestions[0].id}` });
  expect(accepted).toMatchObject({ ok: true, message: "1 suggestion accepted and coded." });
  const decided = await get();
  expect(decided.total).toBe(2);
  // The accepted suggestion is now a coded passage; two are still pending; too few for a held-out estimate.
  expect(decided.perCode).toMatchObject([
    {
      codeName: "Power",
      codedPassages: 1,
      pending: 2,
      heldOut: null,
      decisions: { accepted: 1, rejected: 0 },
    },
  ]);
  expect(decided.stale).toBe(false);
  // An import after the run: the page says the run is stale.
  await importFiles({
    store,
    slug,
    files: [path.resolve(__dirname, "../fixtures/4cat-export.csv")],
  });
  expect((await get()).stale).toBe(true);
});
