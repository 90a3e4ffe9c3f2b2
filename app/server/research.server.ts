// The one door from routes into the research core: `.server` keeps node-only code out of the browser bundle.
export * from "#research/accounts/index";
export * from "#research/projects/index";
export { isResearchError, ResearchError } from "#research/shared/errors";
export * from "#research/objectives/index";
export { listCodes, createCodes } from "#research/coding/codebook";
export * from "#research/collection/index";
export { renderMarkdown } from "#research/shared/markdown";
export * from "#research/discovery/index";
export * from "#research/entree/index";
export * from "#research/coding/index";
export * from "#research/reporting/index";
export * from "#research/nlp/index";
export { startCliJob, getJob, type BackgroundJob } from "#research/shared/background-jobs";
export * from "#research/analysis/index";
