import { expect, test } from "vitest";
import { formState } from "../../app/components/form-state";
import { listCodes } from "../../research/coding/index.js";
import { buildProject, buildStore, buildUser, pointAppAtStore } from "../factories.js";
import {
  bodyOf,
  reloadAppForEachTest,
  routeCaller,
  signInCookie,
  statusOf,
} from "../helpers/route-requests.js";

reloadAppForEachTest();

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

test("a refused edit stays in that code's form, with what was typed and its ticks", async () => {
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
  expect(statusOf(await codebook.post({ intent: "create", name: "Trust" }))).toBe(200);
  expect(
    statusOf(await codebook.post({ intent: "create", name: "Delight", affective: "on" })),
  ).toBe(200);
  const codes = await listCodes({ store, slug });
  const trust = codes.find((code) => code.name === "Trust")!;
  const delight = codes.find((code) => code.name === "Delight")!;

  // Renaming Delight to Trust: a second code of the same name under the same parent is refused.
  const refused = await codebook.post({
    intent: "edit",
    formId: `edit-${delight.id}`,
    codeId: delight.id,
    name: "Trust",
    definition: "joy about the product",
    colour: delight.colour,
    draft: "on",
  });
  expect(statusOf(refused)).toBe(409);
  const answer = bodyOf(refused);
  const mine = formState(answer, `edit-${delight.id}`);
  expect(mine.fieldErrors.name).toMatch(/Trust/);
  expect(mine.value("definition", "")).toBe("joy about the product");
  // Affective was unticked in this submit: the form comes back unticked, draft ticked.
  expect(mine.checked("affective", true)).toBe(false);
  expect(mine.checked("draft", false)).toBe(true);
  expect(formState(answer, `edit-${trust.id}`).fieldErrors).toEqual({});
  expect(formState(answer, "create-code").fieldErrors).toEqual({});
  expect(formState(answer).formError).toBeUndefined();
  expect((await listCodes({ store, slug })).map((code) => code.name).sort()).toEqual([
    "Delight",
    "Trust",
  ]);

  // Deleting without ticking the confirmation is an error under that code's delete form.
  const unconfirmed = await codebook.post({
    intent: "delete",
    formId: `delete-${delight.id}`,
    codeId: delight.id,
  });
  expect(statusOf(unconfirmed)).toBe(400);
  expect(formState(bodyOf(unconfirmed), `delete-${delight.id}`).fieldErrors.confirm).toBe(
    "Tick the box to confirm.",
  );
  expect(await listCodes({ store, slug })).toHaveLength(2);
});
