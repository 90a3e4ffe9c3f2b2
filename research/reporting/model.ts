import { z } from "zod";
import type { StoredFileKind } from "../store/index.js";

export const ResponseTypeSchema = z.enum([
  "answer",
  "fix",
  "escalate",
  "change-product",
  "change-process",
  "change-message",
]);
export const ImpactRowSchema = z.object({
  event: z.string(),
  responsible: z.string(),
  involved: z.string(),
});

/** What a brand strategist acts on for a theme (an engagement guideline). */
export const GuidelineSchema = z.object({
  touchpoint: z.string().default(""),
  experience: z.string().default(""),
  responses: z.array(ResponseTypeSchema).default([]),
  recommendation: z.string().default(""),
  responsible: z.string().default(""),
  involved: z.string().default(""),
  impact: z.array(ImpactRowSchema).default([]),
  priority: z.enum(["", "low", "medium", "high"]).default(""),
  successMeasure: z.string().default(""),
});
export type Guideline = z.infer<typeof GuidelineSchema>;

/** How the researcher disguised one quoted segment, and whether they ran the web-search test. */
export const QuoteTreatmentSchema = z.object({
  paraphrase: z.string().default(""),
  searchTested: z.boolean().default(false),
  removedAt: z.string().nullable().default(null),
});
export type QuoteTreatment = z.infer<typeof QuoteTreatmentSchema>;

export const ThemeSchema = z.object({
  id: z.string(),
  name: z.string(),
  /** The statement of the insight. */
  statement: z.string(),
  codeIds: z.array(z.string()),
  /** Chosen coded segments that support the theme, and those that speak against it. */
  evidenceCodingIds: z.array(z.string()).default([]),
  counterEvidenceCodingIds: z.array(z.string()).default([]),
  confidence: z.enum(["low", "medium", "high"]),
  guideline: GuidelineSchema.default(GuidelineSchema.parse({})),
  createdAt: z.string(),
  createdBy: z.string(),
  updatedAt: z.string(),
});
export type Theme = z.infer<typeof ThemeSchema>;

export const CRITERIA = [
  "coherence",
  "rigour",
  "literacy",
  "groundedness",
  "innovation",
  "resonance",
  "verisimilitude",
  "reflexivity",
  "praxis",
  "intermix",
] as const;
export type Criterion = (typeof CRITERIA)[number];

export const ThemesFileSchema = z.object({
  themes: z.array(ThemeSchema),
  /** Per coded segment, keyed by coding id. */
  quoteTreatments: z.record(z.string(), QuoteTreatmentSchema).default({}),
  limitations: z.string().default(""),
  selfAssessment: z
    .partialRecord(
      z.enum(CRITERIA),
      z.object({ score: z.number().int().min(1).max(5).nullable(), note: z.string() }),
    )
    .default({}),
  /** The communities reports, maps and exports cover; null: those selected in discovery (see report-scope.ts). */
  reportScope: z
    .object({ communityIds: z.array(z.string()) })
    .nullable()
    .default(null),
});
export type ThemesFile = z.infer<typeof ThemesFileSchema>;
export const themesFile: StoredFileKind<ThemesFile> = {
  description: "themes and findings",
  schema: ThemesFileSchema,
  version: 1,
  empty: () => ({
    themes: [],
    quoteTreatments: {},
    limitations: "",
    selfAssessment: {},
    reportScope: null,
  }),
};

export const ShareLinkSchema = z.object({
  id: z.string(),
  tokenHash: z.string(),
  themeIds: z.array(z.string()),
  label: z.string().default(""),
  createdBy: z.string(),
  createdAt: z.string(),
  expiresAt: z.string(),
  revokedAt: z.string().nullable().default(null),
});
export type ShareLink = z.infer<typeof ShareLinkSchema>;

export const MemberResponseSchema = z.object({
  id: z.string(),
  linkId: z.string(),
  themeId: z.string(),
  rating: z.enum(["rings-true", "partly", "does-not-ring-true"]),
  comment: z.string().default(""),
  /** "This quote is mine, please remove or paraphrase it": the quote's reference in the shared view. */
  quoteRef: z.string().nullable().default(null),
  at: z.string(),
  /** When the reviewer last changed it (they may, from the same browser), or null. */
  changedAt: z.string().nullable().default(null),
  handledAt: z.string().nullable().default(null),
  handledBy: z.string().nullable().default(null),
  handling: z.string().default(""),
});
export type MemberResponse = z.infer<typeof MemberResponseSchema>;
