// The code form's save is one change of the codebook: all of it, or (when one part is refused) none.
import { expect, test } from "vitest";
import { createCodes, getCodebook, updateCode } from "../../research/coding/index.js";
import { buildProject, buildStore, buildUser } from "../factories.js";

async function codebookWithTwoCodes() {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const { slug } = await buildProject(store, owner);
  const [repair, care] = await createCodes({
    store,
    slug,
    userId: owner.id,
    codes: [{ name: "Repair" }, { name: "Care" }],
  });
  const [child] = await createCodes({
    store,
    slug,
    userId: owner.id,
    codes: [{ name: "Fridge", parentId: repair.id }],
  });
  return { store, slug, owner, repair, care, child };
}

test("renaming, moving and editing a code is one save with one history entry per kind of change", async () => {
  const { store, slug, owner, care, child } = await codebookWithTwoCodes();
  const before = (await getCodebook({ store, slug })).history.length;
  const newest = (count: number) =>
    getCodebook({ store, slug }).then((c) => c.history.slice(0, count));
  await updateCode({
    store,
    slug,
    codeId: child.id,
    name: "Fridge repair",
    parentId: care.id,
    details: { definition: "Fixing the fridge oneself", draft: false },
    userId: owner.id,
    reason: "Recoded after the second round",
  });
  const codebook = await getCodebook({ store, slug });
  const code = codebook.codes.find((c) => c.id === child.id)!;
  expect(code).toMatchObject({
    name: "Fridge repair",
    parentId: care.id,
    definition: "Fixing the fridge oneself",
  });
  expect(codebook.history).toHaveLength(before + 3);
  // History is newest first.
  const latest = await newest(3);
  expect(latest.map((entry) => entry.action)).toEqual(["edit", "move", "rename"]);
  expect(latest.every((entry) => entry.reason === "Recoded after the second round")).toBe(true);
});

test("a save that cannot be made changes nothing: a move under its own sub-code keeps the new name out too", async () => {
  const { store, slug, owner, repair, child } = await codebookWithTwoCodes();
  const before = structuredClone(await getCodebook({ store, slug }));
  await expect(
    updateCode({
      store,
      slug,
      codeId: repair.id,
      name: "Repairing",
      parentId: child.id,
      details: { definition: "changed" },
      userId: owner.id,
    }),
  ).rejects.toThrow(/cannot move under itself or one of its sub-codes/);
  expect(await getCodebook({ store, slug })).toEqual(before);
  await expect(
    updateCode({
      store,
      slug,
      codeId: child.id,
      name: "care",
      parentId: null,
      details: {},
      userId: owner.id,
    }),
  ).rejects.toThrow(/already has a code named/);
  expect(await getCodebook({ store, slug })).toEqual(before);
});
