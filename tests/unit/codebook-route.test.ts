import { expect, test } from "vitest";
import { listCodes } from "../../research/coding/index.js";
import { buildProject, buildStore, buildUser, pointAppAtStore } from "../factories.js";
import { bodyOf, routeCaller, signInCookie, statusOf } from "../helpers/route-requests.js";

/**
 * The codebook form as a browser without JavaScript sends it: an unticked checkbox is simply absent.
 * Codes must be creatable and editable with "Affective" and "Draft" ticked or not.
 */
test("a code is created and edited with its checkboxes ticked and unticked", async () => {
  const store = await buildStore();
  pointAppAtStore(store);
  const owner = await buildUser(store, { admin: true });
  const { slug } = await buildProject(store, owner);
  const route = await import("../../app/routes/projects.$slug.coding._index");
  const codebook = routeCaller(
    route,
    `/projects/${slug}/coding`,
    { slug },
    await signInCookie(owner.id),
  );

  const plain = await codebook.post({ intent: "create", name: "Trust" });
  expect(statusOf(plain)).toBe(200);
  expect(bodyOf(plain)).toMatchObject({ ok: true });
  const affective = await codebook.post({ intent: "create", name: "Delight", affective: "on" });
  expect(statusOf(affective)).toBe(200);
  let codes = await listCodes({ store, slug });
  const trust = codes.find((code) => code.name === "Trust");
  const delight = codes.find((code) => code.name === "Delight");
  expect(trust).toMatchObject({ affective: false });
  expect(delight).toMatchObject({ affective: true });

  // Editing with both boxes unticked clears both flags (the browser sends neither field).
  const edit = (codeId: string, extra: Record<string, string>) =>
    codebook.post({
      intent: "edit",
      codeId,
      name: "Delight",
      definition: "joy about the product",
      colour: delight!.colour,
      ...extra,
    });
  expect(statusOf(await edit(delight!.id, { draft: "on", affective: "on" }))).toBe(200);
  codes = await listCodes({ store, slug });
  expect(codes.find((code) => code.id === delight!.id)).toMatchObject({
    affective: true,
    draft: true,
  });
  const cleared = await edit(delight!.id, {});
  expect(statusOf(cleared)).toBe(200);
  codes = await listCodes({ store, slug });
  expect(codes.find((code) => code.id === delight!.id)).toMatchObject({
    affective: false,
    draft: false,
    definition: "joy about the product",
  });

  // A missing required field is a 400 that names the field, and nothing is stored.
  const nameless = await codebook.post({ intent: "create" });
  expect(statusOf(nameless)).toBe(400);
  expect(bodyOf(nameless)).toMatchObject({ ok: false, fieldErrors: { name: expect.any(String) } });
  expect(await listCodes({ store, slug })).toHaveLength(2);
});
