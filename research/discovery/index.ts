export * from "./model.js";
export * from "./candidates.js";
export { computeIndicators, giniCoefficient, median, countWords, type Indicators, type IndicatorPost } from "./indicators.js";
export { searchCommunities, DEFAULT_BASE_URLS, type ConnectorName, type ProposedCandidate } from "./connectors.js";
