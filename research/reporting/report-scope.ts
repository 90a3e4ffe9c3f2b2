import { z } from "zod";
import { listCommunities } from "../collection/corpus.js";
import { discoveryFile } from "../discovery/model.js";
import { projectKeys } from "../projects/model.js";
import { ResearchError } from "../shared/errors.js";
import { requireCapability } from "../shared/roles.js";
import type { DocumentStore } from "../store/index.js";
import { themesFile } from "./model.js";

/**
 * Which communities a report covers. Discovery's decisions decide by default: the communities selected
 * there, or, before any is selected, every community not rejected. The researcher may choose others;
 * a community rejected in discovery is never in a report, whatever was chosen.
 */
export type ReportScope = {
  basis: "selected" | "chosen" | "not-rejected";
  communityIds: string[];
  communities: Array<{
    id: string;
    name: string;
    platform: string;
    inScope: boolean;
    rejected: boolean;
  }>;
};

export async function resolveReportScope({
  store,
  slug,
}: {
  store: DocumentStore;
  slug: string;
}): Promise<ReportScope> {
  const [communities, discovery, themes] = await Promise.all([
    listCommunities({ store, slug }),
    store.read(discoveryFile, projectKeys.discovery(slug)),
    store.read(themesFile, projectKeys.themes(slug)),
  ]);
  const decided = (status: "selected" | "rejected") =>
    new Set(
      discovery.candidates
        .filter((candidate) => candidate.decision?.status === status && candidate.communityId)
        .map((candidate) => candidate.communityId as string),
    );
  const selected = decided("selected");
  const rejected = decided("rejected");
  // A community both selected (one candidate) and rejected (another) is left out: rejection wins.
  const allowed = communities.filter((community) => !rejected.has(community.id));
  let basis: ReportScope["basis"];
  let inScope: Set<string>;
  if (themes.reportScope) {
    basis = "chosen";
    inScope = new Set(themes.reportScope.communityIds);
  } else if (allowed.some((community) => selected.has(community.id))) {
    basis = "selected";
    inScope = selected;
  } else {
    basis = "not-rejected";
    inScope = new Set(allowed.map((community) => community.id));
  }
  const listed = communities.map((community) => ({
    id: community.id,
    name: community.name,
    platform: community.platform,
    rejected: rejected.has(community.id),
    inScope: inScope.has(community.id) && !rejected.has(community.id),
  }));
  return {
    basis,
    communityIds: listed.filter((community) => community.inScope).map((community) => community.id),
    communities: listed,
  };
}

const ScopeInputSchema = z.object({
  /** null: go back to discovery's decisions. */
  communityIds: z.array(z.string()).nullable(),
});

/** Chooses the communities reports cover (or, with null, hands the choice back to discovery). */
export async function saveReportScope({
  store,
  slug,
  userId,
  communityIds,
}: {
  store: DocumentStore;
  slug: string;
  userId: string;
  communityIds: string[] | null;
}): Promise<ReportScope> {
  await requireCapability({ store, slug, userId, capability: "code" });
  const parsed = ScopeInputSchema.parse({ communityIds });
  if (parsed.communityIds) {
    const scope = await resolveReportScope({ store, slug });
    const known = new Map(scope.communities.map((community) => [community.id, community]));
    const unknown = parsed.communityIds.filter((id) => !known.has(id));
    if (unknown.length > 0) {
      throw new ResearchError("invalid-input", "A chosen community is not in this project.", {
        field: "communityIds",
      });
    }
    const rejected = parsed.communityIds.filter((id) => known.get(id)?.rejected);
    if (rejected.length > 0) {
      throw new ResearchError(
        "invalid-input",
        `${known.get(rejected[0])?.name} was rejected in discovery; reports never cover a rejected community. Change the decision there first.`,
        { field: "communityIds" },
      );
    }
    if (parsed.communityIds.length === 0) {
      throw new ResearchError("invalid-input", "Choose at least one community for the report.", {
        field: "communityIds",
      });
    }
  }
  await store.update(themesFile, projectKeys.themes(slug), (data) => {
    data.reportScope = parsed.communityIds
      ? { communityIds: [...new Set(parsed.communityIds)] }
      : null;
  });
  return resolveReportScope({ store, slug });
}
