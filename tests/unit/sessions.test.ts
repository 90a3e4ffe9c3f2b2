import { expect, test } from "vitest";
import {
  endUserSessions,
  listSessions,
  startSession,
  userOfSession,
  verifyLogin,
} from "../../research/accounts/index.js";
import { sqlFor } from "../../research/store/index.js";
import { buildStore, buildUser, pointAppAtStore, TEST_ENGINE } from "../factories.js";
import {
  bodyOf,
  ORIGIN,
  reloadAppForEachTest,
  routeCaller,
  signInCookie,
  statusOf,
} from "../helpers/route-requests.js";

reloadAppForEachTest();

test(`sessions end on the server: logout, revoke, sign out everywhere else (${TEST_ENGINE})`, async () => {
  const store = await buildStore();
  pointAppAtStore(store);
  const owner = await buildUser(store, { admin: true });
  const cookie = await signInCookie(owner.id);
  const projects = await import("../../app/routes/projects._index");
  const home = routeCaller(projects, "/projects", {}, cookie);
  expect(statusOf(await home.get())).toBe(200);

  const logout = await import("../../app/routes/logout");
  const out = await logout.action({
    request: new Request(`${ORIGIN}/logout`, {
      method: "POST",
      headers: { cookie, origin: ORIGIN },
    }),
    params: {},
    context: {},
  });
  expect(statusOf(out)).toBe(302);
  // The copy of the cookie someone kept is refused: the loader sends it to the login page.
  const after = (await home.get()) as Response;
  expect(after.status).toBe(302);
  expect(after.headers.get("location")).toMatch(/^\/login/);

  // The sessions page: list, end another, end all others. (One test: the app's modules keep the store
  // they were first loaded with.)
  const other = await buildUser(store);
  const cookie2 = await signInCookie(owner.id);
  const laptop = await startSession({ store, userId: owner.id, userAgent: "Laptop browser" });
  const phone = await startSession({ store, userId: owner.id, userAgent: "Phone browser" });
  const theirs = await startSession({ store, userId: other.id });

  const route = await import("../../app/routes/account.sessions");
  const page = routeCaller(route, "/account/sessions", {}, cookie2);
  const listed = (await page.get()) as Awaited<ReturnType<typeof route.loader>>;
  expect(listed.sessions).toHaveLength(3);
  expect(listed.sessions.filter((session) => session.current)).toHaveLength(1);
  const laptopRow = listed.sessions.find((session) => session.userAgent === "Laptop browser")!;

  expect(statusOf(await page.post({ intent: "revoke", sessionId: laptopRow.id }))).toBe(200);
  expect(await userOfSession({ store, token: laptop })).toBeNull();
  expect(await userOfSession({ store, token: phone })).toBe(owner.id);
  // Someone else's session cannot be ended from here.
  const [theirRow] = await listSessions({ store, userId: other.id });
  expect(statusOf(await page.post({ intent: "revoke", sessionId: theirRow.id }))).toBe(404);
  expect(await userOfSession({ store, token: theirs })).toBe(other.id);

  // Bad input: no session named, or an intent the form does not have, is a 400 and ends nothing.
  expect(statusOf(await page.post({ intent: "revoke" }))).toBe(400);
  expect(statusOf(await page.post({ intent: "end-everything" }))).toBe(400);
  expect(await userOfSession({ store, token: phone })).toBe(owner.id);

  expect(statusOf(await page.post({ intent: "end-others" }))).toBe(200);
  expect(await userOfSession({ store, token: phone })).toBeNull();
  expect(statusOf(await page.get())).toBe(200); // the current one still works
  expect(await endUserSessions({ store, userId: owner.id })).toBe(1);
  expect(statusOf(await page.get())).toBe(302);
});

test(`an expired session signs no one in and is removed (${TEST_ENGINE})`, async () => {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const token = await startSession({ store, userId: owner.id });
  const { db } = await sqlFor(store);
  await db.updateTable("sessions").set({ expires_at: "2020-01-01T00:00:00.000Z" }).execute();
  expect(await userOfSession({ store, token })).toBeNull();
  expect(await db.selectFrom("sessions").select("id").execute()).toHaveLength(0);
});

test(`changing the password checks the current one and ends every other session (${TEST_ENGINE})`, async () => {
  const store = await buildStore();
  pointAppAtStore(store);
  const researcher = await buildUser(store, { email: "pat@example.org" });
  const cookie = await signInCookie(researcher.id);
  const stolen = await startSession({ store, userId: researcher.id, userAgent: "Somewhere else" });
  const route = await import("../../app/routes/account.sessions");
  const page = routeCaller(route, "/account/sessions", {}, cookie);
  const change = (fields: Record<string, string>) =>
    page.post({ intent: "change-password", ...fields });

  // Refused, and nothing changes: wrong current password, confirmation differs, too short, the same.
  const wrong = await change({
    currentPassword: "not my password",
    newPassword: "a brand new passphrase",
    confirmPassword: "a brand new passphrase",
  });
  expect(statusOf(wrong)).toBe(400);
  expect(bodyOf(wrong)).toMatchObject({
    fieldErrors: { currentPassword: "That is not your current password." },
  });
  expect(JSON.stringify(bodyOf(wrong))).not.toContain("brand new");
  const differs = await change({
    currentPassword: "a long password",
    newPassword: "a brand new passphrase",
    confirmPassword: "a brand new passphrase!",
  });
  expect(bodyOf(differs)).toMatchObject({ fieldErrors: { confirmPassword: expect.any(String) } });
  const short = await change({
    currentPassword: "a long password",
    newPassword: "short",
    confirmPassword: "short",
  });
  expect(bodyOf(short)).toMatchObject({ fieldErrors: { newPassword: expect.any(String) } });
  const same = await change({
    currentPassword: "a long password",
    newPassword: "a long password",
    confirmPassword: "a long password",
  });
  expect(bodyOf(same)).toMatchObject({ fieldErrors: { newPassword: expect.any(String) } });
  expect(statusOf(await change({ intent: "change-password" }))).toBe(400);
  expect(
    await verifyLogin({ store, email: "pat@example.org", password: "a long password" }),
  ).not.toBeNull();
  expect(await userOfSession({ store, token: stolen })).toBe(researcher.id);

  const done = await change({
    currentPassword: "a long password",
    newPassword: "a brand new passphrase",
    confirmPassword: "a brand new passphrase",
  });
  expect(statusOf(done)).toBe(200);
  expect(bodyOf(done)).toMatchObject({
    message: expect.stringMatching(/1 other session was ended/),
  });
  expect(await userOfSession({ store, token: stolen })).toBeNull();
  expect(statusOf(await page.get())).toBe(200); // this browser stays signed in
  expect(
    await verifyLogin({ store, email: "pat@example.org", password: "a long password" }),
  ).toBeNull();
  expect(
    await verifyLogin({ store, email: "pat@example.org", password: "a brand new passphrase" }),
  ).not.toBeNull();
});
