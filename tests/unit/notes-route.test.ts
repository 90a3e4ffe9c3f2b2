import { expect, test } from "vitest";
import { createFieldNote } from "../../research/collection/index.js";
import { buildProject, buildStore, buildUser, pointAppAtStore } from "../factories.js";
import { routeCaller, signInCookie } from "../helpers/route-requests.js";

test("field notes show who wrote them and when", async () => {
  const store = await buildStore();
  pointAppAtStore(store);
  const owner = await buildUser(store, { admin: true, name: "Rosa Researcher" });
  const { slug } = await buildProject(store, owner);
  await createFieldNote({
    store,
    slug,
    authorId: owner.id,
    kind: "observational",
    title: "First visit",
    markdown: "Lurked for an hour.",
  });
  const route = await import("../../app/routes/projects.$slug.collection.notes");
  const page = routeCaller(
    route,
    `/projects/${slug}/collection/notes`,
    { slug },
    await signInCookie(owner.id),
  );
  const data = (await page.get()) as Awaited<ReturnType<typeof route.loader>>;
  expect(data.notes).toEqual([
    expect.objectContaining({
      title: "First visit",
      author: "Rosa Researcher",
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      edited: null,
    }),
  ]);
});
