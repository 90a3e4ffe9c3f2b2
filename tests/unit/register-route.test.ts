// Open registration: the page exists only when NETNO_OPEN_REGISTRATION=true; it creates an ordinary
// account and signs it in.
import { expect, onTestFinished, test } from "vitest";
import { listUsers } from "../../research/accounts/index.js";
import {
  bodyOf,
  buildAppStore,
  reloadAppForEachTest,
  routeCaller,
  statusOf,
} from "../helpers/route-requests.js";

reloadAppForEachTest();

function openRegistration(value: string | undefined) {
  const saved = process.env.NETNO_OPEN_REGISTRATION;
  onTestFinished(() => {
    if (saved === undefined) delete process.env.NETNO_OPEN_REGISTRATION;
    else process.env.NETNO_OPEN_REGISTRATION = saved;
  });
  if (value === undefined) delete process.env.NETNO_OPEN_REGISTRATION;
  else process.env.NETNO_OPEN_REGISTRATION = value;
}

test("with open registration, anyone creates an ordinary account and is signed in", async () => {
  openRegistration("true");
  const { store } = await buildAppStore();
  const route = await import("../../app/routes/register");
  const page = routeCaller(route, "/register", {}, null);
  expect(statusOf(await page.get())).toBe(200);

  const missing = await page.post({ formId: "register", email: "x@example.org", password: "" });
  expect(statusOf(missing)).toBe(400);
  expect(bodyOf(missing)).toMatchObject({
    ok: false,
    formId: "register",
    fieldErrors: { name: expect.any(String), password: expect.any(String) },
    result: { initialValue: { email: "x@example.org" } },
  });

  const badEmail = await page.post({
    name: "X",
    email: "not-an-email",
    password: "a long password",
  });
  expect(statusOf(badEmail)).toBe(400);
  expect(bodyOf(badEmail)).toMatchObject({ fieldErrors: { email: expect.any(String) } });
  expect(await listUsers({ store })).toHaveLength(1);

  const registered = (await page.post({
    name: "Open Door",
    email: "open@example.org",
    password: "a long password",
  })) as Response;
  expect(registered.status).toBe(302);
  expect(registered.headers.get("location")).toBe("/projects");
  expect(registered.headers.get("set-cookie")).toContain("__netno_session=");
  expect(
    (await listUsers({ store })).find((user) => user.email === "open@example.org"),
  ).toMatchObject({ name: "Open Door", isAdmin: false });
});

test("without open registration the page and its form are not found", async () => {
  openRegistration(undefined);
  const { store } = await buildAppStore();
  const route = await import("../../app/routes/register");
  const page = routeCaller(route, "/register", {}, null);
  expect(statusOf(await page.get())).toBe(404);
  const refused = await page.post({
    name: "Closed",
    email: "closed@example.org",
    password: "a long password",
  });
  expect(statusOf(refused)).toBe(404);
  expect(await listUsers({ store })).toHaveLength(1);
});
