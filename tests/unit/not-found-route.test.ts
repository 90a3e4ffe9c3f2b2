// Addresses that name no page: inside a project the splat route checks the project first (signed out: to
// the login page; not a member: 404 as for a missing project), then answers 404 for a member while the
// project layout still loads, so its error boundary shows the 404 inside the project's navigation.
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

test("an unknown address inside a project: login when signed out, 404 for outsiders, 404 inside the project for members", async () => {
  const { store, owner } = await buildAppStore();
  const project = await buildProject(store, owner);
  const { slug } = project;
  const strategist = await buildUser(store);
  const outsider = await buildUser(store);
  await addMember(store, project, strategist, "strategist", owner.id);
  const splat = await import("../../app/routes/projects.$slug.$");
  const layout = await import("../../app/routes/projects.$slug");
  const pathname = `/projects/${slug}/coding/nonsense`;
  const params = { slug, "*": "coding/nonsense" };

  const signedOut = (await routeCaller(splat, pathname, params, null).get()) as Response;
  expect(statusOf(signedOut)).toBe(302);
  expect(signedOut.headers.get("location")).toBe(
    `/login?${new URLSearchParams({ redirectTo: pathname })}`,
  );

  const asOutsider = await signInCookie(outsider.id);
  expect(statusOf(await routeCaller(splat, pathname, params, asOutsider).get())).toBe(404);
  expect(statusOf(await routeCaller(layout, pathname, params, asOutsider).get())).toBe(404);
  // A project that does not exist answers the same.
  const missing = { slug: "no-such-study", "*": "nonsense" };
  expect(
    statusOf(
      await routeCaller(splat, "/projects/no-such-study/nonsense", missing, asOutsider).get(),
    ),
  ).toBe(404);

  for (const member of [owner, strategist]) {
    const cookie = await signInCookie(member.id);
    const answer = (await routeCaller(splat, pathname, params, cookie).get()) as Response;
    expect(statusOf(answer)).toBe(404);
    expect(await answer.text()).toBe("Not found");
    // The layout's loader answers, so its boundary draws the navigation around the 404.
    const around = await routeCaller(layout, pathname, params, cookie).get();
    expect(statusOf(around)).toBe(200);
    expect(bodyOf(around)).toMatchObject({ project: { slug } });
  }
});

test("an unknown address outside projects is a 404, signed in or not", async () => {
  const { owner } = await buildAppStore();
  const splat = await import("../../app/routes/$");
  const root = await import("../../app/root");
  for (const cookie of [null, await signInCookie(owner.id)]) {
    const answer = await routeCaller(splat, "/nonsense", { "*": "nonsense" }, cookie).get();
    expect(statusOf(answer)).toBe(404);
  }
  // The root loader still answers, so the root boundary shows the header with who is signed in.
  const rootData = await routeCaller(root, "/nonsense", {}, await signInCookie(owner.id)).get();
  expect(bodyOf(rootData)).toMatchObject({ user: { name: owner.name } });
});
