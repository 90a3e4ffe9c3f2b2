export * from "./model.js";
export * from "./candidates.js";
export {
  computeCommunityIndicators,
  computeIndicators,
  countWords,
  DEPTH_THREADS,
  giniCoefficient,
  median,
  TEXT_SAMPLE,
  type IndicatorPost,
  type Indicators,
} from "./indicators.js";
export {
  searchCommunities,
  DEFAULT_BASE_URLS,
  type ConnectorName,
  type ProposedCandidate,
} from "./connectors.js";
