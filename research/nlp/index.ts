export {
  annotateText,
  contentTerms,
  usesEnglishModel,
  AnnotationSchema,
  type Annotation,
} from "./annotate.js";
export {
  annotateProject,
  getAnnotationJob,
  getAnnotations,
  getAnnotationsIn,
  startAnnotationJob,
  ANNOTATION_JOB,
  type AnnotationJob,
  type AnnotateReport,
  type AnnotateProgress,
} from "./annotations.js";
export {
  computeSuggestions,
  decideSuggestions,
  getSuggestionsJob,
  listSuggestions,
  runSuggestions,
  startSuggestionsJob,
  suggestionPrecision,
  SUGGESTIONS_JOB,
  type PendingSuggestion,
  type Suggestion,
  type SuggestionKind,
  type SuggestionPrecision,
  type SuggestionsJob,
  type SuggestionsPage,
  type SuggestionsProgress,
  type SuggestionsRunReport,
} from "./suggestions.js";
export { detectLanguage } from "./language.js";
