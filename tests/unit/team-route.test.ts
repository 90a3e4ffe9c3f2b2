import { expect, test } from "vitest";
import { listProjectMembers } from "../../research/projects/index.js";
import { addMember, buildProject, buildUser } from "../factories.js";
import {
  bodyOf,
  buildAppStore,
  reloadAppForEachTest,
  routeCaller,
  signInCookie,
  statusOf,
} from "../helpers/route-requests.js";

reloadAppForEachTest();

test("adding an unknown email is a field error under the email field, and nothing is stored", async () => {
  const { store, owner } = await buildAppStore();
  const colleague = await buildUser(store);
  const { slug } = await buildProject(store, owner);
  const route = await import("../../app/routes/projects.$slug.settings");
  const settings = routeCaller(
    route,
    `/projects/${slug}/settings`,
    { slug },
    await signInCookie(owner.id),
  );

  const unknown = await settings.post({
    intent: "add-member",
    formId: "add-member",
    email: "nobody@example.org",
    role: "researcher",
  });
  expect(statusOf(unknown)).toBe(400);
  expect(bodyOf(unknown)).toMatchObject({
    ok: false,
    formId: "add-member",
    fieldErrors: { email: expect.stringContaining("nobody@example.org") },
    result: { initialValue: { email: "nobody@example.org", role: "researcher" } },
  });
  expect(await listProjectMembers({ store, slug })).toHaveLength(1);

  // A missing email is also a field error, with the other field echoed back.
  const empty = await settings.post({ intent: "add-member", email: " ", role: "strategist" });
  expect(statusOf(empty)).toBe(400);
  expect(bodyOf(empty)).toMatchObject({
    fieldErrors: { email: expect.any(String) },
    result: { initialValue: { role: "strategist" } },
  });

  const added = await settings.post({
    intent: "add-member",
    formId: "add-member",
    email: colleague.email,
    role: "researcher",
  });
  expect(statusOf(added)).toBe(200);
  expect(bodyOf(added)).toMatchObject({ ok: true });
  const members = await listProjectMembers({ store, slug });
  expect(members.map((m) => [m.user.id, m.role])).toContainEqual([colleague.id, "researcher"]);
});

test("a researcher cannot change the team", async () => {
  const { store, owner } = await buildAppStore();
  const researcher = await buildUser(store);
  const outsider = await buildUser(store);
  const project = await buildProject(store, owner);
  await addMember(store, project, researcher, "researcher", owner.id);
  const route = await import("../../app/routes/projects.$slug.settings");
  const settings = routeCaller(
    route,
    `/projects/${project.slug}/settings`,
    { slug: project.slug },
    await signInCookie(researcher.id),
  );
  const refused = await settings.post({
    intent: "add-member",
    email: outsider.email,
    role: "owner",
  });
  expect(statusOf(refused)).toBe(403);
  expect(await listProjectMembers({ store, slug: project.slug })).toHaveLength(2);
});
