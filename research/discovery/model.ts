import { z } from "zod";
import type { StoredFileKind } from "../store/index.js";

export const IndicatorNameSchema = z.enum(["relevance", "activity", "interactivity", "substance", "heterogeneity", "richness"]);
export type IndicatorName = z.infer<typeof IndicatorNameSchema>;

export const JudgementSchema = z.object({
  score: z.number().int().min(1).max(5).nullable().default(null),
  comment: z.string().default(""),
});

export const CandidateSchema = z.object({
  id: z.string(),
  name: z.string(),
  platform: z.string(),
  url: z.string().nullable().default(null),
  language: z.string().default(""),
  visibility: z.enum(["public", "private", "unknown"]).default("unknown"),
  size: z.number().int().nonnegative().nullable().default(null),
  notes: z.string().default(""),
  /** Where the candidate came from: typed in, or proposed by a search connector. */
  origin: z.string().default("manual"),
  /** The imported community whose data is this candidate's sample, if any. */
  communityId: z.string().nullable().default(null),
  judgements: z.partialRecord(IndicatorNameSchema, JudgementSchema).default({}),
  decision: z
    .object({ status: z.enum(["selected", "rejected"]), reason: z.string(), at: z.string(), by: z.string() })
    .nullable()
    .default(null),
  createdAt: z.string(),
});
export type Candidate = z.infer<typeof CandidateSchema>;

export const DiscoveryFileSchema = z.object({ candidates: z.array(CandidateSchema) });
export const discoveryFile: StoredFileKind<z.infer<typeof DiscoveryFileSchema>> = {
  description: "community discovery",
  schema: DiscoveryFileSchema,
  version: 1,
  empty: () => ({ candidates: [] }),
};
