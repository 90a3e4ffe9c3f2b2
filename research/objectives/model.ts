import { z } from "zod";
import type { StoredFileKind } from "../store/index.js";

export const ResearchQuestionSchema = z.object({
  id: z.string(),
  question: z.string().trim().min(1, "Write the research question."),
  rationale: z.string().trim().default(""),
});
export const KeywordSchema = z.object({
  id: z.string(),
  term: z.string().trim().min(1, "A keyword needs a term."),
  synonyms: z.array(z.string().trim().min(1)).default([]),
});
export type Keyword = z.infer<typeof KeywordSchema>;
export const SensitizingConceptSchema = z.object({
  id: z.string(),
  name: z.string().trim().min(1, "Name the concept."),
  description: z.string().trim().default(""),
  /** The draft code made from this concept, once the researcher turned it into one. */
  codeId: z.string().nullable().default(null),
});
export type SensitizingConcept = z.infer<typeof SensitizingConceptSchema>;

export const ObjectivesSchema = z.object({
  researchQuestions: z.array(ResearchQuestionSchema),
  phenomenon: z.string().default(""),
  scope: z.object({
    from: z.string().nullable().default(null),
    to: z.string().nullable().default(null),
    languages: z.array(z.string()).default([]),
    platforms: z.array(z.string()).default([]),
  }),
  keywords: z.array(KeywordSchema),
  sensitizingConcepts: z.array(SensitizingConceptSchema),
  positionality: z.string().default(""),
  updatedAt: z.string().nullable().default(null),
});
export type Objectives = z.infer<typeof ObjectivesSchema>;

export const objectivesFile: StoredFileKind<Objectives> = {
  description: "research objectives",
  schema: ObjectivesSchema,
  version: 1,
  empty: () => ({
    researchQuestions: [],
    phenomenon: "",
    scope: { from: null, to: null, languages: [], platforms: [] },
    keywords: [],
    sensitizingConcepts: [],
    positionality: "",
    updatedAt: null,
  }),
};
