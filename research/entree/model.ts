import { z } from "zod";
import type { StoredFileKind } from "../store/index.js";

export const CloakingLevelSchema = z.enum(["uncloaked", "minimum", "medium", "maximum"]);
export type CloakingLevel = z.infer<typeof CloakingLevelSchema>;

/** Until the ethics plan sets a level, reports and exports use medium cloaking. */
export const DEFAULT_CLOAKING: CloakingLevel = "medium";

export const StudyStageSchema = z.enum(["design", "collection", "analysis", "dissemination"]);

export const EthicsPlanSchema = z.object({
  space: z.enum(["", "public", "semi-public", "private"]).default(""),
  spaceReason: z.string().default(""),
  privacyExpectation: z.enum(["", "low", "moderate", "high"]).default(""),
  consentApproach: z.enum(["", "none-needed", "community-level", "individual"]).default(""),
  vulnerablePeople: z.enum(["", "unlikely", "possible", "present"]).default(""),
  vulnerableNotes: z.string().default(""),
  disclosure: z.string().default(""),
  communityRules: z.string().default(""),
  termsOfService: z.string().default(""),
  boardName: z.string().default(""),
  boardReference: z.string().default(""),
  boardDate: z.string().default(""),
  boardFile: z.string().default(""),
  retention: z.string().default(""),
  deletionDate: z.string().default(""),
  pseudonymisedFields: z.array(z.string()).default([]),
  keepsHandleKey: z.enum(["", "yes", "no"]).default(""),
  specialCategories: z.string().default(""),
  legalBasis: z.string().default(""),
  storageLocation: z.string().default(""),
  rawDataAccess: z.string().default(""),
  researcherRisks: z.string().default(""),
  memberCheckVeto: z.string().default(""),
  cloakingLevel: z.union([CloakingLevelSchema, z.literal("")]).default(""),
});
export type EthicsPlan = z.infer<typeof EthicsPlanSchema>;

export const EthicsVersionSchema = z.object({
  version: z.number().int().positive(),
  stage: StudyStageSchema,
  savedAt: z.string(),
  savedBy: z.string(),
  note: z.string().default(""),
  plan: EthicsPlanSchema,
});

export const DisclosureSchema = z.object({
  draft: z.string().default(""),
  postedWhere: z.string().default(""),
  postedAt: z.string().default(""),
  responses: z
    .array(z.object({ at: z.string(), summary: z.string(), recordedBy: z.string() }))
    .default([]),
});

export const EthicsFileSchema = z.object({
  versions: z.array(EthicsVersionSchema),
  disclosure: DisclosureSchema,
});
export type EthicsFile = z.infer<typeof EthicsFileSchema>;
export const ethicsFile: StoredFileKind<EthicsFile> = {
  description: "ethics plan",
  schema: EthicsFileSchema,
  version: 1,
  empty: () => ({
    versions: [],
    disclosure: { draft: "", postedWhere: "", postedAt: "", responses: [] },
  }),
};

export const ConsentStatusSchema = z.enum([
  "consented",
  "declined",
  "opted-out",
  "paraphrase-only",
]);
export type ConsentStatus = z.infer<typeof ConsentStatusSchema>;

/** One entry of a member's consent log (a `consent_entries` row). */
export const ConsentEntrySchema = z.object({
  id: z.string(),
  memberId: z.string(),
  status: ConsentStatusSchema,
  /** The date the researcher states for the consent or opt-out (evidence), not the recording order. */
  date: z.string(),
  evidence: z.string().default(""),
  recordedBy: z.string(),
  recordedAt: z.string().optional(),
});
export type ConsentEntry = z.infer<typeof ConsentEntrySchema>;

/** One event of the audit trail (an `audit_events` row): never content, ids, counts and reasons only. */
export const AuditEntrySchema = z.object({
  at: z.string(),
  by: z.string(),
  action: z.string(),
  detail: z.string(),
});
export type AuditEntry = z.infer<typeof AuditEntrySchema>;
