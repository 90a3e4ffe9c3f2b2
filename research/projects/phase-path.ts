import { discoveryFile } from "../discovery/model.js";
import { checkEthicsPlan } from "../entree/checklist.js";
import { ethicsFile } from "../entree/model.js";
import { objectivesFile } from "../objectives/model.js";
import { themesFile } from "../reporting/model.js";
import { countCorpus } from "../collection/corpus.js";
import { withCount } from "../shared/plural.js";
import type { DocumentStore } from "../store/index.js";
import { projectKeys, type Capability } from "./model.js";
import { getProjectStats } from "./stats.js";

export type PhaseId = "objectives" | "discovery" | "entree" | "collection" | "coding" | "reporting";
export type PhaseStatus = "not-started" | "in-progress" | "done";
/**
 * A phase of the study. `nextStepNeeds` is the capability the next step takes (importing and coding need
 * `code`, the ethics plan `editEthics`, member checks `manageMemberChecks`): a page shows the step only to
 * roles that can take it.
 */
export type Phase = { id: PhaseId; number: number; title: string; status: PhaseStatus; summary: string; nextStep: string; nextStepNeeds: Capability };
export type PhasePath = { phases: Phase[]; warnings: string[] };

/** The six phases of netnography with a status computed from the project's data and the next step to take. */
export async function computePhasePath({ store, slug }: { store: DocumentStore; slug: string }): Promise<PhasePath> {
  const [stats, corpus, objectives, discovery, ethics, themes] = await Promise.all([
    getProjectStats({ store, slug }),
    // What views show: posts of members who opted out are withheld, and counted apart.
    countCorpus({ store, slug }),
    store.read(objectivesFile, projectKeys.objectives(slug)),
    store.read(discoveryFile, projectKeys.discovery(slug)),
    store.read(ethicsFile, projectKeys.ethics(slug)),
    store.read(themesFile, projectKeys.themes(slug)),
  ]);
  const warnings: string[] = [];

  const questions = objectives.researchQuestions.length;
  const keywords = objectives.keywords.length;
  const objectivesPhase: Phase = {
    id: "objectives", number: 1, title: "Objectives",
    status: questions > 0 && keywords > 0 ? "done" : questions > 0 || keywords > 0 || objectives.phenomenon ? "in-progress" : "not-started",
    summary: `${questions} research question${questions === 1 ? "" : "s"}, ${keywords} keyword${keywords === 1 ? "" : "s"}`,
    nextStep: questions === 0 ? "Write your first research question." : keywords === 0 ? "Add the keywords that stand for your questions." : "Revisit objectives as your understanding grows.",
    nextStepNeeds: "editPlan",
  };

  const candidates = discovery.candidates.length;
  const selected = discovery.candidates.filter((candidate) => candidate.decision?.status === "selected").length;
  const discoveryPhase: Phase = {
    id: "discovery", number: 2, title: "Community discovery",
    status: selected > 0 ? "done" : candidates > 0 ? "in-progress" : "not-started",
    summary: `${candidates} candidate${candidates === 1 ? "" : "s"}, ${selected} selected`,
    nextStep: candidates === 0 ? "Add or search for candidate communities." : selected === 0 ? "Compare candidates and select the communities to study." : "Import sample data for any new candidate to compare it.",
    nextStepNeeds: candidates > 0 && selected > 0 ? "code" : "editPlan",
  };

  const currentPlan = ethics.versions.at(-1)?.plan ?? null;
  const checklist = checkEthicsPlan(currentPlan, Boolean(ethics.disclosure.postedAt));
  const missing = checklist.filter((item) => !item.done).length;
  const entreePhase: Phase = {
    id: "entree", number: 3, title: "Ethical entrée",
    status: missing === 0 ? "done" : currentPlan ? "in-progress" : "not-started",
    summary: currentPlan ? `Ethics plan v${ethics.versions.length}, ${checklist.length - missing} of ${checklist.length} items covered` : "No ethics plan yet",
    nextStep: missing === 0 ? "Keep the consent log up to date." : `Complete the ethics plan: ${checklist.find((item) => !item.done)?.label.toLowerCase()}.`,
    nextStepNeeds: missing === 0 ? "manageConsent" : "editEthics",
  };

  const collectionPhase: Phase = {
    id: "collection", number: 4, title: "Data collection",
    status: stats.posts > 0 && stats.fieldNotes > 0 ? "done" : stats.posts > 0 || stats.fieldNotes > 0 ? "in-progress" : "not-started",
    summary: collectionSummary(corpus, stats.fieldNotes),
    nextStep: stats.posts === 0 ? "Import community data." : stats.fieldNotes === 0 ? "Write a field note about what you observe." : "Keep your immersion journal going.",
    nextStepNeeds: "code",
  };
  if (stats.posts > 0 && missing > 0) {
    warnings.push(`Data collection started while the ethics plan still lacks ${missing} item${missing === 1 ? "" : "s"}.`);
  }

  const themeCount = themes.themes.length;
  const codingPhase: Phase = {
    id: "coding", number: 5, title: "Hermeneutic coding",
    status: themeCount > 0 && stats.codings > 0 ? "done" : stats.codings > 0 || stats.codes > 0 ? "in-progress" : "not-started",
    summary: `${stats.codes} codes, ${stats.codings} coded segments`,
    nextStep: stats.codes === 0 ? "Draft a codebook (from your sensitizing concepts)." : stats.codings === 0 ? "Code your first passages." : "Review suggestions and compare coders.",
    nextStepNeeds: "code",
  };

  const supported = themes.themes.filter((theme) => theme.evidenceCodingIds.length > 0).length;
  const reportingPhase: Phase = {
    id: "reporting", number: 6, title: "Reporting",
    status: themeCount > 0 && supported === themeCount ? "done" : themeCount > 0 ? "in-progress" : "not-started",
    summary: themeCount ? `${themeCount} theme${themeCount === 1 ? "" : "s"}, ${supported} with evidence` : "No themes yet",
    nextStep: stats.codings === 0 ? "Code data before building themes." : themeCount === 0 ? "Group codes into themes." : supported < themeCount ? "Choose supporting evidence for every theme." : "Share findings with the community for a member check.",
    nextStepNeeds: stats.codings > 0 && themeCount > 0 && supported === themeCount ? "manageMemberChecks" : "code",
  };
  if (themeCount > 0 && missing > 0) warnings.push("Reports are being prepared while the ethics plan is incomplete: reports will say so.");

  return { phases: [objectivesPhase, discoveryPhase, entreePhase, collectionPhase, codingPhase, reportingPhase], warnings };
}

/** The collection's counts as views show them: visible posts, with what opted-out members withheld. */
function collectionSummary(
  corpus: { posts: number; threads: number; members: number; withheldPosts: number; withheldMembers: number },
  fieldNotes: number,
): string {
  const visible = `${withCount(corpus.posts, "visible post")} in ${withCount(corpus.threads, "thread")}, ${withCount(corpus.members, "member")}, ${withCount(fieldNotes, "field note")}`;
  if (corpus.withheldPosts === 0 && corpus.withheldMembers === 0) return visible;
  return `${visible} (${withCount(corpus.withheldPosts, "post")} by ${withCount(corpus.withheldMembers, "member")} withheld: they opted out)`;
}
