import {
  codeCooccurrenceNetwork,
  codeNetwork,
  memberInteractionNetwork,
  themeMap,
  type MemberColouring,
  type Network,
} from "../analysis/networks.js";
import { codebookFile, type Code } from "../coding/model.js";
import { listCommunities, projectSql } from "../collection/corpus.js";
import { getEthicsOverview } from "../entree/ethics-plan.js";
import { objectivesFile } from "../objectives/model.js";
import { projectKeys } from "../projects/model.js";
import type { DocumentStore } from "../store/index.js";
import { cloakQuote, type CloakedQuote, type NameBook } from "./cloaking.js";
import { CRITERIA, themesFile, type Guideline } from "./model.js";
import { resolveReportScope, type ReportScope } from "./report-scope.js";
import {
  cachedPerRevision,
  countCommunityActivity,
  countReportCodings,
  countScopedCorpus,
  hashOf,
  readNameBookMembers,
  readReportCodings,
} from "./report-queries.js";

/** A cloaked quote with the coded segment it comes from (researchers' views use it; exports carry only an id). */
export type ReportQuote = CloakedQuote & { codingId: string };

export type ReportTheme = {
  id: string;
  name: string;
  statement: string;
  confidence: string;
  codes: string[];
  evidence: ReportQuote[];
  counterEvidence: ReportQuote[];
  guideline: Guideline;
};

/** The findings as data: the JSON export's schema and the source of every other export and view. */
export type ReportData = {
  schema: "netnography-workbench/report@1";
  project: { title: string };
  generatedAt: string;
  cloakingLevel: string;
  ethics: {
    complete: boolean;
    missing: string[];
    consentApproach: string;
    space: string;
    boardReference: string;
  };
  objectives: {
    questions: Array<{ question: string; rationale: string }>;
    phenomenon: string;
    scope: { from: string | null; to: string | null; languages: string[]; platforms: string[] };
  };
  communities: Array<{ label: string; platform: string; posts: number; members: number }>;
  /** Which communities the report covers and why (discovery's selection, the researcher's choice). */
  scope: { basis: ReportScope["basis"]; communities: number; leftOut: number };
  method: {
    posts: number;
    threads: number;
    members: number;
    codes: number;
    codings: number;
    themes: number;
  };
  themes: ReportTheme[];
  maps: { themes: Network; codes: Network; members: Network | null };
  limitations: string;
  selfAssessment: Array<{ criterion: string; score: number | null; note: string }>;
  /** How each quote was disguised, and whether the search test was run. */
  quoteLog: Array<{
    theme: string;
    ref: string;
    treatment: string;
    searchable: boolean;
    searchTested: boolean;
    searchUrl: string | null;
    note: string;
  }>;
};

type ReportOptions = {
  store: DocumentStore;
  slug: string;
  themeIds?: string[];
  includeMemberNetwork?: boolean;
  /** Views that show no code map (findings, guidelines, the preview) leave its queries and layout out. */
  includeCodeNetwork?: boolean;
  /** The most active members drawn in the member network. */
  memberNetworkLimit?: number;
  /** Colour the member network by this code instead of by detected community. */
  memberColourCodeId?: string | null;
};

/** Colours members by a live code of the codebook when one is chosen; by detected community otherwise. */
function memberColouring(codes: Code[], codeId: string | null | undefined): MemberColouring {
  const code = codeId
    ? codes.find((candidate) => candidate.id === codeId && !candidate.mergedInto)
    : undefined;
  return code ? { kind: "code", codeId: code.id, codeName: code.name } : { kind: "community" };
}

/**
 * Builds the report for an audience. Every quote passes the cloaking filter of the project's level
 * (medium until the ethics plan sets one); opted-out members never appear; community names and thread
 * titles are only shown at minimum cloaking or uncloaked. `themeIds` limits it to chosen findings
 * (member checks); member checks never carry the member network. Only the quoted codings and the names
 * that may occur in them are read, with counts from SQL: the cost follows the report, not the corpus.
 */
export async function buildReportData({
  store,
  slug,
  themeIds,
  includeMemberNetwork = true,
  includeCodeNetwork = true,
  memberNetworkLimit = 300,
  memberColourCodeId,
}: ReportOptions): Promise<ReportData> {
  const { db, project, projectId } = await projectSql({ store, slug });
  const scope = await resolveReportScope({ store, slug });
  const inScope = scope.communityIds;
  const scopeKey = hashOf([...inScope].sort());
  const [ethics, objectives, themesData, codebook, allCommunities, activity, counts, codingCount] =
    await Promise.all([
      getEthicsOverview({ store, slug }),
      store.read(objectivesFile, projectKeys.objectives(slug)),
      store.read(themesFile, projectKeys.themes(slug)),
      store.read(codebookFile, projectKeys.codebook(slug)),
      listCommunities({ store, slug }),
      cachedPerRevision(store, slug, "community-activity", () =>
        countCommunityActivity(db, projectId),
      ),
      cachedPerRevision(store, slug, `scoped-counts:${scopeKey}`, () =>
        countScopedCorpus(db, projectId, inScope),
      ),
      countReportCodings({ store, slug, communityIds: inScope }),
    ]);
  // Communities outside the scope (rejected in discovery, or not chosen) are not in the report at all.
  const communities = allCommunities.filter((community) => inScope.includes(community.id));
  const level = ethics.cloakingLevel;
  const namesShown = level === "uncloaked" || level === "minimum";
  const codeNames = new Map(codebook.codes.map((code) => [code.id, code.name]));
  const themes = themesData.themes.filter((theme) => !themeIds || themeIds.includes(theme.id));

  const quoted = themes.flatMap((theme) => [
    ...theme.evidenceCodingIds,
    ...theme.counterEvidenceCodingIds,
  ]);
  const codings = await readReportCodings(
    db,
    projectId,
    quoted.filter((id) => !themesData.quoteTreatments[id]?.removedAt),
    inScope,
  );
  const texts = [...codings.values()].flatMap((coding) => [
    coding.quote,
    themesData.quoteTreatments[coding.id]?.paraphrase ?? "",
  ]);
  const authorIds = [...codings.values()].flatMap((coding) =>
    coding.memberId ? [coding.memberId] : [],
  );
  const named = await cachedPerRevision(
    store,
    slug,
    `names:${hashOf([...texts, "\u0000", ...authorIds])}`,
    () => readNameBookMembers(db, projectId, texts, authorIds),
  );
  const book: NameBook = {
    members: named.members,
    consent: named.consent,
    level,
    communityNames: allCommunities.map((community) => community.name),
  };
  const membersById = new Map(named.members.map((member) => [member.id, member]));

  const quoteLog: ReportData["quoteLog"] = [];
  let refCounter = 0;
  const cloak = (themeName: string, ids: string[]): ReportQuote[] =>
    ids.flatMap((id) => {
      const coding = codings.get(id); // absent when removed, or its post's author opted out
      const treatment = themesData.quoteTreatments[id];
      if (!coding || treatment?.removedAt) return [];
      const quote = cloakQuote({
        ref: `Q${++refCounter}`,
        quote: coding.quote,
        author: coding.memberId ? membersById.get(coding.memberId) : undefined,
        paraphrase: treatment?.paraphrase ?? "",
        searchTested: treatment?.searchTested ?? false,
        book,
      });
      quoteLog.push({
        theme: themeName,
        ref: quote.ref,
        treatment: quote.treatment,
        searchable: quote.searchable,
        searchTested: quote.searchTested,
        searchUrl: quote.searchUrl,
        note: quote.note,
      });
      return [{ ...quote, codingId: id }];
    });
  const reportThemes = themes.map((theme) => ({
    id: theme.id,
    name: theme.name,
    statement: theme.statement,
    confidence: theme.confidence,
    codes: theme.codeIds.map((id) => codeNames.get(id) ?? "(merged)"),
    evidence: cloak(theme.name, theme.evidenceCodingIds),
    counterEvidence: cloak(theme.name, theme.counterEvidenceCodingIds),
    guideline: theme.guideline,
  }));

  const [codesMap, membersMap] = await Promise.all([
    includeCodeNetwork
      ? codeCooccurrenceNetwork({ store, slug, communityIds: inScope })
      : codeNetwork({ nodes: [], edges: [] }),
    includeMemberNetwork
      ? memberInteractionNetwork({
          store,
          slug,
          level,
          maxNodes: memberNetworkLimit,
          colouring: memberColouring(codebook.codes, memberColourCodeId),
          communityIds: inScope,
        })
      : null,
  ]);
  const themeNodes = themes.map((t) => ({
    id: t.id,
    name: t.name,
    codeIds: t.codeIds,
    touchpoint: t.guideline.touchpoint,
  }));
  return {
    schema: "netnography-workbench/report@1",
    project: { title: project.title },
    generatedAt: new Date().toISOString(),
    cloakingLevel: level,
    ethics: {
      complete: ethics.complete,
      missing: ethics.checklist.filter((item) => !item.done).map((item) => item.label),
      consentApproach: ethics.plan?.consentApproach ?? "",
      space: ethics.plan?.space ?? "",
      boardReference: ethics.plan?.boardReference ?? "",
    },
    objectives: {
      questions: objectives.researchQuestions.map((q) => ({
        question: q.question,
        rationale: q.rationale,
      })),
      phenomenon: objectives.phenomenon,
      scope: objectives.scope,
    },
    communities: communities.map((community, i) => ({
      label: namesShown
        ? community.name
        : `Community ${String.fromCharCode(65 + (i % 26))} (a ${community.platform} community)`,
      platform: community.platform,
      posts: activity.get(community.id)?.posts ?? 0,
      members: activity.get(community.id)?.members ?? 0,
    })),
    scope: {
      basis: scope.basis,
      communities: communities.length,
      leftOut: allCommunities.length - communities.length,
    },
    method: {
      posts: counts.posts,
      threads: counts.threads,
      members: counts.members,
      codes: codebook.codes.filter((c) => !c.mergedInto).length,
      codings: codingCount,
      themes: themesData.themes.length,
    },
    themes: reportThemes,
    maps: { themes: themeMap(themeNodes, codeNames), codes: codesMap, members: membersMap },
    limitations: themesData.limitations,
    selfAssessment: CRITERIA.map((criterion) => ({
      criterion,
      score: themesData.selfAssessment[criterion]?.score ?? null,
      note: themesData.selfAssessment[criterion]?.note ?? "",
    })),
    quoteLog,
  };
}
