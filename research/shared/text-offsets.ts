/**
 * Codings count Unicode code points (as REFI-QDA does): an emoji or an accented letter is one. JavaScript
 * strings count UTF-16 units, so every boundary (browser selections, string slicing) converts here.
 */

export function codePointLength(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    count++;
  }
  return count;
}

/** The UTF-16 index of a code point offset (clamped to the text). */
export function codePointToUtf16(text: string, codePointOffset: number): number {
  let units = 0;
  let points = 0;
  while (points < codePointOffset && units < text.length) {
    const code = text.charCodeAt(units);
    units += code >= 0xd800 && code <= 0xdbff && units + 1 < text.length ? 2 : 1;
    points++;
  }
  return units;
}

/** The code point offset of a UTF-16 index (an index inside a surrogate pair counts its whole character). */
export function utf16ToCodePoint(text: string, utf16Offset: number): number {
  return codePointLength(text.slice(0, Math.max(0, Math.min(text.length, utf16Offset))));
}

/** The text between two code point offsets, [start, end). */
export function sliceCodePoints(text: string, start: number, end: number): string {
  return text.slice(codePointToUtf16(text, start), codePointToUtf16(text, end));
}

/**
 * Finds where a quoted passage sits when stored offsets no longer match the text (e.g. a source was
 * re-imported with different whitespace): the occurrence nearest to the old start, or null.
 */
export function reanchorQuote(text: string, quote: string, oldStart: number): { start: number; end: number } | null {
  if (!quote) return null;
  let best: number | null = null;
  for (let at = text.indexOf(quote); at >= 0; at = text.indexOf(quote, at + 1)) {
    const start = utf16ToCodePoint(text, at);
    if (best === null || Math.abs(start - oldStart) < Math.abs(best - oldStart)) best = start;
  }
  return best === null ? null : { start: best, end: best + codePointLength(quote) };
}
