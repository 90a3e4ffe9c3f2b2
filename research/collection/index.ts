export * from "./model.js";
export { importFiles, type ImportReport, type ImportProgress, type InvalidRecord } from "./import-files.js";
export { IMPORT_FORMATS, IMPORTERS } from "./importers/index.js";
export { loadCorpus, loadVisibleCorpus, type Corpus, type VisibleCorpus } from "./corpus.js";
export { listThreads, getThreadTree, listMembers, type ThreadSummary, type PostNode, type MemberRow, type ThreadFilter } from "./browse.js";
export { searchProject, type SearchHit } from "./search.js";
export { createFieldNote, updateFieldNote, deleteFieldNote, listFieldNotes, getFieldNote } from "./field-notes.js";
export { startImportJob, getImportJob, type ImportJob } from "./import-jobs.js";
