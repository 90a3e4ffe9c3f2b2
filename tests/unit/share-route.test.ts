// The member-check page a community member opens from a share link: their browser is remembered by a
// random cookie for the share pages only, so sending again changes their response (with its date)
// instead of piling up copies; another browser's response is its own. The owner can put a new link
// in place of one they lost.
import path from "node:path";
import { expect, test } from "vitest";
import { applyCode, createCodes } from "../../research/coding/index.js";
import { importFiles, iterateVisiblePosts } from "../../research/collection/index.js";
import { listAudit } from "../../research/entree/index.js";
import {
  createShareLink,
  createTheme,
  listMemberChecks,
  openShareLink,
} from "../../research/reporting/index.js";
import { addMember, buildProject, buildUser } from "../factories.js";
import {
  bodyOf,
  buildAppStore,
  ORIGIN,
  reloadAppForEachTest,
  routeCaller,
  signInCookie,
  statusOf,
} from "../helpers/route-requests.js";

reloadAppForEachTest();

test("a reviewer changes their response from the same browser; another browser adds its own", async () => {
  const { store, owner } = await buildAppStore();
  const { slug } = await buildProject(store, owner);
  await importFiles({
    store,
    slug,
    files: [path.resolve(__dirname, "../fixtures/reddit-thread.json")],
  });
  const [code] = await createCodes({ store, slug, userId: owner.id, codes: [{ name: "Repair" }] });
  const batch = (await iterateVisiblePosts({ store, slug }).next()).value!;
  const [coding] = await applyCode({
    store,
    slug,
    coderId: owner.id,
    codeIds: [code.id],
    span: { sourceType: "post", sourceId: batch[0].id, start: 0, end: 10 },
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
  const { token } = await createShareLink({
    store,
    slug,
    themeIds: [theme.id],
    days: 7,
    userId: owner.id,
  });
  const route = await import("../../app/routes/share.$token");
  type Loaded = { themes: Array<{ id: string; mine: { rating: string; comment: string } | null }> };
  const open = async (cookie?: string) => {
    const answer = await route.loader({
      request: new Request(`${ORIGIN}/share/${token}`, { headers: cookie ? { cookie } : {} }),
      params: { token },
      context: {},
    });
    const setCookie = (answer as { init?: { headers?: Record<string, string> } }).init?.headers?.[
      "Set-Cookie"
    ];
    return { body: bodyOf(answer) as Loaded, setCookie };
  };
  const respond = (cookie: string, fields: Record<string, string>) =>
    route.action({
      request: new Request(`${ORIGIN}/share/${token}`, {
        method: "POST",
        headers: {
          cookie,
          origin: ORIGIN,
          "content-type": "application/x-www-form-urlencoded",
          // Each browser its own address, so the response throttle does not join them.
          "x-forwarded-for": cookie.slice(-6),
        },
        body: new URLSearchParams({ themeId: theme.id, ...fields }).toString(),
      }),
      params: { token },
      context: {},
    });

  // A first visit gets the cookie (path /share only, httpOnly); nothing is answered yet.
  const first = await open();
  expect(first.setCookie).toMatch(
    /^netno_reviewer=.+; Max-Age=\d+; Path=\/share; HttpOnly; SameSite=Lax$/,
  );
  expect(first.body.themes[0].mine).toBeNull();
  const cookie = first.setCookie!.split(";")[0];
  expect((await open(cookie)).setCookie).toBeUndefined();

  const sent = await respond(cookie, { rating: "partly", comment: "Mostly" });
  expect(statusOf(sent)).toBe(200);
  expect(bodyOf(sent)).toMatchObject({ message: expect.stringMatching(/was sent/) });
  expect((await open(cookie)).body.themes[0].mine).toMatchObject({
    rating: "partly",
    comment: "Mostly",
  });
  const changed = await respond(cookie, { rating: "rings-true", comment: "On reflection, yes" });
  expect(bodyOf(changed)).toMatchObject({ message: expect.stringMatching(/was changed/) });

  const other = (await open()).setCookie!.split(";")[0];
  expect(other).not.toBe(cookie);
  await respond(other, { rating: "does-not-ring-true" });
  const checks = await listMemberChecks({ store, slug });
  expect(checks.responses).toHaveLength(2);
  const mine = checks.responses.find((response) => response.comment === "On reflection, yes")!;
  expect(mine).toMatchObject({ rating: "rings-true" });
  expect(mine.changedAt).not.toBeNull();
  expect(checks.responses.find((response) => response !== mine)!.changedAt).toBeNull();
  // A rating outside the form's choices changes nothing.
  expect(statusOf(await respond(cookie, { rating: "maybe" }))).toBe(400);
  expect((await listMemberChecks({ store, slug })).responses).toHaveLength(2);
});

test("the owner puts a new link in place of one they lost: the old token opens nothing, the new one the same findings until the same day", async () => {
  const { store, owner } = await buildAppStore();
  const project = await buildProject(store, owner);
  const { slug } = project;
  const researcher = await buildUser(store);
  await addMember(store, project, researcher, "researcher", owner.id);
  const [code] = await createCodes({ store, slug, userId: owner.id, codes: [{ name: "Repair" }] });
  const theme = await createTheme({
    store,
    slug,
    userId: owner.id,
    name: "Self-repair",
    statement: "Members fix their own gear.",
    codeIds: [code.id],
    confidence: "low",
    evidenceCodingIds: [],
  });
  const { token, link } = await createShareLink({
    store,
    slug,
    themeIds: [theme.id],
    days: 7,
    label: "feedback thread",
    userId: owner.id,
  });
  const route = await import("../../app/routes/projects.$slug.reporting.member-checks");
  const page = async (userId: string) =>
    routeCaller(
      route,
      `/projects/${slug}/reporting/member-checks`,
      { slug },
      await signInCookie(userId),
    );
  expect(
    statusOf(await (await page(researcher.id)).post({ intent: "replace", linkId: link.id })),
  ).toBe(403);
  const replaced = await (await page(owner.id)).post({ intent: "replace", linkId: link.id });
  expect(statusOf(replaced)).toBe(200);
  const url = (bodyOf(replaced) as { url: string }).url;
  const fresh = url.split("/share/")[1];
  expect(fresh).not.toBe(token);
  await expect(openShareLink({ store, token })).rejects.toMatchObject({ code: "not-found" });
  const opened = await openShareLink({ store, token: fresh });
  expect(opened.link).toMatchObject({
    themeIds: [theme.id],
    label: "feedback thread",
    expiresAt: link.expiresAt,
  });
  // The old link is revoked now: it cannot be replaced again.
  expect(statusOf(await (await page(owner.id)).post({ intent: "replace", linkId: link.id }))).toBe(
    404,
  );
  expect((await listAudit({ store, slug, limit: 1 }))[0]).toMatchObject({
    action: "share-link-replaced",
  });
});
