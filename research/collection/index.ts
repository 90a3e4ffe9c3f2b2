export * from "./model.js";
export {
  importFiles,
  memberKeyOf,
  type ImportReport,
  type ImportProgress,
  type InvalidRecord,
} from "./import-files.js";
export { IMPORT_FORMATS, IMPORTERS } from "./importers/index.js";
export { DECLARABLE_ENCODINGS, type DeclaredEncoding } from "./importers/read.js";
export {
  countCorpus,
  getCorpusRevision,
  getThreads,
  getVisibleMembers,
  getVisiblePost,
  getVisiblePosts,
  iterateVisiblePosts,
  listCommunities,
  type CorpusCounts,
  type PostWithContext,
} from "./corpus.js";
export {
  listThreads,
  getThreadTree,
  listMembers,
  listCommunitySummaries,
  type CommunitySummary,
  type ThreadSummary,
  type ThreadSort,
  type PostNode,
  type MemberRow,
  type MemberSort,
  type ThreadFilter,
} from "./browse.js";
export {
  searchProject,
  piecesText,
  SEARCH_COUNT_CAP,
  type SearchHit,
  type PostHit,
  type NoteHit,
  type SearchFilter,
  type SearchResult,
  type SnippetPiece,
} from "./search.js";
export { listImports, type ImportSummary } from "./imports.js";
export { previewImportRemoval, removeImport, type ImportRemoval } from "./remove-import.js";
export {
  createFieldNote,
  updateFieldNote,
  deleteFieldNote,
  listFieldNotes,
  getFieldNote,
} from "./field-notes.js";
export {
  startImportJob,
  getImportJob,
  isRefiImportReport,
  type ImportJob,
  type UploadReport,
} from "./import-jobs.js";
export { mergeCommunities, renameCommunity } from "./communities.js";
