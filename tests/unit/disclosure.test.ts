import { expect, test } from "vitest";
import { draftDisclosure, saveEthicsPlan } from "../../research/entree/index.js";
import { addResearchQuestion, saveScope } from "../../research/objectives/index.js";
import { buildProject, buildStore, buildUser } from "../factories.js";

async function projectWithPlan(plan: Record<string, unknown>, phenomenon: string, question = "") {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const { slug } = await buildProject(store, owner, { title: "Van life study" });
  await saveScope({ store, slug, userId: owner.id, phenomenon });
  if (question) await addResearchQuestion({ store, slug, userId: owner.id, question });
  await saveEthicsPlan({ store, slug, stage: "design", plan, userId: owner.id });
  return draftDisclosure({ store, slug, researcherName: "Ada Lovelace" });
}

/** What a person reading the post would trip over: doubled stops, a stop before "and", a field glued into a clause. */
function expectCleanProse(text: string) {
  expect(text).not.toMatch(/\.\./);
  expect(text).not.toMatch(/\?\./);
  expect(text).not.toMatch(/\. and /);
  expect(text).not.toMatch(/ {2}/);
}

test("fields typed as sentences, with capitals and full stops, give grammatical sentences", async () => {
  const text = await projectWithPlan(
    {
      storageLocation: "Encrypted university server.",
      deletionDate: "2027-12-31",
      boardName: "University ethics board.",
      boardReference: "REC-2026-17.",
    },
    "Self-governance in forum meta-discussion.",
    "How do members govern themselves",
  );
  expectCleanProse(text);
  expect(text).toContain("The topic of my study: Self-governance in forum meta-discussion.");
  expect(text).toContain("The question I want to understand: How do members govern themselves?");
  expect(text).toContain(
    "Where the data is stored: Encrypted university server. It is deleted by 2027-12-31.",
  );
  expect(text).toContain("Ethics approval: University ethics board, reference REC-2026-17.");
});

test("fields typed as bare phrases get their closing punctuation, and missing ones fall back", async () => {
  const text = await projectWithPlan({ cloakingLevel: "maximum" }, "", "");
  expectCleanProse(text);
  expect(text).toContain("The topic of my study: Van life study.");
  expect(text).toContain("I am studying how this community talks and helps each other.");
  expect(text).toContain(
    "members appear under pseudonyms and are only paraphrased, and the community is not named.",
  );
  expect(text).toContain("The data is stored securely. It is deleted when the study ends.");
  expect(text).not.toContain("Ethics approval");
});

test("a question already ending in a question mark keeps exactly one", async () => {
  const text = await projectWithPlan(
    { storageLocation: "an encrypted drive", cloakingLevel: "minimum" },
    "repair culture",
    "Who helps whom?",
  );
  expectCleanProse(text);
  expect(text).toContain("The question I want to understand: Who helps whom?");
  expect(text).toContain("Where the data is stored: an encrypted drive.");
  expect(text).toContain("the community may be named");
});
