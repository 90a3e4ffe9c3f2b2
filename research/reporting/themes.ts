import { z } from "zod";
import { codebookFile } from "../coding/model.js";
import { projectSql, projectSqlAs } from "../collection/corpus.js";
import { projectKeys } from "../projects/model.js";
import { requireProject } from "../projects/projects.js";
import { requireCapability } from "../shared/roles.js";
import { ResearchError, parseInput } from "../shared/errors.js";
import { newId, nowIso } from "../shared/ids.js";
import type { DocumentStore } from "../store/index.js";
import { appendAudit } from "../entree/consent.js";
import { keepsVerbatimRun } from "./cloaking.js";
import { codingsExist } from "./report-queries.js";
import { CRITERIA, GuidelineSchema, themesFile, type Guideline, type Theme } from "./model.js";

type WithProject = { store: DocumentStore; slug: string };
/** A change of the findings: `userId` is who acts, and their role must allow coding. */
type FindingsChange = WithProject & { userId: string };
const mayChangeFindings = ({ store, slug, userId }: FindingsChange) =>
  requireCapability({ store, slug, userId, capability: "code" });

const ThemeInputSchema = z.object({
  name: z.string().trim().min(1, "Name the theme.").max(200),
  statement: z.string().trim().min(1, "State the insight the theme carries.").max(10_000),
  codeIds: z.array(z.string()).min(1, "A theme groups at least one code."),
  confidence: z.enum(["low", "medium", "high"]),
  evidenceCodingIds: z.array(z.string()).default([]),
  counterEvidenceCodingIds: z.array(z.string()).default([]),
  guideline: GuidelineSchema.optional(),
});
export type ThemeInput = z.input<typeof ThemeInputSchema>;

async function parseThemeInput(store: DocumentStore, slug: string, input: unknown) {
  const theme = parseInput(ThemeInputSchema, input);
  const codebook = await store.read(codebookFile, projectKeys.codebook(slug));
  const live = new Set(codebook.codes.filter((code) => !code.mergedInto).map((code) => code.id));
  if (theme.codeIds.some((id) => !live.has(id)))
    throw new ResearchError("invalid-input", "A theme can only group codes of the codebook.", {
      field: "codeIds",
    });
  const { db, projectId } = await projectSql({ store, slug });
  if (
    !(await codingsExist(db, projectId, [
      ...theme.evidenceCodingIds,
      ...theme.counterEvidenceCodingIds,
    ]))
  ) {
    throw new ResearchError("invalid-input", "Evidence must be coded segments of this project.", {
      field: "evidenceCodingIds",
    });
  }
  return theme;
}

/** Creates a theme that groups codes, with its statement of insight and the researcher's confidence. */
export async function createTheme({
  store,
  slug,
  userId,
  ...input
}: FindingsChange & ThemeInput): Promise<Theme> {
  await mayChangeFindings({ store, slug, userId });
  const clean = await parseThemeInput(store, slug, input);
  return store.update(themesFile, projectKeys.themes(slug), (data) => {
    const now = nowIso();
    const theme: Theme = {
      id: newId(),
      ...clean,
      guideline: clean.guideline ?? GuidelineSchema.parse({}),
      createdAt: now,
      createdBy: userId,
      updatedAt: now,
    };
    data.themes.push(theme);
    return theme;
  });
}

export async function updateTheme({
  store,
  slug,
  themeId,
  userId,
  ...input
}: FindingsChange & ThemeInput & { themeId: string }): Promise<void> {
  await mayChangeFindings({ store, slug, userId });
  const clean = await parseThemeInput(store, slug, input);
  await store.update(themesFile, projectKeys.themes(slug), (data) => {
    const theme = data.themes.find((candidate) => candidate.id === themeId);
    if (!theme) throw new ResearchError("not-found", "No such theme.");
    Object.assign(
      theme,
      { ...clean, guideline: clean.guideline ?? theme.guideline },
      { updatedAt: nowIso() },
    );
  });
}

export async function deleteTheme({
  store,
  slug,
  themeId,
  userId,
}: FindingsChange & { themeId: string }): Promise<void> {
  await mayChangeFindings({ store, slug, userId });
  await store.update(themesFile, projectKeys.themes(slug), (data) => {
    const kept = data.themes.filter((theme) => theme.id !== themeId);
    if (kept.length === data.themes.length) throw alreadyGone("theme");
    data.themes = kept;
  });
}

/** Deleting what is not there is an error, not a success: the person learns the page was stale. */
function alreadyGone(what: string): ResearchError {
  return new ResearchError("not-found", `That ${what} does not exist (it may have been deleted already).`);
}

export async function listThemes({ store, slug }: WithProject): Promise<Theme[]> {
  await requireProject({ store, slug });
  return (await store.read(themesFile, projectKeys.themes(slug))).themes;
}

/** Sets a theme's engagement guideline: touchpoint, recommended response, who acts, impact table, priority, measure. */
export async function saveGuideline({
  store,
  slug,
  themeId,
  guideline,
  userId,
}: FindingsChange & { themeId: string; guideline: unknown }): Promise<Guideline> {
  await mayChangeFindings({ store, slug, userId });
  const checked = parseInput(GuidelineSchema, guideline);
  return store.update(themesFile, projectKeys.themes(slug), (data) => {
    const theme = data.themes.find((candidate) => candidate.id === themeId);
    if (!theme) throw new ResearchError("not-found", "No such theme.");
    theme.guideline = checked;
    theme.updatedAt = nowIso();
    return checked;
  });
}

/** Records how a quoted segment is disguised: the researcher's paraphrase and whether the search test was run. */
export async function saveQuoteTreatment({
  store,
  slug,
  codingId,
  paraphrase,
  searchTested,
  userId,
}: FindingsChange & {
  codingId: string;
  paraphrase?: string;
  searchTested?: boolean;
}): Promise<void> {
  const { db, projectId } = await projectSqlAs({ store, slug, userId, capability: "code" });
  const coding = await db
    .selectFrom("codings")
    .select("quote")
    .where("project_id", "=", projectId)
    .where("id", "=", codingId)
    .executeTakeFirst();
  if (!coding) throw new ResearchError("not-found", "No such coded segment.");
  if (paraphrase && keepsVerbatimRun(coding.quote, paraphrase)) {
    throw new ResearchError(
      "invalid-input",
      "This paraphrase keeps six or more words of the original in a row: rewrite it in your own words.",
      { field: "paraphrase" },
    );
  }
  await store.update(themesFile, projectKeys.themes(slug), (data) => {
    const current = data.quoteTreatments[codingId] ?? {
      paraphrase: "",
      searchTested: false,
      removedAt: null,
    };
    data.quoteTreatments[codingId] = {
      ...current,
      ...(paraphrase !== undefined ? { paraphrase: paraphrase.trim() } : {}),
      ...(searchTested !== undefined ? { searchTested } : {}),
    };
  });
}

/** Takes a quote out of every theme's evidence (a member asked for it), keeping an audit entry without content. */
export async function removeQuoteFromFindings({
  store,
  slug,
  codingId,
  userId,
  reason,
}: FindingsChange & { codingId: string; reason: string }): Promise<void> {
  await mayChangeFindings({ store, slug, userId });
  await store.update(themesFile, projectKeys.themes(slug), (data) => {
    for (const theme of data.themes) {
      theme.evidenceCodingIds = theme.evidenceCodingIds.filter((id) => id !== codingId);
      theme.counterEvidenceCodingIds = theme.counterEvidenceCodingIds.filter(
        (id) => id !== codingId,
      );
    }
    data.quoteTreatments[codingId] = {
      ...(data.quoteTreatments[codingId] ?? { paraphrase: "", searchTested: false }),
      removedAt: nowIso(),
    };
  });
  await appendAudit({
    store,
    slug,
    by: userId,
    action: "quote-removed",
    detail: `coding ${codingId} removed from findings: ${reason}`,
  });
}

const SelfAssessmentSchema = z.partialRecord(
  z.enum(CRITERIA),
  z.object({ score: z.number().int().min(1).max(5).nullable(), note: z.string().max(5000) }),
);

/** The report's limitations and the researcher's self-assessment against Kozinets' criteria. */
export async function saveReportSettings({
  store,
  slug,
  limitations,
  selfAssessment,
  userId,
}: FindingsChange & { limitations: string; selfAssessment: unknown }): Promise<void> {
  await mayChangeFindings({ store, slug, userId });
  const parsed = SelfAssessmentSchema.safeParse(selfAssessment);
  if (!parsed.success)
    throw new ResearchError("invalid-input", "Scores are 1 to 5.", { field: "selfAssessment" });
  await store.update(themesFile, projectKeys.themes(slug), (data) => {
    data.limitations = limitations.trim().slice(0, 20_000);
    data.selfAssessment = parsed.data;
  });
}

export async function getThemesFile({ store, slug }: WithProject) {
  await requireProject({ store, slug });
  return store.read(themesFile, projectKeys.themes(slug));
}
