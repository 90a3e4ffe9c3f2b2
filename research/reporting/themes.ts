import { z } from "zod";
import { codebookFile, codingsFile } from "../coding/model.js";
import { projectKeys } from "../projects/model.js";
import { requireProject } from "../projects/projects.js";
import { ResearchError, formatIssuePath } from "../shared/errors.js";
import { newId, nowIso } from "../shared/ids.js";
import type { DocumentStore } from "../store/index.js";
import { themesFile, type Theme } from "./model.js";

type WithProject = { store: DocumentStore; slug: string };

const ThemeInputSchema = z.object({
  name: z.string().trim().min(1, "Name the theme.").max(200),
  statement: z.string().trim().min(1, "State the insight the theme carries.").max(10_000),
  codeIds: z.array(z.string()).min(1, "A theme groups at least one code."),
  confidence: z.enum(["low", "medium", "high"]),
  evidenceCodingIds: z.array(z.string()).default([]),
  counterEvidenceCodingIds: z.array(z.string()).default([]),
});
export type ThemeInput = z.input<typeof ThemeInputSchema>;

async function parseThemeInput(store: DocumentStore, slug: string, input: unknown) {
  const parsed = ThemeInputSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ResearchError("invalid-input", issue.message, { field: formatIssuePath(issue.path) });
  }
  const codebook = await store.read(codebookFile, projectKeys.codebook(slug));
  const live = new Set(codebook.codes.filter((code) => !code.mergedInto).map((code) => code.id));
  if (parsed.data.codeIds.some((id) => !live.has(id))) throw new ResearchError("invalid-input", "A theme can only group codes of the codebook.", { field: "codeIds" });
  const codings = await store.read(codingsFile, projectKeys.codings(slug));
  const ids = new Set(codings.codings.map((coding) => coding.id));
  if ([...parsed.data.evidenceCodingIds, ...parsed.data.counterEvidenceCodingIds].some((id) => !ids.has(id))) {
    throw new ResearchError("invalid-input", "Evidence must be coded segments of this project.", { field: "evidenceCodingIds" });
  }
  return parsed.data;
}

/** Creates a theme that groups codes, with its statement of insight and the researcher's confidence. */
export async function createTheme({ store, slug, userId, ...input }: WithProject & ThemeInput & { userId: string }): Promise<Theme> {
  await requireProject({ store, slug });
  const clean = await parseThemeInput(store, slug, input);
  return store.update(themesFile, projectKeys.themes(slug), (data) => {
    const now = nowIso();
    const theme: Theme = { id: newId(), ...clean, createdAt: now, createdBy: userId, updatedAt: now };
    data.themes.push(theme);
    return theme;
  });
}

export async function updateTheme({ store, slug, themeId, ...input }: WithProject & ThemeInput & { themeId: string }): Promise<void> {
  const clean = await parseThemeInput(store, slug, input);
  await store.update(themesFile, projectKeys.themes(slug), (data) => {
    const theme = data.themes.find((candidate) => candidate.id === themeId);
    if (!theme) throw new ResearchError("not-found", "No such theme.");
    Object.assign(theme, clean, { updatedAt: nowIso() });
  });
}

export async function deleteTheme({ store, slug, themeId }: WithProject & { themeId: string }): Promise<void> {
  await store.update(themesFile, projectKeys.themes(slug), (data) => {
    data.themes = data.themes.filter((theme) => theme.id !== themeId);
  });
}

export async function listThemes({ store, slug }: WithProject): Promise<Theme[]> {
  await requireProject({ store, slug });
  return (await store.read(themesFile, projectKeys.themes(slug))).themes;
}
