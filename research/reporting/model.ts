import { z } from "zod";
import type { StoredFileKind } from "../store/index.js";

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
  createdAt: z.string(),
  createdBy: z.string(),
  updatedAt: z.string(),
});
export type Theme = z.infer<typeof ThemeSchema>;

export const ThemesFileSchema = z.object({ themes: z.array(ThemeSchema) });
export const themesFile: StoredFileKind<z.infer<typeof ThemesFileSchema>> = {
  description: "themes",
  schema: ThemesFileSchema,
  version: 1,
  empty: () => ({ themes: [] }),
};
