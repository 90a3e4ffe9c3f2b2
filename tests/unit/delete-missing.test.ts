import { expect, test } from "vitest";
import { deleteMemo } from "../../research/coding/index.js";
import { deleteFieldNote } from "../../research/collection/index.js";
import {
  removeKeyword,
  removeResearchQuestion,
  removeSensitizingConcept,
} from "../../research/objectives/index.js";
import { deleteTheme } from "../../research/reporting/index.js";
import { buildProject, buildStore, buildUser } from "../factories.js";

/** Deleting something that is not there (a stale page, a second click) says so instead of "done". */
test("deleting a theme, memo, field note or objective that does not exist is 'not found'", async () => {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const { slug } = await buildProject(store, owner);
  const attempts: Array<[string, () => Promise<unknown>]> = [
    ["theme", () => deleteTheme({ store, slug, userId: owner.id, themeId: "nope" })],
    ["memo", () => deleteMemo({ store, slug, userId: owner.id, memoId: "nope" })],
    ["field note", () => deleteFieldNote({ store, slug, userId: owner.id, noteId: "nope" })],
    [
      "research question",
      () => removeResearchQuestion({ store, slug, userId: owner.id, id: "nope" }),
    ],
    ["keyword", () => removeKeyword({ store, slug, userId: owner.id, id: "nope" })],
    [
      "sensitizing concept",
      () => removeSensitizingConcept({ store, slug, userId: owner.id, id: "nope" }),
    ],
  ];
  for (const [what, attempt] of attempts) {
    const error = await attempt().then(
      () => null,
      (thrown: unknown) => thrown as { code?: string; message?: string },
    );
    expect(error?.code, what).toBe("not-found");
    expect(error?.message, what).toContain(`That ${what} does not exist`);
  }
});
