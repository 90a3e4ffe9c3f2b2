import { z } from "zod";
import { requireCapability } from "../shared/roles.js";
import { objectivesFile } from "../objectives/model.js";
import { projectKeys } from "../projects/model.js";
import { requireProject } from "../projects/projects.js";
import { ResearchError, formatIssuePath, parseInput } from "../shared/errors.js";
import { nowIso } from "../shared/ids.js";
import type { DocumentStore } from "../store/index.js";
import { checkEthicsPlan, type ChecklistItem } from "./checklist.js";
import { DEFAULT_CLOAKING, EthicsPlanSchema, StudyStageSchema, ethicsFile, type CloakingLevel, type EthicsFile, type EthicsPlan } from "./model.js";

type WithProject = { store: DocumentStore; slug: string };

/** What each cloaking level implies for reports (after Kozinets), shown next to the choice. */
export const CLOAKING_IMPLICATIONS: Record<CloakingLevel, string> = {
  uncloaked: "The community is named and members may appear under their real handles, but only members whose consent log says they agreed; everyone else gets a pseudonym. Verbatim quotes allowed.",
  minimum: "The community is named; members appear under pseudonyms. Verbatim quotes are allowed, so a web search may still lead back to a member: long distinctive quotes are flagged.",
  medium: "The community is not named; members appear under pseudonyms, also inside quoted text. Verbatim quotes are allowed but flagged when searchable; thread titles and hashtags are never quoted.",
  maximum: "Community and members are fully disguised. No verbatim quotes: every quote is a paraphrase the researcher writes, and the report refuses verbatim text.",
};

export type EthicsOverview = {
  plan: EthicsPlan | null;
  versions: EthicsFile["versions"];
  disclosure: EthicsFile["disclosure"];
  checklist: ChecklistItem[];
  complete: boolean;
  cloakingLevel: CloakingLevel;
  cloakingIsDefault: boolean;
};

/** The current ethics plan, its history, the disclosure record and what the plan still lacks. */
export async function getEthicsOverview({ store, slug }: WithProject): Promise<EthicsOverview> {
  await requireProject({ store, slug });
  const ethics = await store.read(ethicsFile, projectKeys.ethics(slug));
  const plan = ethics.versions.at(-1)?.plan ?? null;
  const checklist = checkEthicsPlan(plan, Boolean(ethics.disclosure.postedAt));
  return {
    plan, versions: ethics.versions, disclosure: ethics.disclosure, checklist, complete: checklist.every((item) => item.done),
    cloakingLevel: plan?.cloakingLevel || DEFAULT_CLOAKING, cloakingIsDefault: !plan?.cloakingLevel,
  };
}

/** The cloaking level reports and exports use: the plan's, or medium until the plan sets one. */
export async function getCloakingLevel({ store, slug }: WithProject): Promise<CloakingLevel> {
  const ethics = await store.read(ethicsFile, projectKeys.ethics(slug));
  return ethics.versions.at(-1)?.plan.cloakingLevel || DEFAULT_CLOAKING;
}

/** Saves a new version of the ethics plan for a stage of the study (design, collection, analysis, dissemination). */
export async function saveEthicsPlan({ store, slug, stage, plan, note = "", userId }: WithProject & { stage: string; plan: unknown; note?: string; userId: string }): Promise<number> {
  await requireCapability({ store, slug, userId, capability: "editEthics" });
  const parsedStage = StudyStageSchema.safeParse(stage);
  if (!parsedStage.success) throw new ResearchError("invalid-input", "Choose the study stage: design, collection, analysis or dissemination.", { field: "stage" });
  const parsedPlan = EthicsPlanSchema.safeParse(plan);
  if (!parsedPlan.success) {
    const issue = parsedPlan.error.issues[0];
    throw new ResearchError("invalid-input", issue.message, { field: formatIssuePath(issue.path) });
  }
  if (parsedPlan.data.deletionDate && !/^\d{4}-\d{2}-\d{2}$/.test(parsedPlan.data.deletionDate)) {
    throw new ResearchError("invalid-input", "Use a date like 2027-12-31 for the deletion date.", { field: "deletionDate" });
  }
  return store.update(ethicsFile, projectKeys.ethics(slug), (ethics) => {
    const version = ethics.versions.length + 1;
    ethics.versions.push({ version, stage: parsedStage.data, savedAt: nowIso(), savedBy: userId, note: note.trim(), plan: parsedPlan.data });
    return version;
  });
}

/** A field as the researcher typed it, without the closing punctuation the template adds itself. */
function withoutClosingPunctuation(text: string): string {
  return text.replace(/\s+/g, " ").trim().replace(/[\s.,;:]+$/, "");
}

/** A plan field set as a sentence of its own: one closing full stop, or the question or exclamation mark it has. */
function asSentence(text: string): string {
  const clean = withoutClosingPunctuation(text);
  return /[?!]$/.test(clean) ? clean : `${clean}.`;
}

function asQuestion(text: string): string {
  const clean = withoutClosingPunctuation(text);
  return /[?!]$/.test(clean) ? clean : `${clean}?`;
}

/**
 * A disclosure post drafted from the project: who the researcher is, the study, how data is used, how to
 * opt out. Plan fields are free text (a phrase or a whole sentence, any capitalisation), so each one goes
 * after a label, where either reads as a sentence, never in the middle of one.
 */
export async function draftDisclosure({ store, slug, researcherName }: WithProject & { researcherName: string }): Promise<string> {
  const project = await requireProject({ store, slug });
  const objectives = await store.read(objectivesFile, projectKeys.objectives(slug));
  const ethics = await store.read(ethicsFile, projectKeys.ethics(slug));
  const plan = ethics.versions.at(-1)?.plan;
  const question = objectives.researchQuestions[0]?.question?.trim();
  const topic = withoutClosingPunctuation(objectives.phenomenon || "") || withoutClosingPunctuation(project.title);
  const storage = plan?.storageLocation?.trim() ? `Where the data is stored: ${asSentence(plan.storageLocation)}` : "The data is stored securely.";
  const deletion = plan?.deletionDate ? `It is deleted by ${plan.deletionDate}.` : "It is deleted when the study ends.";
  const named = plan?.cloakingLevel === "uncloaked" || plan?.cloakingLevel === "minimum";
  return [
    `Hello everyone, I am ${withoutClosingPunctuation(researcherName)}, a researcher. The topic of my study: ${asSentence(topic)}`,
    "",
    `**The study.** ${question ? `The question I want to understand: ${asQuestion(question)}` : "I am studying how this community talks and helps each other."} I read public discussions here as a netnographer: an ethnographer of online communities.`,
    "",
    `**How your posts are used.** Posts are analysed for themes. In anything I publish, members appear under pseudonyms${plan?.cloakingLevel === "maximum" ? " and are only paraphrased" : ""}, and ${named ? "the community may be named" : "the community is not named"}. ${storage} ${deletion}`,
    "",
    "**Opting out.** If you do not want your posts to be part of this study, reply here or message me. Your posts will be removed from the study data, and I will confirm when that is done. You can also ask to be quoted only in paraphrase.",
    "",
    plan?.boardReference?.trim() ? `Ethics approval: ${withoutClosingPunctuation(plan.boardName || "") || "ethics board"}, reference ${asSentence(plan.boardReference)}` : "",
  ].filter((line, index, lines) => line !== "" || lines[index - 1] !== "").join("\n").trim();
}

const DisclosureInputSchema = z.object({
  draft: z.string().max(20_000),
  postedWhere: z.string().trim().max(500),
  postedAt: z.union([z.literal(""), z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "Use a date like 2026-03-01.")]),
});

/** Keeps the disclosure post's text and where and when it was posted. */
export async function saveDisclosure({ store, slug, userId, ...input }: WithProject & z.input<typeof DisclosureInputSchema> & { userId: string }): Promise<void> {
  await requireCapability({ store, slug, userId, capability: "editEthics" });
  const disclosure = parseInput(DisclosureInputSchema, input);
  await store.update(ethicsFile, projectKeys.ethics(slug), (ethics) => {
    Object.assign(ethics.disclosure, disclosure);
  });
}

/** Records how the community responded to the disclosure post. */
export async function addDisclosureResponse({ store, slug, summary, userId }: WithProject & { summary: string; userId: string }): Promise<void> {
  await requireCapability({ store, slug, userId, capability: "editEthics" });
  if (!summary.trim()) throw new ResearchError("invalid-input", "Summarise the response.", { field: "summary" });
  await store.update(ethicsFile, projectKeys.ethics(slug), (ethics) => {
    ethics.disclosure.responses.push({ at: nowIso(), summary: summary.trim().slice(0, 5000), recordedBy: userId });
  });
}
