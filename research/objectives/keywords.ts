import type { Keyword } from "./model.js";

/** Lower-cases and strips accents so that "Café" matches "cafe". */
export function foldForMatching(text: string): string {
  return text.normalize("NFKD").replace(/\p{M}+/gu, "").toLowerCase();
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * A matcher for the project's keywords and their synonyms: whole words or phrases, case- and
 * accent-insensitive; a trailing `*` matches any ending (`repair*` matches "repairs", "repairing").
 */
export function buildKeywordMatcher(keywords: Keyword[]): { test: (text: string) => boolean; matches: (text: string) => string[] } {
  const terms = keywords.flatMap((keyword) => [keyword.term, ...keyword.synonyms]).map((term) => foldForMatching(term.trim())).filter(Boolean);
  if (terms.length === 0) return { test: () => false, matches: () => [] };
  const patterns = terms.map((term) => {
    const wildcard = term.endsWith("*");
    const body = escapeRegExp(wildcard ? term.slice(0, -1) : term).replace(/\s+/g, "\\s+");
    return wildcard ? `${body}[\\p{L}\\p{N}]*` : body;
  });
  const regex = new RegExp(`(?<![\\p{L}\\p{N}])(?:${patterns.join("|")})(?![\\p{L}\\p{N}])`, "gu");
  return {
    test: (text) => {
      regex.lastIndex = 0;
      return regex.test(foldForMatching(text));
    },
    matches: (text) => [...foldForMatching(text).matchAll(regex)].map((match) => match[0]),
  };
}

/** Parses "term; synonym, synonym" lists typed in a form: one keyword per line, synonyms after a colon. */
export function parseSynonyms(text: string): string[] {
  return text
    .split(/[,;\n]/)
    .map((part) => part.trim())
    .filter(Boolean);
}
