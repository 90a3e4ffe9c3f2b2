// The admin's People page: creating an account and making an invitation link; for admins only.
import { expect, test } from "vitest";
import { isInviteUsable, listUsers } from "../../research/accounts/index.js";
import { buildUser } from "../factories.js";
import {
  bodyOf,
  buildAppStore,
  reloadAppForEachTest,
  routeCaller,
  signInCookie,
  statusOf,
} from "../helpers/route-requests.js";

reloadAppForEachTest();

const PATH = "/admin/users";

test("an admin creates an account; a missing field or a taken email is a field error", async () => {
  const { store, owner } = await buildAppStore();
  const route = await import("../../app/routes/admin.users");
  const page = routeCaller(route, PATH, {}, await signInCookie(owner.id));
  const listed = bodyOf(await page.get()) as { users: Array<{ email: string; isAdmin: boolean }> };
  expect(listed.users).toEqual([expect.objectContaining({ email: owner.email, isAdmin: true })]);

  const created = await page.post({
    intent: "create-account",
    name: "Ada Colleague",
    email: "Ada@Example.org",
    password: "a long password",
  });
  expect(statusOf(created)).toBe(200);
  expect(bodyOf(created)).toMatchObject({ ok: true, created: "ada@example.org", inviteUrl: null });
  const users = await listUsers({ store });
  expect(users.find((user) => user.email === "ada@example.org")).toMatchObject({
    name: "Ada Colleague",
    isAdmin: false,
  });

  const missing = await page.post({
    intent: "create-account",
    formId: "create-account",
    name: "No Email",
    password: "a long password",
  });
  expect(statusOf(missing)).toBe(400);
  expect(bodyOf(missing)).toMatchObject({
    ok: false,
    formId: "create-account",
    fieldErrors: { email: expect.any(String) },
    result: { initialValue: { name: "No Email" } },
  });
  // The password is never echoed back.
  expect(JSON.stringify(bodyOf(missing))).not.toContain("a long password");

  const taken = await page.post({
    intent: "create-account",
    name: "Again",
    email: "ada@example.org",
    password: "a long password",
  });
  expect(statusOf(taken)).toBe(409);
  expect(bodyOf(taken)).toMatchObject({ ok: false, fieldErrors: { email: expect.any(String) } });

  const short = await page.post({
    intent: "create-account",
    name: "Short",
    email: "short@example.org",
    password: "short",
  });
  expect(statusOf(short)).toBe(400);
  expect(bodyOf(short)).toMatchObject({ fieldErrors: { password: expect.any(String) } });
  expect(await listUsers({ store })).toHaveLength(2);
});

test("an admin makes an invitation link, valid 7 days unless told otherwise", async () => {
  const { store, owner } = await buildAppStore();
  const route = await import("../../app/routes/admin.users");
  const page = routeCaller(route, PATH, {}, await signInCookie(owner.id));
  type Invited = { ok: true; inviteUrl: string; expiresAt: string };
  const tokenOf = (answer: unknown) => (bodyOf(answer) as Invited).inviteUrl.split("/join/")[1];
  const days = (answer: unknown) =>
    Math.round((Date.parse((bodyOf(answer) as Invited).expiresAt) - Date.now()) / 86_400_000);

  const byDefault = await page.post({ intent: "create-invite" });
  expect(statusOf(byDefault)).toBe(200);
  expect(bodyOf(byDefault)).toMatchObject({
    ok: true,
    created: null,
    inviteUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:3000\/join\/.+/),
  });
  expect(days(byDefault)).toBe(7);
  expect(await isInviteUsable({ store, token: tokenOf(byDefault) })).toBe(true);

  const longer = await page.post({ intent: "create-invite", days: "30" });
  expect(days(longer)).toBe(30);

  const tooLong = await page.post({ intent: "create-invite", formId: "invite", days: "90" });
  expect(statusOf(tooLong)).toBe(400);
  expect(bodyOf(tooLong)).toMatchObject({
    ok: false,
    formId: "invite",
    fieldErrors: { days: expect.any(String) },
  });

  const noIntent = await page.post({ name: "x" });
  expect(statusOf(noIntent)).toBe(400);
  expect(bodyOf(noIntent)).toMatchObject({
    ok: false,
    fieldErrors: { intent: expect.any(String) },
  });
});

test("someone who is not an admin gets 403, and signed out goes to the login page", async () => {
  const { store } = await buildAppStore();
  const colleague = await buildUser(store);
  const route = await import("../../app/routes/admin.users");
  const asColleague = routeCaller(route, PATH, {}, await signInCookie(colleague.id));
  expect(statusOf(await asColleague.get())).toBe(403);
  const refused = await asColleague.post({
    intent: "create-account",
    name: "Sneaky",
    email: "sneaky@example.org",
    password: "a long password",
  });
  expect(statusOf(refused)).toBe(403);
  expect(statusOf(await asColleague.post({ intent: "create-invite" }))).toBe(403);
  expect(await listUsers({ store })).toHaveLength(2);

  const signedOut = routeCaller(route, PATH, {}, null);
  for (const answer of [await signedOut.get(), await signedOut.post({ intent: "create-invite" })]) {
    expect(statusOf(answer)).toBe(302);
    expect((answer as Response).headers.get("location")).toBe(
      `/login?redirectTo=${encodeURIComponent(PATH)}`,
    );
  }
});
