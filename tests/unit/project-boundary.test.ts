import { expect, test } from "vitest";
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

test("a missing page inside a project is a 404 while the project layout still loads", async () => {
  const { store, owner } = await buildAppStore();
  const project = await buildProject(store, owner);
  const cookie = await signInCookie(owner.id);
  const slug = project.slug;
  const layout = await import("../../app/routes/projects.$slug");
  const code = await import("../../app/routes/projects.$slug.coding.codes.$codeId");

  const missing = await routeCaller(
    code,
    `/projects/${slug}/coding/codes/nope`,
    { slug, codeId: "nope" },
    cookie,
  ).get();
  expect(statusOf(missing)).toBe(404);
  // The layout's data is what its ErrorBoundary draws the project navigation from.
  const around = await routeCaller(layout, `/projects/${slug}`, { slug }, cookie).get();
  expect(statusOf(around)).toBe(200);
  expect(bodyOf(around)).toMatchObject({ project: { slug }, role: "owner", canManage: true });

  // Someone outside the project gets the layout's own 404: no navigation to draw.
  const outsider = await buildUser(store);
  const outside = await routeCaller(
    layout,
    `/projects/${slug}`,
    { slug },
    await signInCookie(outsider.id),
  ).get();
  expect(statusOf(outside)).toBe(404);
});

test("the boundary's messages name 404 and 403 and never show internals", async () => {
  const { describeProjectError } = await import("../../app/routes/projects.$slug");
  // The shape Remix gives a thrown Response in a boundary (what isRouteErrorResponse recognises).
  const response = (status: number, data: string) => ({
    status,
    statusText: "",
    internal: false,
    data,
  });
  const notFound = describeProjectError(response(404, "Not found"));
  expect(notFound).toMatchObject({ status: 404, title: "Not found" });
  expect(notFound.message).toMatch(/does not exist/);
  const forbidden = describeProjectError(response(403, "Only an owner can change the team."));
  expect(forbidden).toMatchObject({
    status: 403,
    title: "Not allowed",
    message: "Only an owner can change the team.",
  });
  const crash = new Error("SQLITE_BUSY: database is locked at /srv/netno/data.db");
  const unexpected = describeProjectError(crash);
  expect(unexpected.status).toBe(500);
  expect(JSON.stringify(unexpected)).not.toMatch(/SQLITE|\/srv|at /);
  const serverError = describeProjectError(response(500, "TypeError: cannot read x of undefined"));
  expect(serverError.message).not.toMatch(/TypeError/);
});

test("a strategist-only account gets no New project form and cannot create one", async () => {
  const { store, owner } = await buildAppStore();
  const project = await buildProject(store, owner);
  const strategist = await buildUser(store);
  const researcher = await buildUser(store);
  await addMember(store, project, strategist, "strategist", owner.id);
  await addMember(store, project, researcher, "researcher", owner.id);
  const list = await import("../../app/routes/projects._index");
  const asStrategist = routeCaller(list, "/projects", {}, await signInCookie(strategist.id));
  expect(bodyOf(await asStrategist.get())).toMatchObject({ canCreate: false });
  const refused = await asStrategist.post({ title: "Mine", slug: "strategist-own" });
  expect(statusOf(refused)).toBe(403);

  const asResearcher = routeCaller(list, "/projects", {}, await signInCookie(researcher.id));
  expect(bodyOf(await asResearcher.get())).toMatchObject({ canCreate: true });
  const newcomer = await buildUser(store);
  const asNewcomer = routeCaller(list, "/projects", {}, await signInCookie(newcomer.id));
  expect(bodyOf(await asNewcomer.get())).toMatchObject({ canCreate: true });
  expect(
    bodyOf(await routeCaller(list, "/projects", {}, await signInCookie(owner.id)).get()),
  ).toMatchObject({ canCreate: true });

  // The overview tells a strategist it cannot open data phases and counts what is visible.
  const overview = await import("../../app/routes/projects.$slug._index");
  const home = await routeCaller(
    overview,
    `/projects/${project.slug}`,
    { slug: project.slug },
    await signInCookie(strategist.id),
  ).get();
  expect(bodyOf(home)).toMatchObject({
    canReadData: false,
    counts: { posts: 0, withheldPosts: 0, members: 0, withheldMembers: 0 },
  });
});
