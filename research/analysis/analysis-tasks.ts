import { countVisibleCodingsOf, readEvidenceRows } from "../reporting/report-queries.js";
import type { DocumentStore } from "../store/index.js";
import { tallyAgreement, type AgreementChoices } from "./agreement.js";
import {
  countCodeFrequencies,
  countCooccurrence,
  type FrequencyDimension,
} from "./code-analysis.js";
import {
  layoutCodeCooccurrenceNetwork,
  layoutMemberInteractionNetwork,
  type MemberColouring,
} from "./networks.js";
import type { CloakingLevel } from "../entree/model.js";

/**
 * What the analysis worker can run: each entry is the uncached computation behind a cached function
 * (`kind` in its cachedOffThread call), given the project and the arguments that call sent.
 */
export const analysisTasks = {
  agreement: (store: DocumentStore, slug: string, args: AgreementChoices) =>
    tallyAgreement({ store, slug, ...args }),
  frequencies: (store: DocumentStore, slug: string, args: { by: FrequencyDimension }) =>
    countCodeFrequencies({ store, slug, ...args }),
  cooccurrence: (store: DocumentStore, slug: string, args: { overlappingOnly: boolean }) =>
    countCooccurrence({ store, slug, ...args }),
  codeNetwork: (
    store: DocumentStore,
    slug: string,
    args: { minWeight: number; communityIds: readonly string[] | null },
  ) => layoutCodeCooccurrenceNetwork({ store, slug, ...args }),
  memberNetwork: (
    store: DocumentStore,
    slug: string,
    args: {
      level: CloakingLevel;
      maxNodes: number;
      colouring: MemberColouring;
      communityIds: readonly string[] | null;
    },
  ) => layoutMemberInteractionNetwork({ store, slug, ...args }),
  evidenceRows: (
    store: DocumentStore,
    slug: string,
    args: { codeId: string | null; words: string[]; limit: number },
  ) => readEvidenceRows({ store, slug, ...args }),
  visibleCodings: (
    store: DocumentStore,
    slug: string,
    args: { communityIds: readonly string[] | null },
  ) => countVisibleCodingsOf({ store, slug, ...args }),
};

export type AnalysisKind = keyof typeof analysisTasks;
/** What the analysis `K` is asked (the arguments its cached function sends). */
export type AnalysisArgs<K extends AnalysisKind> = Parameters<(typeof analysisTasks)[K]>[2];
/** What the analysis `K` answers (structured-cloned when it comes from the worker). */
export type AnalysisResult<K extends AnalysisKind> = Awaited<ReturnType<(typeof analysisTasks)[K]>>;

export function isAnalysisKind(kind: string): kind is AnalysisKind {
  return Object.hasOwn(analysisTasks, kind);
}

/** Runs the analysis `kind` on this thread (the worker for each message, the CLI for each command). */
export function runAnalysisTask<K extends AnalysisKind>(
  store: DocumentStore,
  kind: K,
  slug: string,
  args: AnalysisArgs<K>,
): Promise<AnalysisResult<K>> {
  // TypeScript cannot pair a kind with its own arguments through an indexed access; the signature does.
  const run = analysisTasks[kind] as unknown as (
    store: DocumentStore,
    slug: string,
    args: AnalysisArgs<K>,
  ) => Promise<AnalysisResult<K>>;
  return run(store, slug, args);
}
