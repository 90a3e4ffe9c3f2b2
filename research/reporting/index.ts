export * from "./model.js";
export * from "./themes.js";
export {
  cloakQuote,
  disguiseNames,
  isSearchable,
  keepsVerbatimRun,
  displayName,
  type CloakedQuote,
  type NameBook,
  type NamedMember,
} from "./cloaking.js";
export {
  buildReportData,
  type ReportData,
  type ReportQuote,
  type ReportTheme,
} from "./report-data.js";
export {
  findEvidenceSegments,
  getQuoteOriginals,
  type EvidenceFinder,
  type EvidenceListing,
  type EvidenceSegment,
} from "./report-queries.js";
export { describeScope, reportToHtml, reportToJson, reportToMarkdown } from "./exports.js";
export { resolveReportScope, saveReportScope, type ReportScope } from "./report-scope.js";
export * from "./member-checks.js";
export {
  renderExport,
  EXPORT_FORMATS,
  EXPORT_TYPES,
  type ExportFormat,
  type NetworkChoice,
} from "./render-export.js";
