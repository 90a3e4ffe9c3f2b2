import { z } from "zod";
import type { StoredFileKind } from "../store/index.js";

export const CodeSchema = z.object({
  id: z.string(),
  name: z.string(),
  parentId: z.string().nullable(),
  definition: z.string().default(""),
  inclusion: z.string().default(""),
  exclusion: z.string().default(""),
  example: z.string().default(""),
  colour: z.string().default("#888888"),
  affective: z.boolean().default(false),
  draft: z.boolean().default(false),
  createdAt: z.string(),
  createdBy: z.string(),
  mergedInto: z.string().nullable().default(null),
});
export type Code = z.infer<typeof CodeSchema>;

export const CodeHistoryEntrySchema = z.object({
  at: z.string(),
  by: z.string(),
  action: z.enum(["create", "rename", "move", "merge", "split", "edit", "delete"]),
  codeIds: z.array(z.string()),
  summary: z.string(),
  reason: z.string().default(""),
});
export type CodeHistoryEntry = z.infer<typeof CodeHistoryEntrySchema>;

export const CodebookFileSchema = z.object({
  codes: z.array(CodeSchema),
  history: z.array(CodeHistoryEntrySchema),
});
export type CodebookFile = z.infer<typeof CodebookFileSchema>;
export const codebookFile: StoredFileKind<CodebookFile> = {
  description: "codebook",
  schema: CodebookFileSchema,
  version: 1,
  empty: () => ({ codes: [], history: [] }),
};

export const CodingSchema = z.object({
  id: z.string(),
  codeId: z.string(),
  sourceType: z.enum(["post", "fieldnote"]),
  sourceId: z.string(),
  /** [start, end) in Unicode code points of the source's stored plain text. */
  start: z.number().int().nonnegative(),
  end: z.number().int().nonnegative(),
  quote: z.string(),
  coderId: z.string(),
  createdAt: z.string(),
});
export type Coding = z.infer<typeof CodingSchema>;

export const CodingsFileSchema = z.object({ codings: z.array(CodingSchema) });
/**
 * The `codings.json` of releases before the SQL tables: only the upgrade of an old data directory reads it.
 * Codings live in the `codings` table (see codings.ts).
 */
export const codingsFile: StoredFileKind<z.infer<typeof CodingsFileSchema>> = {
  description: "codings",
  schema: CodingsFileSchema,
  version: 1,
  empty: () => ({ codings: [] }),
};

/**
 * A coder known only from an imported REFI-QDA project (a colleague who coded in NVivo, ATLAS.ti...):
 * their codings keep them apart from the importing researcher, so agreement can be computed between them.
 */
export const ExternalCoderSchema = z.object({
  id: z.string(),
  name: z.string(),
  refiGuid: z.string(),
  importedFrom: z.string(),
  importedAt: z.string(),
});
export type ExternalCoder = z.infer<typeof ExternalCoderSchema>;
export const ExternalCodersFileSchema = z.object({ coders: z.array(ExternalCoderSchema) });
export const externalCodersFile: StoredFileKind<z.infer<typeof ExternalCodersFileSchema>> = {
  description: "external coders",
  schema: ExternalCodersFileSchema,
  version: 1,
  empty: () => ({ coders: [] }),
};
