import { z } from "zod";
import { codePointLength } from "../shared/text-offsets.js";
import { getNlp } from "./wink.js";

export const AnnotationSchema = z.object({
  /**
   * Sentences as [start, end) code point spans with wink's sentiment (-1 to 1) and their content terms
   * (normal forms of words that are not stop words: what suggestions compare; absent in older rows).
   */
  sentences: z.array(
    z.object({
      start: z.number().int(),
      end: z.number().int(),
      sentiment: z.number(),
      terms: z.array(z.string()).optional(),
    }),
  ),
  entities: z.array(
    z.object({
      type: z.string(),
      value: z.string(),
      start: z.number().int(),
      end: z.number().int(),
    }),
  ),
  hashtags: z.array(z.string()),
  mentions: z.array(z.string()),
  emojis: z.array(z.string()),
  keyTerms: z.array(z.string()),
  tokens: z.number().int(),
});
export type Annotation = z.infer<typeof AnnotationSchema>;

/** What wink's each() hands over for sentences and entities: an item whose properties are read with out(). */
type SpanItem = { out: (property?: unknown) => unknown };

type Token = {
  start: number;
  end: number;
  value: string;
  type: string;
  normal: string;
  stop: boolean;
  negated: boolean;
};

/**
 * Reads a text with wink-nlp and returns sentence sentiment, entities (dates, money, hashtags, mentions,
 * emoji, URLs...), key terms and token count, with offsets in code points of the text.
 */
export function annotateText(text: string): Annotation {
  const nlp = getNlp();
  const its = nlp.its;
  const doc = nlp.readDoc(text);
  // Token offsets: wink keeps the whitespace before each token, so offsets can be rebuilt exactly.
  const tokens: Token[] = [];
  let cursor = 0;
  const values = doc.tokens().out() as string[];
  const spaces = doc.tokens().out(its.precedingSpaces) as string[];
  const types = doc.tokens().out(its.type) as string[];
  const normals = doc.tokens().out(its.normal) as string[];
  const stops = doc.tokens().out(its.stopWordFlag) as unknown as boolean[];
  const negations = doc.tokens().out(its.negationFlag) as unknown as boolean[];
  for (let i = 0; i < values.length; i++) {
    cursor += spaces[i]?.length ?? 0;
    let start = cursor;
    if (text.slice(start, start + values[i].length) !== values[i]) {
      // wink normalised something (rare): find the token from here instead.
      const found = text.indexOf(values[i], cursor);
      start = found >= 0 ? found : cursor;
    }
    tokens.push({
      start,
      end: start + values[i].length,
      value: values[i],
      type: types[i],
      normal: normals[i],
      stop: Boolean(stops[i]),
      negated: Boolean(negations[i]),
    });
    cursor = start + values[i].length;
  }
  const toPoints = (utf16: number) => codePointLength(text.slice(0, utf16));
  // wink splits after any full stop, also inside "[esperanto.se]", a URL or "(see p. 4)": a split with
  // no space before the next sentence, or inside an open bracket, is joined back to its neighbour.
  const spans: Array<{ first: number; last: number; sentiments: number[] }> = [];
  const splitsInsideSomething = boundaryChecker(text);
  doc.sentences().each((sentence: SpanItem) => {
    const [first, last] = sentence.out(its.span) as unknown as [number, number];
    if (!tokens[first] || !tokens[last]) return;
    const sentiment = Number(sentence.out(its.sentiment)) || 0;
    const previous = spans.at(-1);
    if (previous && splitsInsideSomething(tokens[previous.last].end, tokens[first].start)) {
      previous.last = last;
      previous.sentiments.push(sentiment);
    } else spans.push({ first, last, sentiments: [sentiment] });
  });
  const sentences: Annotation["sentences"] = spans.map(({ first, last, sentiments }) => {
    const terms: string[] = [];
    for (let i = first; i <= last; i++)
      if (tokens[i].type === "word" && !tokens[i].stop) terms.push(tokens[i].normal);
    return {
      start: toPoints(tokens[first].start),
      end: toPoints(tokens[last].end),
      sentiment: sentiments.reduce((sum, value) => sum + value, 0) / sentiments.length,
      terms,
    };
  });
  const entities: Annotation["entities"] = [];
  doc.entities().each((entity: SpanItem) => {
    const [first, last] = entity.out(its.span) as unknown as [number, number];
    const detail = entity.out(its.detail) as unknown as { value: string; type: string };
    if (tokens[first] && tokens[last])
      entities.push({
        type: detail.type,
        value: detail.value,
        start: toPoints(tokens[first].start),
        end: toPoints(tokens[last].end),
      });
  });
  const frequency = new Map<string, number>();
  for (const token of tokens) {
    if (token.type !== "word" || token.stop || token.normal.length < 3) continue;
    frequency.set(token.normal, (frequency.get(token.normal) ?? 0) + 1);
  }
  const keyTerms = [...frequency]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, 8)
    .map(([term]) => term);
  return {
    sentences,
    entities,
    hashtags: tokens.filter((t) => t.type === "hashtag").map((t) => t.value),
    mentions: tokens.filter((t) => t.type === "mention").map((t) => t.value),
    emojis: tokens.filter((t) => t.type === "emoji" || t.type === "emoticon").map((t) => t.value),
    keyTerms,
    tokens: tokens.length,
  };
}

/** Content words of a text for similarity: lower-cased, stop words and punctuation left out. */
export function contentTerms(text: string): string[] {
  const nlp = getNlp();
  const its = nlp.its;
  const doc = nlp.readDoc(text);
  return doc
    .tokens()
    .filter((token) => token.out(its.type) === "word" && !token.out(its.stopWordFlag))
    .out(its.normal) as string[];
}

/** English posts (or posts too short to tell) can use the English model. */
export function usesEnglishModel(language: string | null): boolean {
  return language === null || language === "en";
}

/**
 * Tells whether a sentence boundary (the previous sentence ends at `end`, the next starts at `start`) falls
 * inside a word (no space between them) or inside an open bracket. Boundaries come in text order, so the
 * bracket depth is counted once over the text, not from the start for every boundary.
 */
function boundaryChecker(text: string): (end: number, start: number) => boolean {
  let scanned = 0;
  let depth = 0;
  return (end, start) => {
    for (; scanned < end; scanned++) {
      const character = text[scanned];
      if (character === "(" || character === "[") depth++;
      else if ((character === ")" || character === "]") && depth > 0) depth--;
    }
    return start <= end || depth > 0;
  };
}
