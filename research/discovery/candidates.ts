import { LRUCache } from "lru-cache";
import { z } from "zod";
import { getCorpusRevision, listCommunities, projectSql } from "../collection/corpus.js";
import { objectivesFile } from "../objectives/model.js";
import { projectKeys } from "../projects/model.js";
import { ResearchError, parseInput } from "../shared/errors.js";
import { requireCapability } from "../shared/roles.js";
import { newId, nowIso } from "../shared/ids.js";
import type { DocumentStore } from "../store/index.js";
import { computeCommunityIndicators, type Indicators } from "./indicators.js";
import { IndicatorNameSchema, discoveryFile, type Candidate, type IndicatorName } from "./model.js";

type WithProject = { store: DocumentStore; slug: string };

export const CandidateInputSchema = z.object({
  name: z.string().trim().min(1, "Name the community.").max(200),
  platform: z.string().trim().min(1, "Say which platform it is on.").max(60),
  url: z
    .union([
      z.literal(""),
      // Only web links: a javascript: or data: "URL" would be rendered as a link that runs script.
      z.url({ protocol: /^https?$/, message: "Enter a full URL (https://...) or leave it empty." }),
    ])
    .default(""),
  language: z.string().trim().max(40).default(""),
  visibility: z.enum(["public", "private", "unknown"]).default("unknown"),
  size: z
    .union([
      z.literal(""),
      z.coerce.number().int().nonnegative("Size is a whole number of members."),
    ])
    .default(""),
  notes: z.string().max(10_000).default(""),
  origin: z.string().default("manual"),
});
export type CandidateInput = z.input<typeof CandidateInputSchema>;

/** Changes the candidates once the acting user's role allows editing the plan (nothing is written otherwise). */
async function updateCandidates<R>(
  store: DocumentStore,
  slug: string,
  userId: string,
  mutate: (candidates: Candidate[]) => R,
): Promise<R> {
  await requireCapability({ store, slug, userId, capability: "editPlan" });
  return store.update(discoveryFile, projectKeys.discovery(slug), (data) =>
    mutate(data.candidates),
  );
}

function findCandidate(candidates: Candidate[], candidateId: string): Candidate {
  const candidate = candidates.find((c) => c.id === candidateId);
  if (!candidate) throw new ResearchError("not-found", "No such candidate community.");
  return candidate;
}

/** Adds a candidate community (typed in, or proposed by a search connector). */
export async function addCandidate({
  store,
  slug,
  userId,
  ...input
}: WithProject & CandidateInput & { userId: string }): Promise<Candidate> {
  const clean = parseInput(CandidateInputSchema, input);
  return updateCandidates(store, slug, userId, (candidates) => {
    if (clean.url && candidates.some((candidate) => candidate.url === clean.url)) {
      throw new ResearchError(
        "conflict",
        `A candidate with the URL ${clean.url} is already listed.`,
        { field: "url" },
      );
    }
    const candidate: Candidate = {
      id: newId(),
      name: clean.name,
      platform: clean.platform,
      url: clean.url || null,
      language: clean.language,
      visibility: clean.visibility,
      size: clean.size === "" ? null : clean.size,
      notes: clean.notes,
      origin: clean.origin,
      communityId: null,
      judgements: {},
      decision: null,
      createdAt: nowIso(),
    };
    candidates.push(candidate);
    return candidate;
  });
}

export async function removeCandidate({
  store,
  slug,
  candidateId,
  userId,
}: WithProject & { candidateId: string; userId: string }): Promise<void> {
  await updateCandidates(store, slug, userId, (candidates) => {
    findCandidate(candidates, candidateId);
    candidates.splice(
      candidates.findIndex((c) => c.id === candidateId),
      1,
    );
  });
}

/** Ties a candidate to an imported community whose posts are its sample data. */
export async function linkCandidateSample({
  store,
  slug,
  candidateId,
  communityId,
  userId,
}: WithProject & {
  candidateId: string;
  communityId: string | null;
  userId: string;
}): Promise<void> {
  if (communityId) {
    const communities = await listCommunities({ store, slug });
    if (!communities.some((community) => community.id === communityId))
      throw new ResearchError("invalid-input", "That community has no imported data.", {
        field: "communityId",
      });
  }
  await updateCandidates(store, slug, userId, (candidates) => {
    findCandidate(candidates, candidateId).communityId = communityId;
  });
}

export const CandidateAssessmentSchema = z.object({
  /** The imported community whose posts are the sample; null for none. */
  communityId: z.string().nullable(),
  judgements: z.partialRecord(
    IndicatorNameSchema,
    z.object({
      score: z
        .number()
        .int()
        .min(1, "A judgement is a score from 1 to 5.")
        .max(5, "A judgement is a score from 1 to 5.")
        .nullable(),
      comment: z.string().max(2_000).default(""),
    }),
  ),
  /** Null leaves the candidate undecided (and takes back an earlier decision). */
  decision: z.enum(["selected", "rejected"]).nullable(),
  reason: z.string().max(10_000).default(""),
});
export type CandidateAssessment = z.input<typeof CandidateAssessmentSchema>;

/**
 * Saves everything the researcher says about one candidate at once (its sample, the six judgements, the
 * decision and its reason) in one write, so a refused part (a decision without a reason) changes nothing.
 */
export async function assessCandidate({
  store,
  slug,
  candidateId,
  userId,
  ...assessment
}: WithProject & { candidateId: string; userId: string } & CandidateAssessment): Promise<Candidate> {
  await requireCapability({ store, slug, userId, capability: "editPlan" });
  const clean = parseInput(CandidateAssessmentSchema, assessment);
  if (clean.decision && !clean.reason.trim())
    throw new ResearchError(
      "invalid-input",
      "Give the reason for this decision: it is part of the method.",
      { field: "reason" },
    );
  if (clean.communityId) {
    const communities = await listCommunities({ store, slug });
    if (!communities.some((community) => community.id === clean.communityId))
      throw new ResearchError("invalid-input", "That community has no imported data.", {
        field: "communityId",
      });
  }
  return updateCandidates(store, slug, userId, (candidates) => {
    const candidate = findCandidate(candidates, candidateId);
    candidate.communityId = clean.communityId;
    for (const [indicator, judgement] of Object.entries(clean.judgements)) {
      if (!judgement) continue;
      const comment = judgement.comment.trim();
      // A row left empty (no score, no words) is no judgement, and clears one made before.
      if (judgement.score === null && !comment) delete candidate.judgements[indicator as IndicatorName];
      else candidate.judgements[indicator as IndicatorName] = { score: judgement.score, comment };
    }
    const reason = clean.reason.trim();
    const unchanged =
      candidate.decision?.status === clean.decision && candidate.decision?.reason === reason;
    // A decision keeps its date and author while it stands; saving the card again changes neither.
    if (!unchanged)
      candidate.decision = clean.decision
        ? { status: clean.decision, reason, at: nowIso(), by: userId }
        : null;
    return candidate;
  });
}

export type CandidateComparison = Candidate & {
  indicators: Indicators | null;
  sampleName: string | null;
};

// Indicators read a community's posts through several aggregates; they change only with the corpus (or the
// keywords and window), so a few are kept per revision.
const indicatorCache: LRUCache<string, Promise<Indicators>> = ((
  globalThis as { __netnoIndicators?: LRUCache<string, Promise<Indicators>> }
).__netnoIndicators ??= new LRUCache({ max: 64 }));

/** Every candidate with its indicators computed from its sample data (opted-out members excluded). */
export async function compareCandidates({
  store,
  slug,
}: WithProject): Promise<CandidateComparison[]> {
  const { db, projectId } = await projectSql({ store, slug });
  const [discovery, objectives, communities, revision] = await Promise.all([
    store.read(discoveryFile, projectKeys.discovery(slug)),
    store.read(objectivesFile, projectKeys.objectives(slug)),
    listCommunities({ store, slug }),
    getCorpusRevision({ store, slug }),
  ]);
  const indicatorsOf = (communityId: string) => {
    const inputs = { communityId, keywords: objectives.keywords, window: objectives.scope };
    const key = `${JSON.stringify(store.sqlLocation)}|${revision}|${JSON.stringify(inputs)}`;
    let indicators = indicatorCache.get(key);
    if (!indicators) {
      const computing = computeCommunityIndicators({ db, projectId, ...inputs });
      indicatorCache.set(key, computing);
      computing.catch(() => {
        if (indicatorCache.get(key) === computing) indicatorCache.delete(key);
      });
      indicators = computing;
    }
    return indicators;
  };
  const byId = new Map(communities.map((community) => [community.id, community]));
  return Promise.all(
    discovery.candidates.map(async (candidate) => {
      const community = candidate.communityId ? byId.get(candidate.communityId) : undefined;
      if (!community) return { ...candidate, indicators: null, sampleName: null };
      return {
        ...candidate,
        sampleName: community.name,
        indicators: await indicatorsOf(community.id),
      };
    }),
  );
}

/** Candidates that were selected: the project's studied communities. */
export async function listStudiedCommunities({ store, slug }: WithProject): Promise<Candidate[]> {
  const discovery = await store.read(discoveryFile, projectKeys.discovery(slug));
  return discovery.candidates.filter((candidate) => candidate.decision?.status === "selected");
}
