// Objectives can be edited, not only removed: each entry's form saves it; a refused edit keeps what was
// typed in that entry's form and says why; strategists cannot edit.
import { expect, test } from "vitest";
import {
  addKeyword,
  addResearchQuestion,
  addSensitizingConcept,
  getObjectives,
} from "../../research/objectives/index.js";
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

test("research questions, keywords and concepts are edited in place; a duplicate is refused in its own form", async () => {
  const { store, owner } = await buildAppStore();
  const project = await buildProject(store, owner);
  const { slug } = project;
  const first = await addResearchQuestion({
    store,
    slug,
    userId: owner.id,
    question: "How is solar talked about?",
  });
  await addResearchQuestion({ store, slug, userId: owner.id, question: "Who gives advice?" });
  const keyword = await addKeyword({ store, slug, userId: owner.id, term: "solar" });
  await addKeyword({ store, slug, userId: owner.id, term: "battery" });
  const concept = await addSensitizingConcept({
    store,
    slug,
    userId: owner.id,
    name: "Self-reliance",
  });
  const route = await import("../../app/routes/projects.$slug.objectives");
  const page = routeCaller(
    route,
    `/projects/${slug}/objectives`,
    { slug },
    await signInCookie(owner.id),
  );

  const saved = await page.post({
    intent: "edit-question",
    id: first,
    formId: `edit-question-${first}`,
    question: "How is solar power talked about?",
    rationale: "",
  });
  expect(bodyOf(saved)).toMatchObject({ ok: true, message: "Research question saved." });
  await page.post({
    intent: "edit-keyword",
    id: keyword,
    formId: `edit-keyword-${keyword}`,
    term: "solar*",
    synonyms: "photovoltaic, PV",
  });
  await page.post({
    intent: "edit-concept",
    id: concept,
    formId: `edit-concept-${concept}`,
    name: "Self-reliance",
    description: "Doing it oneself",
  });
  const objectives = await getObjectives({ store, slug });
  expect(objectives.researchQuestions.map((q) => q.question)).toEqual([
    "How is solar power talked about?",
    "Who gives advice?",
  ]);
  expect(objectives.keywords[0]).toMatchObject({
    term: "solar*",
    synonyms: ["photovoltaic", "PV"],
  });
  expect(objectives.sensitizingConcepts[0].description).toBe("Doing it oneself");

  const duplicate = await page.post({
    intent: "edit-keyword",
    id: keyword,
    formId: `edit-keyword-${keyword}`,
    term: "Battery",
    synonyms: "",
  });
  expect(statusOf(duplicate)).toBe(409);
  expect(bodyOf(duplicate)).toMatchObject({
    ok: false,
    formId: `edit-keyword-${keyword}`,
    fieldErrors: { term: '"Battery" is already a keyword.' },
    result: { initialValue: { term: "Battery" } },
  });
  expect((await getObjectives({ store, slug })).keywords[0].term).toBe("solar*");

  const strategist = await buildUser(store);
  await addMember(store, project, strategist, "strategist", owner.id);
  const asStrategist = routeCaller(
    route,
    `/projects/${slug}/objectives`,
    { slug },
    await signInCookie(strategist.id),
  );
  const refused = await asStrategist
    .post({ intent: "edit-question", id: first, question: "Mine" })
    .catch((e: unknown) => e);
  expect(statusOf(refused)).toBe(403);
});

test("the add forms name themselves: each adds with its optional field absent or present, a refusal answers to its own form, a strategist is refused", async () => {
  const { store, owner } = await buildAppStore();
  const project = await buildProject(store, owner);
  const { slug } = project;
  const researcher = await buildUser(store);
  await addMember(store, project, researcher, "researcher", owner.id);
  const strategist = await buildUser(store);
  await addMember(store, project, strategist, "strategist", owner.id);
  const route = await import("../../app/routes/projects.$slug.objectives");
  const as = async (user: { id: string }) =>
    routeCaller(route, `/projects/${slug}/objectives`, { slug }, await signInCookie(user.id));
  const page = await as(researcher);

  const additions: Array<Record<string, string>> = [
    { formId: "add-keyword", intent: "add-keyword", term: "solar" },
    {
      formId: "add-keyword",
      intent: "add-keyword",
      term: "inverter",
      synonyms: "charger, converter",
    },
    { formId: "add-question", intent: "add-question", question: "Who fixes what?" },
    { formId: "add-question", intent: "add-question", question: "Why?", rationale: "Care" },
    { formId: "add-concept", intent: "add-concept", name: "Care" },
    { formId: "add-concept", intent: "add-concept", name: "Thrift", description: "Money kept" },
  ];
  for (const fields of additions)
    expect(bodyOf(await page.post(fields))).toMatchObject({ ok: true });

  // The same keyword again is refused in the keyword form, and what was typed comes back with it.
  const refused = await page.post({ ...additions[0], synonyms: "sun" });
  expect(statusOf(refused)).toBe(409);
  expect(bodyOf(refused)).toMatchObject({
    ok: false,
    formId: "add-keyword",
    result: { initialValue: { term: "solar", synonyms: "sun" } },
  });
  const empty = await page.post({ formId: "add-question", intent: "add-question", question: "" });
  expect(statusOf(empty)).toBe(400);
  expect(bodyOf(empty)).toMatchObject({
    ok: false,
    formId: "add-question",
    fieldErrors: { question: expect.any(String) },
  });
  const byStrategist = await (await as(strategist)).post({ ...additions[0], term: "wind" });
  expect(statusOf(byStrategist)).toBe(403);

  const objectives = await getObjectives({ store, slug });
  expect(objectives.keywords.map((k) => [k.term, k.synonyms])).toEqual([
    ["solar", []],
    ["inverter", ["charger", "converter"]],
  ]);
  expect(objectives.researchQuestions.map((q) => [q.question, q.rationale])).toEqual([
    ["Who fixes what?", ""],
    ["Why?", "Care"],
  ]);
  expect(objectives.sensitizingConcepts.map((c) => [c.name, c.description])).toEqual([
    ["Care", ""],
    ["Thrift", "Money kept"],
  ]);
});
