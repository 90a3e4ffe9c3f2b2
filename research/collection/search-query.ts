import { ResearchError } from "../shared/errors.js";

/**
 * A researcher's search query, parsed once and written out safely for each engine: words, "phrases",
 * prefix*, AND / OR / NOT (upper case; lower-case "and", "or", "not" are words). The user's own syntax
 * never reaches the engine: only letters and digits do, inside quotes the engine cannot misread.
 */

export type SearchTerm = { kind: "phrase"; words: string[]; prefix: boolean };
export type SearchNode =
  | { kind: "term"; term: SearchTerm }
  | { kind: "and"; include: SearchNode[]; exclude: SearchNode[] }
  | { kind: "or"; options: SearchNode[] };

/** Letters, digits and combining marks make words; everything else separates them (as both engines do). */
const WORD = /[\p{L}\p{N}][\p{L}\p{N}\p{M}]*/gu;

type Token =
  | { kind: "op"; op: "AND" | "OR" | "NOT" }
  | { kind: "open" }
  | { kind: "close" }
  | { kind: "term"; term: SearchTerm };

function wordsOf(text: string): string[] {
  return (text.normalize("NFC").toLowerCase().match(WORD) ?? []).slice(0, 16);
}

function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /"([^"]*)"?|(\()|(\))|(-?)([^\s"()]+)/gu;
  for (const match of query.matchAll(pattern)) {
    if (match[1] !== undefined) {
      const words = wordsOf(match[1]);
      if (words.length > 0)
        tokens.push({ kind: "term", term: { kind: "phrase", words, prefix: false } });
    } else if (match[2]) tokens.push({ kind: "open" });
    else if (match[3]) tokens.push({ kind: "close" });
    else {
      const raw = match[5];
      if (raw === "AND" || raw === "OR" || raw === "NOT") {
        tokens.push({ kind: "op", op: raw });
        continue;
      }
      const words = wordsOf(raw);
      if (words.length === 0) continue;
      // "-word" is NOT word, as in web search engines.
      if (match[4]) tokens.push({ kind: "op", op: "NOT" });
      tokens.push({ kind: "term", term: { kind: "phrase", words, prefix: raw.endsWith("*") } });
    }
  }
  return tokens;
}

/** Parses a query; null when it holds no word at all. A query that only excludes is an invalid-input error. */
export function parseSearchQuery(query: string): SearchNode | null {
  const tokens = tokenize(query.slice(0, 500));
  let at = 0;
  let depth = 0;
  const peek = () => tokens[at];

  const parseOr = (): SearchNode | null => {
    const options: SearchNode[] = [];
    for (;;) {
      const node = parseAnd();
      if (node) options.push(node);
      if (peek()?.kind === "op" && (peek() as { op: string }).op === "OR") {
        at++;
        continue;
      }
      break;
    }
    if (options.length === 0) return null;
    return options.length === 1 ? options[0] : { kind: "or", options };
  };

  const parseAnd = (): SearchNode | null => {
    const include: SearchNode[] = [];
    const exclude: SearchNode[] = [];
    let negate = false;
    for (;;) {
      const token = peek();
      if (!token) break;
      if (token.kind === "op") {
        if (token.op === "OR") break;
        at++;
        if (token.op === "NOT") negate = !negate;
        continue;
      }
      if (token.kind === "close") {
        if (depth > 0) break;
        at++; // a stray ")" is ignored
        continue;
      }
      let node: SearchNode | null;
      if (token.kind === "open") {
        at++;
        depth++;
        node = parseOr();
        depth--;
        if (peek()?.kind === "close") at++;
      } else {
        at++;
        node = { kind: "term", term: token.term };
      }
      if (node) (negate ? exclude : include).push(node);
      negate = false;
    }
    if (include.length === 0 && exclude.length === 0) return null;
    if (include.length === 0) {
      throw new ResearchError(
        "invalid-input",
        "A search needs at least one word to look for, not only words to leave out (NOT ...).",
        { field: "q" },
      );
    }
    return include.length === 1 && exclude.length === 0
      ? include[0]
      : { kind: "and", include, exclude };
  };

  const node = parseOr();
  return node;
}

/** The words a query looks for (not the excluded ones), for highlighting outside the engine. */
export function positiveTerms(node: SearchNode): SearchTerm[] {
  if (node.kind === "term") return [node.term];
  if (node.kind === "or") return node.options.flatMap(positiveTerms);
  return node.include.flatMap(positiveTerms);
}

/** The query in FTS5 syntax: every word double-quoted, operators and parentheses written by us. */
export function toFts5(node: SearchNode): string {
  if (node.kind === "term") {
    const phrase = `"${node.term.words.join(" ")}"`;
    return node.term.prefix ? `${phrase}*` : phrase;
  }
  if (node.kind === "or") return `(${node.options.map(toFts5).join(" OR ")})`;
  const include = node.include.map(toFts5).join(" AND ");
  const positive = node.include.length > 1 ? `(${include})` : include;
  if (node.exclude.length === 0) return positive;
  return `(${positive} NOT (${node.exclude.map(toFts5).join(" OR ")}))`;
}

/** The query as PostgreSQL tsquery text (for `to_tsquery('simple', ...)`): quoted lexemes only. */
export function toTsquery(node: SearchNode): string {
  if (node.kind === "term") {
    const lexemes = node.term.words.map((word, index) => {
      const last = index === node.term.words.length - 1;
      return `'${word}'${last && node.term.prefix ? ":*" : ""}`;
    });
    return lexemes.length > 1 ? `(${lexemes.join(" <-> ")})` : lexemes[0];
  }
  if (node.kind === "or") return `(${node.options.map(toTsquery).join(" | ")})`;
  const parts = [
    ...node.include.map(toTsquery),
    ...node.exclude.map((part) => `!${toTsquery(part)}`),
  ];
  return `(${parts.join(" & ")})`;
}
