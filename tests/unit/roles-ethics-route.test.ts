import path from "node:path";
import { beforeEach, expect, test, vi } from "vitest";
import { applyCode, createCodes } from "../../research/coding/index.js";
import { importFiles, iterateVisiblePosts } from "../../research/collection/index.js";
import { getConsentLog, getEthicsOverview } from "../../research/entree/index.js";
import type { ProjectRole } from "../../research/projects/index.js";
import { createShareLink, createTheme, listMemberChecks } from "../../research/reporting/index.js";
import type { DocumentStore } from "../../research/store/index.js";
import { addMember, buildProject, buildStore, buildUser, pointAppAtStore } from "../factories.js";
import { bodyOf, routeCaller, signInCookie, statusOf } from "../helpers/route-requests.js";

const FIXTURES = path.resolve(__dirname, "../fixtures");
type Actor = ProjectRole | "non-member";
const ACTORS: Actor[] = ["owner", "researcher", "strategist", "non-member"];

// The app's modules read their data directory when first loaded: each test loads them afresh on its own store.
beforeEach(() => {
  vi.resetModules();
});

/** A project with community data, one finding, and one person in each role (and one outside it). */
async function teamProject() {
  const store = await buildStore();
  pointAppAtStore(store);
  const owner = await buildUser(store, { admin: true });
  const project = await buildProject(store, owner);
  const { slug } = project;
  const cookies = { owner: await signInCookie(owner.id) } as Record<Actor, string>;
  for (const role of ["researcher", "strategist"] as const) {
    const user = await buildUser(store);
    await addMember(store, project, user, role, owner.id);
    cookies[role] = await signInCookie(user.id);
  }
  cookies["non-member"] = await signInCookie((await buildUser(store)).id);
  await importFiles({ store, slug, files: [path.join(FIXTURES, "reddit-thread.json")] });
  const [code] = await createCodes({ store, slug, userId: owner.id, codes: [{ name: "Repair" }] });
  const [batch] = await collect(store, slug);
  const post = batch[0];
  const [coding] = await applyCode({
    store,
    slug,
    coderId: owner.id,
    codeIds: [code.id],
    span: { sourceType: "post", sourceId: post.id, start: 0, end: [...post.text].length },
  });
  const theme = await createTheme({
    store,
    slug,
    userId: owner.id,
    name: "Self-repair",
    statement: "Members fix their own gear.",
    codeIds: [code.id],
    confidence: "high",
    evidenceCodingIds: [coding.id],
  });
  const members = (await getConsentLog({ store, slug, q: "", limit: 10, offset: 0 })).rows;
  return { store, owner, slug, cookies, theme, memberIds: members.map((row) => row.member.id) };
}

async function collect(store: DocumentStore, slug: string) {
  const batches = [];
  for await (const batch of iterateVisiblePosts({ store, slug })) batches.push(batch);
  return batches;
}

async function entree(slug: string, cookie: string) {
  const route = await import("../../app/routes/projects.$slug.entree");
  return routeCaller(route, `/projects/${slug}/entree`, { slug }, cookie);
}

async function memberChecks(slug: string, cookie: string) {
  const route = await import("../../app/routes/projects.$slug.reporting.member-checks");
  return routeCaller(route, `/projects/${slug}/reporting/member-checks`, { slug }, cookie);
}

/** Owner only; a researcher or strategist is refused (403), someone outside the project sees nothing (404). */
const OWNER_ONLY: Record<Actor, number> = {
  owner: 200,
  researcher: 403,
  strategist: 403,
  "non-member": 404,
};

const rows = ACTORS.map((actor) => ({ actor, status: OWNER_ONLY[actor] }));

test.each(rows)(
  "saving the ethics plan (cloaking included) as $actor answers $status",
  async ({ actor, status }) => {
    const { store, slug, cookies } = await teamProject();
    const answer = await (
      await entree(slug, cookies[actor])
    ).post({
      intent: "save-plan",
      stage: "design",
      cloakingLevel: "uncloaked",
      storageLocation: "Encrypted university server",
    });
    expect(statusOf(answer)).toBe(status);
    const overview = await getEthicsOverview({ store, slug });
    expect(overview.versions).toHaveLength(status === 200 ? 1 : 0);
    expect(overview.cloakingLevel).toBe(status === 200 ? "uncloaked" : "medium");
  },
);

test.each(rows)("recording consent as $actor answers $status", async ({ actor, status }) => {
  const { store, slug, cookies, memberIds } = await teamProject();
  const answer = await (
    await entree(slug, cookies[actor])
  ).post({
    intent: "consent",
    memberId: memberIds[0],
    status: "consented",
  });
  expect(statusOf(answer)).toBe(status);
  const log = await getConsentLog({ store, slug, q: "", limit: 10, offset: 0 });
  const row = log.rows.find((candidate) => candidate.member.id === memberIds[0]);
  expect(row?.status ?? null).toBe(status === 200 ? "consented" : null);
});

test.each(rows)("erasing a member as $actor answers $status", async ({ actor, status }) => {
  const { store, slug, cookies, memberIds } = await teamProject();
  const answer = await (
    await entree(slug, cookies[actor])
  ).post({
    intent: "purge",
    memberId: memberIds[0],
    confirm: "erase",
  });
  expect(statusOf(answer)).toBe(status);
  const log = await getConsentLog({ store, slug, q: "", limit: 10, offset: 0 });
  expect(log.rows.some((row) => row.member.id === memberIds[0])).toBe(status !== 200);
});

test.each(rows)(
  "creating a member-check link as $actor answers $status",
  async ({ actor, status }) => {
    const { store, slug, cookies, theme } = await teamProject();
    const answer = await (
      await memberChecks(slug, cookies[actor])
    ).post({
      intent: "create-link",
      themeIds: [theme.id],
      days: "14",
    });
    expect(statusOf(answer)).toBe(status);
    expect((await listMemberChecks({ store, slug })).links).toHaveLength(status === 200 ? 1 : 0);
  },
);

test.each(rows)(
  "revoking a member-check link as $actor answers $status",
  async ({ actor, status }) => {
    const { store, owner, slug, cookies, theme } = await teamProject();
    const { link } = await createShareLink({
      store,
      slug,
      themeIds: [theme.id],
      days: 7,
      userId: owner.id,
    });
    const answer = await (
      await memberChecks(slug, cookies[actor])
    ).post({
      intent: "revoke",
      linkId: link.id,
    });
    expect(statusOf(answer)).toBe(status);
    const [stored] = (await listMemberChecks({ store, slug })).links;
    expect(Boolean(stored.revokedAt)).toBe(status === 200);
  },
);

test("a researcher reads the ethics plan and consent log but is offered no form to change them", async () => {
  const { slug, cookies } = await teamProject();
  const asResearcher = bodyOf(await (await entree(slug, cookies.researcher)).get());
  expect(asResearcher).toMatchObject({ canEditEthics: false, canManageConsent: false });
  expect((asResearcher as { consent: unknown[] }).consent.length).toBeGreaterThan(0);
  expect(bodyOf(await (await entree(slug, cookies.owner)).get())).toMatchObject({
    canEditEthics: true,
    canManageConsent: true,
  });
  expect(statusOf(await (await entree(slug, cookies.strategist)).get())).toBe(403);
  expect(bodyOf(await (await memberChecks(slug, cookies.researcher)).get())).toMatchObject({
    canManageLinks: false,
  });
});

test("a consent record without a chosen status is refused under the status field", async () => {
  const { store, slug, cookies, memberIds } = await teamProject();
  const answer = await (
    await entree(slug, cookies.owner)
  ).post({
    intent: "consent",
    memberId: memberIds[0],
    status: "",
  });
  expect(statusOf(answer)).toBe(400);
  expect(bodyOf(answer)).toMatchObject({ fieldErrors: { status: "Choose a consent status." } });
  const log = await getConsentLog({ store, slug, q: "", limit: 10, offset: 0 });
  expect(log.rows.every((row) => row.status === null)).toBe(true);
});
