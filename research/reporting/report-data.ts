import { codeCooccurrence } from "../analysis/code-analysis.js";
import { codeNetwork, memberInteractionNetwork, themeMap, type MemberColouring, type Network } from "../analysis/networks.js";
import { listCodings } from "../coding/codings.js";
import { codebookFile, type Code, type Coding } from "../coding/model.js";
import { loadCorpus, loadVisibleCorpus, type VisibleCorpus } from "../collection/corpus.js";
import { getEthicsOverview } from "../entree/ethics-plan.js";
import { objectivesFile } from "../objectives/model.js";
import { projectKeys } from "../projects/model.js";
import { requireProject } from "../projects/projects.js";
import type { DocumentStore } from "../store/index.js";
import { cloakQuote, type CloakedQuote, type NameBook } from "./cloaking.js";
import { CRITERIA, themesFile, type Guideline } from "./model.js";

export type ReportTheme = {
  id: string;
  name: string;
  statement: string;
  confidence: string;
  codes: string[];
  evidence: CloakedQuote[];
  counterEvidence: CloakedQuote[];
  guideline: Guideline;
};

/** The findings as data: the JSON export's schema and the source of every other export and view. */
export type ReportData = {
  schema: "netnography-workbench/report@1";
  project: { title: string };
  generatedAt: string;
  cloakingLevel: string;
  ethics: { complete: boolean; missing: string[]; consentApproach: string; space: string; boardReference: string };
  objectives: { questions: Array<{ question: string; rationale: string }>; phenomenon: string; scope: { from: string | null; to: string | null; languages: string[]; platforms: string[] } };
  communities: Array<{ label: string; platform: string; posts: number; members: number }>;
  method: { posts: number; threads: number; members: number; codes: number; codings: number; themes: number };
  themes: ReportTheme[];
  maps: { themes: Network; codes: Network; members: Network | null };
  limitations: string;
  selfAssessment: Array<{ criterion: string; score: number | null; note: string }>;
  /** How each quote was disguised, and whether the search test was run. */
  quoteLog: Array<{ theme: string; ref: string; treatment: string; searchable: boolean; searchTested: boolean; searchUrl: string | null; note: string }>;
};

type ReportOptions = {
  store: DocumentStore;
  slug: string;
  themeIds?: string[];
  includeMemberNetwork?: boolean;
  /** The most active members drawn in the member network. */
  memberNetworkLimit?: number;
  /** Colour the member network by this code instead of by detected community. */
  memberColourCodeId?: string | null;
};

/** Colours members by how many of their (visible) posts carry the chosen code; by community otherwise. */
function memberColouring(codings: Coding[], corpus: VisibleCorpus, codes: Code[], codeId: string | null | undefined): MemberColouring {
  const code = codeId ? codes.find((candidate) => candidate.id === codeId && !candidate.mergedInto) : undefined;
  if (!code) return { kind: "community" };
  const postsByMember = new Map<string, Set<string>>();
  for (const coding of codings) {
    if (coding.codeId !== code.id || coding.sourceType !== "post") continue;
    const memberId = corpus.postsById.get(coding.sourceId)?.memberId;
    if (memberId) (postsByMember.get(memberId) ?? postsByMember.set(memberId, new Set()).get(memberId)!).add(coding.sourceId);
  }
  return { kind: "code", codeName: code.name, codedPostsByMember: new Map([...postsByMember].map(([member, posts]) => [member, posts.size])) };
}

/**
 * Builds the report for an audience. Every quote passes the cloaking filter of the project's level
 * (medium until the ethics plan sets one); opted-out members never appear; community names and thread
 * titles are only shown at minimum cloaking or uncloaked. `themeIds` limits it to chosen findings
 * (member checks); member checks never carry the member network.
 */
export async function buildReportData({ store, slug, themeIds, includeMemberNetwork = true, memberNetworkLimit = 300, memberColourCodeId }: ReportOptions): Promise<ReportData> {
  const project = await requireProject({ store, slug });
  const [ethics, objectives, themesData, codebook, corpus, fullCorpus, codings, cooccurrence] = await Promise.all([
    getEthicsOverview({ store, slug }), store.read(objectivesFile, projectKeys.objectives(slug)), store.read(themesFile, projectKeys.themes(slug)),
    store.read(codebookFile, projectKeys.codebook(slug)), loadVisibleCorpus({ store, slug }), loadCorpus({ store, slug }), listCodings({ store, slug }), codeCooccurrence({ store, slug }),
  ]);
  const level = ethics.cloakingLevel;
  const book: NameBook = { members: [...fullCorpus.members.values()], consent: corpus.consent, level, communityNames: corpus.communities.map((c) => c.name) };
  const namesShown = level === "uncloaked" || level === "minimum";
  const codeNames = new Map(codebook.codes.map((code) => [code.id, code.name]));
  const codingById = new Map(codings.map((coding) => [coding.id, coding]));
  const themes = themesData.themes.filter((theme) => !themeIds || themeIds.includes(theme.id));
  const quoteLog: ReportData["quoteLog"] = [];
  let refCounter = 0;
  const cloak = (themeName: string, ids: string[]) =>
    ids.flatMap((id) => {
      const coding = codingById.get(id); // listCodings already left out opted-out members' posts
      const treatment = themesData.quoteTreatments[id];
      if (!coding || treatment?.removedAt) return [];
      const post = coding.sourceType === "post" ? corpus.postsById.get(coding.sourceId) : undefined;
      if (coding.sourceType === "post" && !post) return [];
      const author = post?.memberId ? fullCorpus.members.get(post.memberId) : undefined;
      const quote = cloakQuote({ ref: `Q${++refCounter}`, quote: coding.quote, author, paraphrase: treatment?.paraphrase ?? "", searchTested: treatment?.searchTested ?? false, book });
      quoteLog.push({ theme: themeName, ref: quote.ref, treatment: quote.treatment, searchable: quote.searchable, searchTested: quote.searchTested, searchUrl: quote.searchUrl, note: quote.note });
      return [{ ...quote, codingId: id }];
    });
  const reportThemes = themes.map((theme) => ({
    id: theme.id, name: theme.name, statement: theme.statement, confidence: theme.confidence,
    codes: theme.codeIds.map((id) => codeNames.get(id) ?? "(merged)"),
    evidence: cloak(theme.name, theme.evidenceCodingIds),
    counterEvidence: cloak(theme.name, theme.counterEvidenceCodingIds),
    guideline: theme.guideline,
  }));
  const perCommunity = new Map<string, { posts: number; members: Set<string> }>();
  for (const post of corpus.posts) {
    const entry = perCommunity.get(post.communityId) ?? { posts: 0, members: new Set<string>() };
    entry.posts++;
    if (post.memberId) entry.members.add(post.memberId);
    perCommunity.set(post.communityId, entry);
  }
  return {
    schema: "netnography-workbench/report@1",
    project: { title: project.title },
    generatedAt: new Date().toISOString(),
    cloakingLevel: level,
    ethics: { complete: ethics.complete, missing: ethics.checklist.filter((item) => !item.done).map((item) => item.label), consentApproach: ethics.plan?.consentApproach ?? "", space: ethics.plan?.space ?? "", boardReference: ethics.plan?.boardReference ?? "" },
    objectives: { questions: objectives.researchQuestions.map((q) => ({ question: q.question, rationale: q.rationale })), phenomenon: objectives.phenomenon, scope: objectives.scope },
    communities: corpus.communities.map((community, i) => ({
      label: namesShown ? community.name : `Community ${String.fromCharCode(65 + (i % 26))} (a ${community.platform} community)`,
      platform: community.platform, posts: perCommunity.get(community.id)?.posts ?? 0, members: perCommunity.get(community.id)?.members.size ?? 0,
    })),
    method: { posts: corpus.posts.length, threads: corpus.postsByThread.size, members: corpus.members.size, codes: codebook.codes.filter((c) => !c.mergedInto).length, codings: codings.length, themes: themesData.themes.length },
    themes: reportThemes,
    maps: {
      themes: themeMap(themes.map((t) => ({ id: t.id, name: t.name, codeIds: t.codeIds, touchpoint: t.guideline.touchpoint })), codeNames),
      codes: codeNetwork(cooccurrence),
      members: includeMemberNetwork ? await memberInteractionNetwork(corpus, book, memberNetworkLimit, memberColouring(codings, corpus, codebook.codes, memberColourCodeId)) : null,
    },
    limitations: themesData.limitations,
    selfAssessment: CRITERIA.map((criterion) => ({ criterion, score: themesData.selfAssessment[criterion]?.score ?? null, note: themesData.selfAssessment[criterion]?.note ?? "" })),
    quoteLog,
  };
}
