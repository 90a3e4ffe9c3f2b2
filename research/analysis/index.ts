export {
  percentAgreement,
  cohensKappa,
  krippendorffAlphaNominal,
  type Rating,
} from "./agreement-statistics.js";
export {
  AGREEMENT_UNITS,
  DEFAULT_MINIMUM_OVERLAP,
  computeAgreement,
  type AgreementUnit,
  type AgreementReport,
  type AgreementRow,
  type Disagreement,
} from "./agreement.js";
export {
  codeFrequencies,
  codeCooccurrence,
  type CodeFrequencies,
  type CooccurrenceNetwork,
  type FrequencyDimension,
} from "./code-analysis.js";
export {
  codeCooccurrenceNetwork,
  codeNetwork,
  memberInteractionNetwork,
  networkToCsv,
  networkToGexf,
  networkToGraphml,
  networkToSvg,
  themeMap,
  type MemberColouring,
  type Network,
  type NetworkEdge,
  type NetworkNode,
} from "./networks.js";
