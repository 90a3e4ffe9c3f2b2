// Accepting an invitation: the link must be usable, the form creates the account and signs it in, and the
// invitation is used up.
import { expect, test } from "vitest";
import { createInvite, isInviteUsable, listUsers } from "../../research/accounts/index.js";
import {
  bodyOf,
  buildAppStore,
  reloadAppForEachTest,
  routeCaller,
  statusOf,
} from "../helpers/route-requests.js";

reloadAppForEachTest();

test("an invitation creates the account, signs it in and is used up", async () => {
  const { store, owner } = await buildAppStore();
  const { token } = await createInvite({ store, adminId: owner.id });
  const route = await import("../../app/routes/join.$token");
  const join = routeCaller(route, `/join/${token}`, { token }, null);
  expect(statusOf(await join.get())).toBe(200);

  const missing = await join.post({
    formId: "join",
    name: "New Person",
    password: "a long password",
  });
  expect(statusOf(missing)).toBe(400);
  expect(bodyOf(missing)).toMatchObject({
    ok: false,
    formId: "join",
    fieldErrors: { email: expect.any(String) },
    result: { initialValue: { name: "New Person" } },
  });
  expect(JSON.stringify(bodyOf(missing))).not.toContain("a long password");
  expect(await isInviteUsable({ store, token })).toBe(true);

  const taken = await join.post({ name: "Copy", email: owner.email, password: "a long password" });
  expect(statusOf(taken)).toBe(409);
  expect(bodyOf(taken)).toMatchObject({ fieldErrors: { email: expect.any(String) } });
  expect(await isInviteUsable({ store, token })).toBe(true);

  const joined = (await join.post({
    name: "New Person",
    email: "new@example.org",
    password: "a long password",
  })) as Response;
  expect(joined.status).toBe(302);
  expect(joined.headers.get("location")).toBe("/projects");
  expect(joined.headers.get("set-cookie")).toContain("__netno_session=");
  expect(
    (await listUsers({ store })).find((user) => user.email === "new@example.org"),
  ).toMatchObject({ name: "New Person", isAdmin: false });
  expect(await isInviteUsable({ store, token })).toBe(false);

  // Used up: the page and the form both refuse it now.
  expect(statusOf(await join.get())).toBe(403);
  const again = await join.post({
    name: "Second",
    email: "second@example.org",
    password: "a long password",
  });
  expect(statusOf(again)).toBe(403);
  expect(await listUsers({ store })).toHaveLength(2);
});

test("an unknown invitation is refused, and a form from another site too", async () => {
  const { store, owner } = await buildAppStore();
  const route = await import("../../app/routes/join.$token");
  const unknown = routeCaller(route, "/join/nope", { token: "nope" }, null);
  expect(statusOf(await unknown.get())).toBe(403);
  const refused = await unknown.post({
    name: "Guess",
    email: "guess@example.org",
    password: "a long password",
  });
  expect(statusOf(refused)).toBe(403);

  const { token } = await createInvite({ store, adminId: owner.id });
  const join = routeCaller(route, `/join/${token}`, { token }, null);
  const crossSite = await join.post(
    { name: "Cross", email: "cross@example.org", password: "a long password" },
    { origin: "https://evil.example" },
  );
  expect(statusOf(crossSite)).toBe(403);
  expect(await isInviteUsable({ store, token })).toBe(true);
  expect(await listUsers({ store })).toHaveLength(1);
});
