// The first account: the setup page creates the admin while there is no account, then sends everyone to
// the login page and refuses a second admin.
import { expect, test } from "vitest";
import { listUsers } from "../../research/accounts/index.js";
import { buildStore, pointAppAtStore } from "../factories.js";
import { bodyOf, reloadAppForEachTest, routeCaller, statusOf } from "../helpers/route-requests.js";

reloadAppForEachTest();

test("the first visitor creates the admin; afterwards setup is closed", async () => {
  const store = await buildStore();
  pointAppAtStore(store);
  const route = await import("../../app/routes/setup");
  const page = routeCaller(route, "/setup", {}, null);
  expect(statusOf(await page.get())).toBe(200);

  const missing = await page.post({ formId: "setup", name: "First", password: "a long password" });
  expect(statusOf(missing)).toBe(400);
  expect(bodyOf(missing)).toMatchObject({
    ok: false,
    formId: "setup",
    fieldErrors: { email: expect.any(String) },
    result: { initialValue: { name: "First" } },
  });
  expect(await listUsers({ store })).toHaveLength(0);

  const crossSite = await page.post(
    { name: "First", email: "first@example.org", password: "a long password" },
    { origin: "https://evil.example" },
  );
  expect(statusOf(crossSite)).toBe(403);
  expect(await listUsers({ store })).toHaveLength(0);

  const created = (await page.post({
    name: "First Admin",
    email: "first@example.org",
    password: "a long password",
  })) as Response;
  expect(created.status).toBe(302);
  expect(created.headers.get("location")).toBe("/projects");
  expect(created.headers.get("set-cookie")).toContain("__netno_session=");
  expect(await listUsers({ store })).toEqual([
    expect.objectContaining({ email: "first@example.org", name: "First Admin", isAdmin: true }),
  ]);

  const closed = (await page.get()) as Response;
  expect(closed.status).toBe(302);
  expect(closed.headers.get("location")).toBe("/login");
  const second = await page.post({
    name: "Second",
    email: "second@example.org",
    password: "a long password",
  });
  expect(statusOf(second)).toBe(403);
  expect(await listUsers({ store })).toHaveLength(1);
});
