/**
 * Whether a text holds a word starting with `word`, ignoring case: "batt" finds "Battery", "the" finds
 * "These" but not "other". A word starts where the character before is not a letter or digit (or at the
 * start), so "grid" finds "off_grid" and "#grid"; PostgreSQL's `~*` with wordStartPattern agrees. SQLite has no such operator, so it is a
 * function of each connection (`netno_word_start`); PostgreSQL runs `wordStartPattern` as a regex.
 */
const patterns = new Map<string, RegExp>();
const WORD_CHARACTER = /[\p{L}\p{N}]/u;

export function hasWordStart(text: string | null, word: string | null): number {
  if (text === null || word === null || word === "") return 0;
  let pattern = patterns.get(word);
  if (!pattern) {
    const escaped = word.toLowerCase().replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");
    // Only a word that begins with a word character needs a word boundary before it.
    pattern = new RegExp(
      WORD_CHARACTER.test(word[0]) ? `(?<![\\p{L}\\p{N}])${escaped}` : escaped,
      "u",
    );
    if (patterns.size >= 64) patterns.clear();
    patterns.set(word, pattern);
  }
  return pattern.test(text.toLowerCase()) ? 1 : 0;
}

/** The PostgreSQL regular expression (for `~*`) that matches as hasWordStart does. */
export function wordStartPattern(word: string): string {
  // In PostgreSQL's regular expressions a backslash before a character that is not a letter or digit
  // makes it literal.
  const escaped = word.replace(/[^\p{L}\p{N}]/gu, "\\$&");
  return WORD_CHARACTER.test(word[0] ?? "") ? `(^|[^[:alnum:]])${escaped}` : escaped;
}
