export * from "./model.js";
export * from "./objectives.js";
export { buildKeywordMatcher, foldForMatching, parseSynonyms } from "./keywords.js";
