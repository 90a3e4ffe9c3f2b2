import { z } from "zod";
import { createCodes } from "../coding/codebook.js";
import { projectKeys } from "../projects/model.js";
import { requireProject } from "../projects/projects.js";
import { requireCapability } from "../shared/roles.js";
import { ResearchError, parseInput } from "../shared/errors.js";
import { newId, nowIso } from "../shared/ids.js";
import type { DocumentStore } from "../store/index.js";
import { objectivesFile, type Objectives } from "./model.js";

type WithProject = { store: DocumentStore; slug: string };
/** A change of the plan: `userId` is who acts, and their role must allow editing the plan. */
type PlanChange = WithProject & { userId: string };

/** Changes the objectives once the acting user's role allows editing the plan (nothing is written otherwise). */
async function updateObjectives<R>(store: DocumentStore, slug: string, userId: string, mutate: (objectives: Objectives) => R): Promise<R> {
  await requireCapability({ store, slug, userId, capability: "editPlan" });
  return store.update(objectivesFile, projectKeys.objectives(slug), (objectives) => {
    const result = mutate(objectives);
    objectives.updatedAt = nowIso();
    return result;
  });
}

/** The project's objectives (empty when none were written yet). */
export async function getObjectives({ store, slug }: WithProject): Promise<Objectives> {
  await requireProject({ store, slug });
  return store.read(objectivesFile, projectKeys.objectives(slug));
}

const IsoDate = z.union([z.literal(""), z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "Use a date like 2026-01-31.")]);
export const ScopeInputSchema = z
  .object({
    phenomenon: z.string().max(5000).default(""),
    from: IsoDate.default(""),
    to: IsoDate.default(""),
    languages: z.array(z.string().trim().min(1)).default([]),
    platforms: z.array(z.string().trim().min(1)).default([]),
    positionality: z.string().max(20000).default(""),
  })
  .refine((scope) => !scope.from || !scope.to || scope.from <= scope.to, { message: "The time window ends before it starts.", path: ["to"] });

/** Saves the phenomenon, the scope (time window, languages, platforms) and the positionality statement. */
export async function saveScope({ store, slug, userId, ...input }: PlanChange & z.input<typeof ScopeInputSchema>): Promise<void> {
  const scope = parseInput(ScopeInputSchema, input);
  await updateObjectives(store, slug, userId, (objectives) => {
    objectives.phenomenon = scope.phenomenon.trim();
    objectives.scope = { from: scope.from || null, to: scope.to || null, languages: scope.languages, platforms: scope.platforms };
    objectives.positionality = scope.positionality.trim();
  });
}

/** Two entries are the same when they differ only in case and spacing: an accidental second submit. */
const sameText = (a: string, b: string) =>
  a.replace(/\s+/g, " ").trim().toLowerCase() === b.replace(/\s+/g, " ").trim().toLowerCase();

export async function addResearchQuestion({ store, slug, userId, question, rationale = "" }: PlanChange & { question: string; rationale?: string }): Promise<string> {
  const clean = parseInput(z.object({ question: z.string().trim().min(1, "Write the research question.").max(1000), rationale: z.string().trim().max(5000) }), { question, rationale });
  return updateObjectives(store, slug, userId, (objectives) => {
    if (objectives.researchQuestions.some((existing) => sameText(existing.question, clean.question)))
      throw new ResearchError("conflict", "This research question is already in the list.", { field: "question" });
    const id = newId();
    objectives.researchQuestions.push({ id, ...clean });
    return id;
  });
}

export async function removeResearchQuestion({ store, slug, userId, id }: PlanChange & { id: string }): Promise<void> {
  await updateObjectives(store, slug, userId, (objectives) => {
    const kept = objectives.researchQuestions.filter((question) => question.id !== id);
    if (kept.length === objectives.researchQuestions.length)
      throw new ResearchError("not-found", "That research question does not exist (it may have been removed already).");
    objectives.researchQuestions = kept;
  });
}

/** Adds a keyword with its synonyms; the same term twice is refused. */
export async function addKeyword({ store, slug, userId, term, synonyms = [] }: PlanChange & { term: string; synonyms?: string[] }): Promise<string> {
  const clean = parseInput(z.object({ term: z.string().trim().min(1, "A keyword needs a term.").max(200), synonyms: z.array(z.string().trim().min(1).max(200)).max(50) }), { term, synonyms });
  return updateObjectives(store, slug, userId, (objectives) => {
    if (objectives.keywords.some((keyword) => keyword.term.toLowerCase() === clean.term.toLowerCase())) {
      throw new ResearchError("conflict", `"${clean.term}" is already a keyword.`, { field: "term" });
    }
    const id = newId();
    objectives.keywords.push({ id, term: clean.term, synonyms: [...new Set(clean.synonyms)] });
    return id;
  });
}

export async function removeKeyword({ store, slug, userId, id }: PlanChange & { id: string }): Promise<void> {
  await updateObjectives(store, slug, userId, (objectives) => {
    const kept = objectives.keywords.filter((keyword) => keyword.id !== id);
    if (kept.length === objectives.keywords.length)
      throw new ResearchError("not-found", "That keyword does not exist (it may have been removed already).");
    objectives.keywords = kept;
  });
}

export async function addSensitizingConcept({ store, slug, userId, name, description = "" }: PlanChange & { name: string; description?: string }): Promise<string> {
  const clean = parseInput(z.object({ name: z.string().trim().min(1, "Name the concept.").max(120), description: z.string().trim().max(5000) }), { name, description });
  return updateObjectives(store, slug, userId, (objectives) => {
    if (objectives.sensitizingConcepts.some((existing) => sameText(existing.name, clean.name)))
      throw new ResearchError("conflict", `"${clean.name}" is already a sensitizing concept.`, { field: "name" });
    const id = newId();
    objectives.sensitizingConcepts.push({ id, ...clean, codeId: null });
    return id;
  });
}

export async function removeSensitizingConcept({ store, slug, userId, id }: PlanChange & { id: string }): Promise<void> {
  await updateObjectives(store, slug, userId, (objectives) => {
    const kept = objectives.sensitizingConcepts.filter((concept) => concept.id !== id);
    if (kept.length === objectives.sensitizingConcepts.length)
      throw new ResearchError("not-found", "That sensitizing concept does not exist (it may have been removed already).");
    objectives.sensitizingConcepts = kept;
  });
}

/**
 * Turns the sensitizing concepts that have no code yet into draft codes of the codebook (one click in the
 * browser), and remembers which code each concept became.
 */
export async function draftCodesFromConcepts({ store, slug, userId }: PlanChange): Promise<number> {
  await requireCapability({ store, slug, userId, capability: "editPlan" });
  const objectives = await store.read(objectivesFile, projectKeys.objectives(slug));
  const pending = objectives.sensitizingConcepts.filter((concept) => !concept.codeId);
  if (pending.length === 0) return 0;
  const codes = await createCodes({
    store,
    slug,
    userId,
    reason: "Drafted from sensitizing concepts",
    codes: pending.map((concept) => ({ name: concept.name, definition: concept.description, draft: true })),
  });
  await updateObjectives(store, slug, userId, (current) => {
    pending.forEach((concept, index) => {
      const stored = current.sensitizingConcepts.find((candidate) => candidate.id === concept.id);
      if (stored) stored.codeId = codes[index].id;
    });
  });
  return codes.length;
}

function entryOf<T extends { id: string }>(list: T[], id: string, what: string): T {
  const entry = list.find((item) => item.id === id);
  if (!entry) throw new ResearchError("not-found", `That ${what} does not exist (it may have been removed).`);
  return entry;
}

/** Rewrites a research question and its rationale; the wording of another question is refused. */
export async function editResearchQuestion({ store, slug, userId, id, question, rationale = "" }: PlanChange & { id: string; question: string; rationale?: string }): Promise<void> {
  const clean = parseInput(z.object({ question: z.string().trim().min(1, "Write the research question.").max(1000), rationale: z.string().trim().max(5000) }), { question, rationale });
  await updateObjectives(store, slug, userId, (objectives) => {
    const entry = entryOf(objectives.researchQuestions, id, "research question");
    if (objectives.researchQuestions.some((other) => other.id !== id && sameText(other.question, clean.question)))
      throw new ResearchError("conflict", "This research question is already in the list.", { field: "question" });
    Object.assign(entry, clean);
  });
}

/** Changes a keyword's term or synonyms; another keyword's term is refused. */
export async function editKeyword({ store, slug, userId, id, term, synonyms = [] }: PlanChange & { id: string; term: string; synonyms?: string[] }): Promise<void> {
  const clean = parseInput(z.object({ term: z.string().trim().min(1, "A keyword needs a term.").max(200), synonyms: z.array(z.string().trim().min(1).max(200)).max(50) }), { term, synonyms });
  await updateObjectives(store, slug, userId, (objectives) => {
    const entry = entryOf(objectives.keywords, id, "keyword");
    if (objectives.keywords.some((other) => other.id !== id && other.term.toLowerCase() === clean.term.toLowerCase()))
      throw new ResearchError("conflict", `"${clean.term}" is already a keyword.`, { field: "term" });
    entry.term = clean.term;
    entry.synonyms = [...new Set(clean.synonyms)];
  });
}

/** Renames or redescribes a sensitizing concept (a draft code made from it keeps its own name). */
export async function editSensitizingConcept({ store, slug, userId, id, name, description = "" }: PlanChange & { id: string; name: string; description?: string }): Promise<void> {
  const clean = parseInput(z.object({ name: z.string().trim().min(1, "Name the concept.").max(120), description: z.string().trim().max(5000) }), { name, description });
  await updateObjectives(store, slug, userId, (objectives) => {
    const entry = entryOf(objectives.sensitizingConcepts, id, "sensitizing concept");
    if (objectives.sensitizingConcepts.some((other) => other.id !== id && sameText(other.name, clean.name)))
      throw new ResearchError("conflict", `"${clean.name}" is already a sensitizing concept.`, { field: "name" });
    Object.assign(entry, clean);
  });
}
