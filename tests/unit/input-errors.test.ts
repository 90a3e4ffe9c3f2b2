import { expect, test } from "vitest";
import { createFieldNote } from "../../research/collection/index.js";
import { addResearchQuestion, getObjectives, saveScope } from "../../research/objectives/index.js";
import { isResearchError } from "../../research/shared/errors.js";
import { buildProject, buildStore, buildUser } from "../factories.js";

async function caught(run: () => Promise<unknown>) {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error");
}

test("bad input names its field, and nothing is stored", async () => {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const { slug } = await buildProject(store, owner);
  const empty = await caught(() =>
    addResearchQuestion({ store, slug, userId: owner.id, question: "   " }),
  );
  expect(isResearchError(empty, "invalid-input") && empty.location.field).toBe("question");
  expect((empty as Error).message).toBe("Write the research question.");
  const badDate = await caught(() =>
    saveScope({ store, slug, userId: owner.id, from: "last spring" }),
  );
  expect(isResearchError(badDate, "invalid-input") && badDate.location.field).toBe("from");
  const badLanguage = await caught(() =>
    saveScope({ store, slug, userId: owner.id, languages: ["en", " "] }),
  );
  expect(isResearchError(badLanguage, "invalid-input") && badLanguage.location.field).toBe(
    "languages[1]",
  );
  const badNote = await caught(() =>
    createFieldNote({
      store,
      slug,
      authorId: owner.id,
      kind: "gossip" as never,
      title: "x",
      markdown: "y",
    }),
  );
  expect(isResearchError(badNote, "invalid-input") && badNote.location.field).toBe("kind");
  const objectives = await getObjectives({ store, slug });
  expect(objectives.researchQuestions).toEqual([]);
  expect(objectives.scope.languages).toEqual([]);
});

test("an exact duplicate research question or sensitizing concept is refused with a message", async () => {
  const { addSensitizingConcept } = await import("../../research/objectives/index.js");
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const { slug } = await buildProject(store, owner);
  await addResearchQuestion({
    store,
    slug,
    userId: owner.id,
    question: "How do van dwellers talk about solar?",
  });
  const twice = await caught(() =>
    addResearchQuestion({
      store,
      slug,
      userId: owner.id,
      question: "  how do van dwellers  talk about solar? ",
    }),
  );
  expect(isResearchError(twice) && [twice.code, twice.location.field]).toEqual([
    "conflict",
    "question",
  ]);
  expect((await getObjectives({ store, slug })).researchQuestions).toHaveLength(1);
  await addSensitizingConcept({ store, slug, userId: owner.id, name: "Self-reliance" });
  const concept = await caught(() =>
    addSensitizingConcept({ store, slug, userId: owner.id, name: "self-reliance" }),
  );
  expect(concept instanceof Error && concept.message).toBe(
    '"self-reliance" is already a sensitizing concept.',
  );
  expect((await getObjectives({ store, slug })).sensitizingConcepts).toHaveLength(1);
});
