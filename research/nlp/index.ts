export { annotateText, contentTerms, usesEnglishModel, AnnotationSchema, type Annotation } from "./annotate.js";
export { annotateProject, loadAnnotations, type AnnotateReport, type AnnotateProgress } from "./annotations.js";
export { computeSuggestions, decideSuggestions, suggestionPrecision, type Suggestion, type SuggestionKind, type SuggestionPrecision } from "./suggestions.js";
export { detectLanguage } from "./language.js";
