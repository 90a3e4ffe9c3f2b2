import { createHash } from "node:crypto";
import similarity from "wink-nlp/utilities/similarity.js";
import { addCodingsIn } from "../coding/codings.js";
import { codebookFile, type Code } from "../coding/model.js";
import { getCorpusRevision, projectSql, visiblePosts } from "../collection/corpus.js";
import { buildKeywordMatcher } from "../objectives/keywords.js";
import { objectivesFile, type Keyword } from "../objectives/model.js";
import { projectKeys } from "../projects/model.js";
import {
  getJob,
  getLatestJob,
  startCliJob,
  type BackgroundJob,
} from "../shared/background-jobs.js";
import { ResearchError } from "../shared/errors.js";
import { requireCapability } from "../shared/roles.js";
import { newId, nowIso } from "../shared/ids.js";
import { codePointLength, sliceCodePoints } from "../shared/text-offsets.js";
import { inTransaction, type DocumentStore, type Queryable } from "../store/index.js";
import { annotateText, contentTerms, usesEnglishModel } from "./annotate.js";
import { annotateProject } from "./annotations.js";
import { getNlp } from "./wink.js";

export type SuggestionKind = "similar" | "keyword" | "sentiment";
export type Suggestion = {
  id: string;
  kind: SuggestionKind;
  sourceType: "post";
  sourceId: string;
  /** The name the source came with: the platform's post id. */
  sourceName: string;
  start: number;
  end: number;
  codeId: string;
  codeName: string;
  score: number;
  reason: string;
  quote: string;
};

/** A stored suggestion as the Suggestions page shows it: with the thread to link to and the pseudonym. */
export type PendingSuggestion = Suggestion & { threadId: string; author: string };

const KINDS: SuggestionKind[] = ["similar", "keyword", "sentiment"];
const toKind = (kind: string): SuggestionKind =>
  KINDS.find((candidate) => candidate === kind) ?? "keyword";

/** The same suggestion always gets the same id, so decisions stick across runs. */
function suggestionId(
  kind: string,
  codeId: string,
  sourceId: string,
  start: number,
  end: number,
): string {
  return createHash("sha1")
    .update(`${kind}|${codeId}|${sourceId}|${start}|${end}`)
    .digest("hex")
    .slice(0, 20);
}

const MIN_SIMILARITY = 0.15;
const STRONG_SENTIMENT = 0.5;
/** A stored run keeps the best suggestions of each code: more than anyone reviews, bounded per code. */
const STORED_PER_CODE = 500;
/** Posts read per query while computing: the run streams the corpus, never holding it. */
const POST_BATCH = 1_000;
const ID_CHUNK = 500;

// ---------------------------------------------------------------------------------------------------
// BM25, streamed
// ---------------------------------------------------------------------------------------------------

/**
 * BM25 weights with wink-nlp's formulas and defaults (k = 1, k1 = 1.2, b = 0.75, no norm, 6 decimals),
 * learning only document frequencies: wink's vectorizer keeps every document's bag of words, which grows
 * with the corpus, while these statistics grow only with the vocabulary.
 */
class StreamingBm25 {
  private documentFrequency = new Map<string, number>();
  private idf = new Map<string, number>();
  private documents = 0;
  private totalLength = 0;

  learn(terms: string[]): void {
    this.documents++;
    this.totalLength += terms.length;
    for (const term of new Set(terms))
      this.documentFrequency.set(term, (this.documentFrequency.get(term) ?? 0) + 1);
  }

  get learned(): number {
    return this.documents;
  }

  freeze(): void {
    for (const [term, frequency] of this.documentFrequency) {
      const idf = Math.log((this.documents - frequency + 0.5) / (frequency + 0.5) + 1);
      this.idf.set(term, +idf.toFixed(6));
    }
    this.documentFrequency.clear();
  }

  /** The weighted bag of words of a passage; terms never learned are left out, as wink does. */
  bowOf(terms: string[]): Record<string, number> {
    const counts = new Map<string, number>();
    for (const term of terms) if (this.idf.get(term)) counts.set(term, (counts.get(term) ?? 0) + 1);
    const averageLength = this.totalLength / this.documents;
    const lengthFactor = 1.2 * (1 - 0.75 + 0.75 * (terms.length / averageLength));
    const bow: Record<string, number> = {};
    for (const [term, count] of counts) {
      const weight = ((this.idf.get(term) ?? 1) * (2.2 * count)) / (lengthFactor + count);
      bow[term] = +weight.toFixed(6);
    }
    return bow;
  }
}

// ---------------------------------------------------------------------------------------------------
// Computing
// ---------------------------------------------------------------------------------------------------

type Passage = {
  sourceId: string;
  sourceName: string;
  start: number;
  end: number;
  text: string;
  sentiment: number;
  english: boolean;
  terms: string[] | null;
};

type CodeRules = {
  code: Code;
  keywordMatcher: ReturnType<typeof buildKeywordMatcher> | null;
  keywordSource: string;
  polarity: number;
  /** Similarity: the mean BM25 bag of the code's coded passages, its top terms and how many quotes. */
  centroid: Record<string, number> | null;
  topTerms: string[];
  quotes: number;
  /** Every third coded passage, set aside to estimate how many of its like the code would reach. */
  heldOut: Array<{ bow: Record<string, number>; text: string }>;
};

/** Fewer coded passages than this and a held-out estimate says nothing. */
const MIN_EXAMPLES_FOR_ESTIMATE = 6;
const HELD_OUT_PER_CODE = 100;
/** A passage is scored for a code only when it shares one of the code's strongest centroid terms. */
const TOP_TERMS = 25;

/**
 * How far a code's suggestions reach, estimated in the run: each held-out coded passage is scored
 * against the code's centroid without it, as an uncoded passage would be; it is reached when that
 * similarity (or a keyword rule) would suggest the code there.
 */
export type CodeReach = { codeId: string; codedPassages: number; heldOut: number; reached: number };

export type SuggestionsProgress = { done: number; total: number; label: string };

/** Keeps the best `size` suggestions of one code while the run streams through the corpus. */
class BestSuggestions {
  private items: Suggestion[] = [];
  constructor(private readonly size: number) {}

  add(suggestion: Suggestion): void {
    this.items.push(suggestion);
    if (this.items.length >= this.size * 2) this.items = this.sorted();
  }

  sorted(): Suggestion[] {
    return this.items.sort(bySuggestionRank).slice(0, this.size);
  }
}

function bySuggestionRank(a: Suggestion, b: Suggestion): number {
  return b.score - a.score || a.sourceId.localeCompare(b.sourceId) || a.start - b.start;
}

function sentimentOf(text: string): number {
  const nlp = getNlp();
  return Number(nlp.readDoc(text).out(nlp.its.sentiment)) || 0;
}

/** The codes to suggest for (all active ones, or the one named) with their keyword rules and polarity. */
function buildCodeRules(codes: Code[], keywords: Keyword[]): CodeRules[] {
  return codes.map((code) => {
    const definitionText = `${code.name} ${code.definition} ${code.inclusion}`.toLowerCase();
    const keywordRules = keywords.filter((keyword) =>
      [keyword.term, ...keyword.synonyms].some((term) =>
        definitionText.includes(term.toLowerCase().replace(/\*$/, "")),
      ),
    );
    const nameTerms = contentTerms(code.name).filter((term) => term.length > 3);
    const rules = [
      ...keywordRules,
      ...(nameTerms.length
        ? [
            {
              id: "name",
              term: nameTerms.join(" "),
              synonyms: nameTerms.length > 1 ? nameTerms : [],
            },
          ]
        : []),
    ];
    return {
      code,
      keywordMatcher: rules.length ? buildKeywordMatcher(rules) : null,
      keywordSource: keywordRules.length
        ? "the project keywords in the code's definition"
        : "the code's name",
      // A code whose own name and definition read negative ("Frustration") only gets negative passages.
      polarity: code.affective ? Math.sign(sentimentOf(`${code.name}. ${code.definition}`)) : 0,
      centroid: null,
      topTerms: [],
      quotes: 0,
      heldOut: [],
    };
  });
}

type PostRow = {
  seq: number;
  id: string;
  source_id: string;
  title: string | null;
  text: string;
  language: string | null;
  data: string | null;
};

/** Visible posts with their stored annotation, in batches, up to `untilSeq` (the end of the first pass). */
async function* visiblePostBatches(
  db: Queryable,
  projectId: string,
  untilSeq?: number,
): AsyncGenerator<PostRow[]> {
  let after = 0;
  for (;;) {
    let query = visiblePosts(db, projectId)
      .leftJoin("annotations as a", "a.post_id", "p.id")
      .select(["p.seq", "p.id", "p.source_id", "p.title", "p.text", "p.language", "a.data"])
      .where("p.seq", ">", after)
      .orderBy("p.seq")
      .limit(POST_BATCH);
    if (untilSeq !== undefined) query = query.where("p.seq", "<=", untilSeq);
    const rows = await query.execute();
    if (rows.length === 0) return;
    after = Number(rows[rows.length - 1].seq);
    yield rows.map((row) => ({ ...row, seq: Number(row.seq) }));
    if (rows.length < POST_BATCH) return;
  }
}

type StoredSentence = { start: number; end: number; sentiment: number; terms?: string[] };

/**
 * The sentences of a stored annotation. Read without schema validation: a run reads every post twice,
 * the rows were written by annotateProject, and a row that does not look right is annotated again.
 */
function storedSentences(data: string | null): StoredSentence[] | null {
  if (!data) return null;
  try {
    const parsed: unknown = JSON.parse(data);
    if (!parsed || typeof parsed !== "object" || !("sentences" in parsed)) return null;
    const sentences: unknown = parsed.sentences;
    if (!Array.isArray(sentences)) return null;
    const valid = sentences.every(
      (sentence: { start?: unknown; end?: unknown; sentiment?: unknown; terms?: unknown }) =>
        typeof sentence?.start === "number" &&
        typeof sentence.end === "number" &&
        typeof sentence.sentiment === "number" &&
        (sentence.terms === undefined || Array.isArray(sentence.terms)),
    );
    return valid ? (sentences as StoredSentence[]) : null;
  } catch {
    return null;
  }
}

/** The texts of ordered, non-overlapping code point spans, walking the text once (long posts). */
function sliceSpans(text: string, spans: Array<{ start: number; end: number }>): string[] {
  let unit = 0;
  let point = 0;
  const advance = (target: number) => {
    while (point < target && unit < text.length) {
      const code = text.charCodeAt(unit);
      unit += code >= 0xd800 && code <= 0xdbff && unit + 1 < text.length ? 2 : 1;
      point++;
    }
    return unit;
  };
  return spans.map((span) => {
    if (span.start < point) return sliceCodePoints(text, span.start, span.end);
    const from = advance(span.start);
    return text.slice(from, advance(span.end));
  });
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The name a source came with: the platform's post id, or for a text source brought from a REFI-QDA
 * project (whose id there is a GUID nobody reads) the source's name, which the import kept as its title.
 */
function sourceNameOf(post: Pick<PostRow, "source_id" | "title">): string {
  return GUID.test(post.source_id) && post.title ? post.title : post.source_id;
}

/** Sentences of English posts (from the stored annotation, or read now), whole posts otherwise. */
function passagesOf(post: PostRow): Passage[] {
  const english = usesEnglishModel(post.language);
  if (!english) {
    const end = codePointLength(post.text);
    const whole = {
      sourceId: post.id,
      sourceName: sourceNameOf(post),
      start: 0,
      end,
      text: post.text,
    };
    return [{ ...whole, sentiment: 0, english, terms: null }];
  }
  const sentences = storedSentences(post.data) ?? annotateText(post.text).sentences;
  const texts = sliceSpans(post.text, sentences);
  return sentences.map((sentence, i) => ({
    sourceId: post.id,
    sourceName: sourceNameOf(post),
    start: sentence.start,
    end: sentence.end,
    text: texts[i],
    sentiment: sentence.sentiment,
    english,
    terms: sentence.terms ?? null,
  }));
}

/** A passage's content terms: stored with its annotation, or read now (annotations of older rows). */
const termsOf = (passage: Passage) => passage.terms ?? contentTerms(passage.text);

/** Coded passages of the given codes on visible sources (field notes, or posts of members still shown). */
function visibleCodings(db: Queryable, projectId: string, codeIds: string[]) {
  return db
    .selectFrom("codings as c")
    .where("c.project_id", "=", projectId)
    .where("c.code_id", "in", codeIds)
    .where((eb) =>
      eb.or([
        eb("c.source_type", "=", "fieldnote"),
        eb("c.source_id", "in", visiblePosts(db, projectId).select("p.id")),
      ]),
    );
}

/** Builds each code's centroid from its coded quotes, read in pages. */
async function learnCentroids(
  db: Queryable,
  projectId: string,
  rules: CodeRules[],
  bm25: StreamingBm25,
): Promise<void> {
  const byCode = new Map(rules.map((rule) => [rule.code.id, rule]));
  const sums = new Map<string, Record<string, number>>();
  let after = "";
  for (;;) {
    const rows = await visibleCodings(db, projectId, [...byCode.keys()])
      .select(["c.id", "c.code_id", "c.quote"])
      .where("c.id", ">", after)
      .orderBy("c.id")
      .limit(POST_BATCH)
      .execute();
    if (rows.length === 0) break;
    after = rows[rows.length - 1].id;
    for (const row of rows) {
      const rule = byCode.get(row.code_id);
      if (!rule) continue;
      rule.quotes++;
      const sum = sums.get(row.code_id) ?? {};
      const bow = bm25.bowOf(contentTerms(row.quote));
      for (const [term, weight] of Object.entries(bow)) sum[term] = (sum[term] ?? 0) + weight;
      sums.set(row.code_id, sum);
      if (rule.quotes % 3 === 0 && rule.heldOut.length < HELD_OUT_PER_CODE) {
        rule.heldOut.push({ bow, text: row.quote });
      }
    }
    if (rows.length < POST_BATCH) break;
  }
  for (const rule of rules) {
    const sum = sums.get(rule.code.id);
    if (!sum || rule.quotes === 0) continue;
    const centroid: Record<string, number> = {};
    for (const [term, weight] of Object.entries(sum)) centroid[term] = weight / rule.quotes;
    rule.centroid = centroid;
    rule.topTerms = Object.entries(centroid)
      .sort((a, b) => b[1] - a[1])
      .slice(0, TOP_TERMS)
      .map(([term]) => term);
  }
}

/** The held-out estimate of each code's reach (see CodeReach), once the centroids are learned. */
function estimateReach(rules: CodeRules[]): CodeReach[] {
  return rules.map((rule) => {
    const row = { codeId: rule.code.id, codedPassages: rule.quotes, heldOut: 0, reached: 0 };
    if (rule.quotes < MIN_EXAMPLES_FOR_ESTIMATE) return row;
    for (const held of rule.heldOut) {
      row.heldOut++;
      if (rule.keywordMatcher && rule.keywordMatcher.matches(held.text).length > 0) {
        row.reached++;
        continue;
      }
      if (!rule.centroid || !rule.topTerms.some((term) => term in held.bow)) continue;
      // The centroid as it would be without this passage: (mean · n − bow) / (n − 1).
      const without: Record<string, number> = {};
      for (const [term, mean] of Object.entries(rule.centroid)) {
        const weight = (mean * rule.quotes - (held.bow[term] ?? 0)) / (rule.quotes - 1);
        if (weight > 1e-9) without[term] = weight;
      }
      if (similarity.bow.cosine(held.bow, without) >= MIN_SIMILARITY) row.reached++;
    }
    return row;
  });
}

type CodedSpan = { codeId: string; start: number; end: number };

/** What is already coded on these posts (any coder), so suggestions never repeat a coding. */
async function codedSpansOf(
  db: Queryable,
  projectId: string,
  postIds: string[],
): Promise<Map<string, CodedSpan[]>> {
  const spans = new Map<string, CodedSpan[]>();
  for (let i = 0; i < postIds.length; i += ID_CHUNK) {
    const rows = await db
      .selectFrom("codings")
      .select(["code_id", "source_id", "start_cp", "end_cp"])
      .where("project_id", "=", projectId)
      .where("source_type", "=", "post")
      .where("source_id", "in", postIds.slice(i, i + ID_CHUNK))
      .execute();
    for (const row of rows) {
      const list = spans.get(row.source_id) ?? [];
      list.push({ codeId: row.code_id, start: Number(row.start_cp), end: Number(row.end_cp) });
      spans.set(row.source_id, list);
    }
  }
  return spans;
}

/**
 * The suggestions of the given codes over the visible corpus, best `perCode` of each code, computed by
 * streaming the posts twice when a code has coded passages (document frequencies first, then scoring),
 * once otherwise. Decided suggestions and passages already coded with the code are left out.
 */
async function collectSuggestions({
  db,
  projectId,
  codes,
  keywords,
  perCode,
  onProgress,
}: {
  db: Queryable;
  projectId: string;
  codes: Code[];
  keywords: Keyword[];
  perCode: number;
  onProgress?: (progress: SuggestionsProgress) => void;
}): Promise<{ suggestions: Suggestion[]; reach: CodeReach[] }> {
  if (codes.length === 0) return { suggestions: [], reach: [] };
  const rules = buildCodeRules(codes, keywords);
  const decided = new Set(
    (
      await db
        .selectFrom("suggestion_decisions")
        .select("suggestion_id")
        .where("project_id", "=", projectId)
        .execute()
    ).map((row) => row.suggestion_id),
  );
  const extent = await visiblePosts(db, projectId)
    .select((eb) => [eb.fn.countAll<number>().as("posts"), eb.fn.max("p.seq").as("last")])
    .executeTakeFirstOrThrow();
  const total = Number(extent.posts);
  // Posts imported while the run goes are left for the next run: both passes see the same posts.
  const untilSeq = extent.last === null ? 0 : Number(extent.last);
  const codeIds = codes.map((code) => code.id);
  const coded = await visibleCodings(db, projectId, codeIds)
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  const withSimilarity = Number(coded.n) > 0;
  const passes = withSimilarity ? 2 : 1;
  let done = 0;
  const report = (label: string) => onProgress?.({ done, total: total * passes, label });

  // (a) Similar passages need BM25 weights over all English passages: a first pass learns them.
  const bm25 = new StreamingBm25();
  if (withSimilarity) {
    for await (const posts of visiblePostBatches(db, projectId, untilSeq)) {
      for (const post of posts) {
        for (const passage of passagesOf(post)) if (passage.english) bm25.learn(termsOf(passage));
      }
      done += posts.length;
      report(`Learning term weights: ${done} of ${total} posts`);
    }
    if (bm25.learned > 0) {
      bm25.freeze();
      await learnCentroids(db, projectId, rules, bm25);
    }
  }
  const byTopTerm = new Map<string, CodeRules[]>();
  for (const rule of rules) {
    for (const term of rule.topTerms) byTopTerm.set(term, [...(byTopTerm.get(term) ?? []), rule]);
  }

  const best = new Map(rules.map((rule) => [rule.code.id, new BestSuggestions(perCode)]));
  let scored = 0;
  for await (const posts of visiblePostBatches(db, projectId, untilSeq)) {
    const codedSpans = await codedSpansOf(
      db,
      projectId,
      posts.map((post) => post.id),
    );
    for (const post of posts) {
      const spans = codedSpans.get(post.id) ?? [];
      for (const passage of passagesOf(post)) {
        const push = (kind: SuggestionKind, rule: CodeRules, score: number, reason: string) => {
          const codeId = rule.code.id;
          if (
            spans.some(
              (span) =>
                span.codeId === codeId && span.start < passage.end && passage.start < span.end,
            )
          )
            return;
          const id = suggestionId(kind, codeId, passage.sourceId, passage.start, passage.end);
          if (decided.has(id)) return;
          best.get(codeId)?.add({
            id,
            kind,
            sourceType: "post",
            sourceId: passage.sourceId,
            sourceName: passage.sourceName,
            start: passage.start,
            end: passage.end,
            codeId,
            codeName: rule.code.name,
            score: Math.round(score * 1000) / 1000,
            reason,
            quote: passage.text,
          });
        };
        if (passage.english && byTopTerm.size > 0) {
          const terms = termsOf(passage);
          const candidates = new Set(terms.flatMap((term) => byTopTerm.get(term) ?? []));
          if (candidates.size > 0) {
            const bow = bm25.bowOf(terms);
            for (const rule of candidates) {
              const score = similarity.bow.cosine(bow, rule.centroid ?? {});
              if (score < MIN_SIMILARITY) continue;
              const shared = rule.topTerms.filter((term) => terms.includes(term)).slice(0, 4);
              const plural = rule.quotes === 1 ? "" : "s";
              push(
                "similar",
                rule,
                score,
                `Similar to ${rule.quotes} passage${plural} coded "${rule.code.name}" ` +
                  `(BM25 cosine ${score.toFixed(2)}; shared terms: ${shared.join(", ")})`,
              );
            }
          }
        }
        // (b) Keyword rules: the code's own name and definition terms, plus project keywords they mention.
        for (const rule of rules) {
          if (!rule.keywordMatcher) continue;
          const matched = [...new Set(rule.keywordMatcher.matches(passage.text))];
          if (matched.length === 0) continue;
          // Rule matches are blunter than similarity to coded passages: they rank below strong similarity.
          push(
            "keyword",
            rule,
            Math.min(0.6, 0.2 + 0.1 * matched.length),
            `Mentions ${matched.map((m) => `"${m}"`).join(", ")} (keyword rule from ${rule.keywordSource})`,
          );
        }
        // (c) Strong sentiment, for codes the researcher marked affective.
        if (passage.english && Math.abs(passage.sentiment) >= STRONG_SENTIMENT) {
          for (const rule of rules) {
            if (!rule.code.affective) continue;
            if (rule.polarity !== 0 && Math.sign(passage.sentiment) !== rule.polarity) continue;
            const tone = passage.sentiment > 0 ? "positive" : "negative";
            push(
              "sentiment",
              rule,
              0.5 * Math.abs(passage.sentiment),
              `Strong ${tone} sentiment (${passage.sentiment.toFixed(2)}) for the affective code "${rule.code.name}"`,
            );
          }
        }
      }
    }
    done += posts.length;
    scored += posts.length;
    report(`Scoring passages: ${scored} of ${total} posts`);
  }
  return {
    suggestions: [...best.values()]
      .flatMap((collector) => collector.sorted())
      .sort(bySuggestionRank),
    reach: estimateReach(rules),
  };
}

/** The active codes (or the one named: a name not in the codebook is an error) and the project keywords. */
async function readCodesAndKeywords(store: DocumentStore, slug: string, codeName?: string) {
  const [codebook, objectives] = await Promise.all([
    store.read(codebookFile, projectKeys.codebook(slug)),
    store.read(objectivesFile, projectKeys.objectives(slug)),
  ]);
  const active = codebook.codes.filter((code) => !code.mergedInto);
  let codes = active;
  if (codeName) {
    codes = active.filter((code) => code.name.toLowerCase() === codeName.toLowerCase());
    if (codes.length === 0) {
      throw new ResearchError("not-found", `No code named "${codeName}" in the codebook.`, {
        field: "code",
      });
    }
  }
  return { codes, active, keywords: objectives.keywords };
}

/**
 * Suggestions the researcher accepts or rejects, computed now (the CLI's `netno suggest`); none is ever
 * applied silently. Three kinds, each saying why: passages similar (BM25 cosine) to what a code already
 * covers; keyword rules from the project keywords and the code's name and definition; strong-sentiment
 * sentences for codes marked affective. Posts not in English get only keyword suggestions, which do not
 * depend on the English model. Pages read a stored run instead (`listSuggestions`).
 */
export async function computeSuggestions({
  store,
  slug,
  codeName,
  limit = 200,
  onProgress,
}: {
  store: DocumentStore;
  slug: string;
  codeName?: string;
  limit?: number;
  onProgress?: (progress: SuggestionsProgress) => void;
}): Promise<Suggestion[]> {
  const { db, projectId } = await projectSql({ store, slug });
  const { codes, keywords } = await readCodesAndKeywords(store, slug, codeName);
  const { suggestions } = await collectSuggestions({
    db,
    projectId,
    codes,
    keywords,
    perCode: limit,
    onProgress,
  });
  return fairShare(suggestions, limit);
}

/**
 * The best `limit` suggestions with every code getting its turn: codes take one suggestion each, best
 * first, round after round, and the chosen ones are then ordered best first. Cutting the ranked list
 * instead would give the limit to the one or two codes whose passages score highest and leave codes
 * with many coded examples without a single suggestion.
 */
export function fairShare(ranked: Suggestion[], limit: number): Suggestion[] {
  if (ranked.length <= limit) return ranked;
  const byCode = new Map<string, Suggestion[]>();
  for (const suggestion of ranked) {
    byCode.set(suggestion.codeId, [...(byCode.get(suggestion.codeId) ?? []), suggestion]);
  }
  const queues = [...byCode.values()];
  const chosen: Suggestion[] = [];
  for (let round = 0; chosen.length < limit; round++) {
    const before = chosen.length;
    for (const queue of queues) {
      if (chosen.length === limit) break;
      if (round < queue.length) chosen.push(queue[round]);
    }
    if (chosen.length === before) break;
  }
  return chosen.sort(bySuggestionRank);
}

export type SuggestionsRunReport = {
  runId: string;
  suggestions: number;
  codes: number;
  annotated: number;
  computedAt: string;
  /** What the corpus showed when the run began (getCorpusRevision): a page can tell the run is stale. */
  corpusRevision: string;
  /** Per code, the held-out estimate of its reach (runs before this field have none). */
  reach?: CodeReach[];
};

/**
 * Computes suggestions for every active code and stores them as the project's run (`suggestions` table),
 * replacing the previous run in the same transaction, so a page always reads one whole run. New posts
 * are annotated first, so the run and later pages reuse their annotations. Runs as a background job.
 */
export async function runSuggestions({
  store,
  slug,
  onProgress,
}: {
  store: DocumentStore;
  slug: string;
  onProgress?: (progress: SuggestionsProgress) => void;
}): Promise<SuggestionsRunReport> {
  const { database, db, projectId } = await projectSql({ store, slug });
  const corpusRevision = await getCorpusRevision({ store, slug });
  const annotation = await annotateProject({
    store,
    slug,
    onProgress: ({ done, total }) =>
      onProgress?.({ done, total, label: `Annotating new posts: ${done} of ${total}` }),
  });
  const { codes, keywords } = await readCodesAndKeywords(store, slug);
  const { suggestions, reach } = await collectSuggestions({
    db,
    projectId,
    codes,
    keywords,
    perCode: STORED_PER_CODE,
    onProgress,
  });
  const runId = newId();
  onProgress?.({
    done: 0,
    total: suggestions.length,
    label: `Storing ${suggestions.length} suggestions`,
  });
  await inTransaction(
    database,
    async (trx) => {
      await trx.deleteFrom("suggestions").where("project_id", "=", projectId).execute();
      // 12 columns a row: chunks stay far below either engine's limit on bound parameters.
      for (let i = 0; i < suggestions.length; i += 400) {
        await trx
          .insertInto("suggestions")
          .values(
            suggestions.slice(i, i + 400).map((s) => ({
              id: s.id,
              project_id: projectId,
              run_id: runId,
              kind: s.kind,
              code_id: s.codeId,
              source_id: s.sourceId,
              source_name: s.sourceName,
              start_cp: s.start,
              end_cp: s.end,
              score: s.score,
              reason: s.reason,
              quote: s.quote,
            })),
          )
          .execute();
      }
    },
    { lockKey: `suggestions:${projectId}` },
  );
  return {
    runId,
    suggestions: suggestions.length,
    codes: codes.length,
    annotated: annotation.annotated,
    computedAt: nowIso(),
    corpusRevision,
    reach,
  };
}

// ---------------------------------------------------------------------------------------------------
// The stored run
// ---------------------------------------------------------------------------------------------------

/**
 * The stored suggestions still pending: in the current run, of an active code, on a post whose author is
 * still shown (an opt-out after the run hides them), neither decided nor coded since.
 */
function pendingSuggestions(db: Queryable, projectId: string, activeCodeIds: string[]) {
  return visiblePosts(db, projectId)
    .innerJoin("suggestions as s", (join) =>
      join.onRef("s.source_id", "=", "p.id").on("s.project_id", "=", projectId),
    )
    .where("s.code_id", "in", activeCodeIds.length ? activeCodeIds : [""])
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom("suggestion_decisions as d")
            .select("d.suggestion_id")
            .where("d.project_id", "=", projectId)
            .whereRef("d.suggestion_id", "=", "s.id"),
        ),
      ),
    )
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom("codings as c")
            .select("c.id")
            .where("c.project_id", "=", projectId)
            .where("c.source_type", "=", "post")
            .whereRef("c.source_id", "=", "s.source_id")
            .whereRef("c.code_id", "=", "s.code_id")
            .whereRef("c.start_cp", "<", "s.end_cp")
            .whereRef("c.end_cp", ">", "s.start_cp"),
        ),
      ),
    );
}

export type SuggestionsPage = {
  /** Whether any run was stored yet (a finished run may hold no suggestion). */
  computed: boolean;
  total: number;
  suggestions: PendingSuggestion[];
};

/** One page of the stored run's pending suggestions, best first, optionally for one code. */
export async function listSuggestions({
  store,
  slug,
  codeName,
  offset = 0,
  limit = 50,
}: {
  store: DocumentStore;
  slug: string;
  codeName?: string;
  offset?: number;
  limit?: number;
}): Promise<SuggestionsPage> {
  const { db, projectId } = await projectSql({ store, slug });
  const { codes, active } = await readCodesAndKeywords(store, slug, codeName);
  const names = new Map(active.map((code) => [code.id, code.name]));
  const [run, count, rows] = await Promise.all([
    db
      .selectFrom("suggestions")
      .select("run_id")
      .where("project_id", "=", projectId)
      .limit(1)
      .executeTakeFirst(),
    pendingSuggestions(
      db,
      projectId,
      codes.map((code) => code.id),
    )
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow(),
    pendingSuggestions(
      db,
      projectId,
      codes.map((code) => code.id),
    )
      .select([
        "s.id",
        "s.kind",
        "s.code_id",
        "s.source_id",
        "s.source_name",
        "s.start_cp",
        "s.end_cp",
        "s.score",
        "s.reason",
        "s.quote",
        "p.thread_id",
        "m.pseudonym",
      ])
      .orderBy("s.score", "desc")
      .orderBy("s.source_id")
      .orderBy("s.start_cp")
      .orderBy("s.id")
      .limit(limit)
      .offset(offset)
      .execute(),
  ]);
  return {
    computed: run !== undefined || (await getLatestRunJob(store, slug)) !== null,
    total: Number(count.n),
    suggestions: rows.map((row) => ({
      id: row.id,
      kind: toKind(row.kind),
      sourceType: "post",
      sourceId: row.source_id,
      sourceName: row.source_name,
      start: Number(row.start_cp),
      end: Number(row.end_cp),
      codeId: row.code_id,
      codeName: names.get(row.code_id) ?? "",
      score: Number(row.score),
      reason: row.reason,
      quote: row.quote,
      threadId: row.thread_id,
      author: row.pseudonym ?? "[deleted]",
    })),
  };
}

async function getLatestRunJob(store: DocumentStore, slug: string) {
  const job = await getLatestJob<SuggestionsRunReport>({ store, slug, kind: SUGGESTIONS_JOB });
  return job?.state === "done" ? job : null;
}

/**
 * Accepts or rejects stored suggestions (one or many). Accepting applies the code to the passage as the
 * researcher's own coding (through the coding module, which checks the span and keeps the quote); every
 * decision is kept (one per suggestion) so precision can be reported. Codings and decisions are one
 * transaction, and suggestions are checked to be still pending inside it, so two people deciding the
 * same suggestion at once make one decision.
 */
export async function decideSuggestions({
  store,
  slug,
  suggestionIds,
  decision,
  userId,
}: {
  store: DocumentStore;
  slug: string;
  suggestionIds: string[];
  decision: "accepted" | "rejected";
  userId: string;
}): Promise<number> {
  await requireCapability({ store, slug, userId, capability: "code" });
  const { database, projectId } = await projectSql({ store, slug });
  const { active } = await readCodesAndKeywords(store, slug);
  const activeIds = active.map((code) => code.id);
  const ids = [...new Set(suggestionIds)];
  const decided = await inTransaction(
    database,
    async (trx) => {
      const chosen: Array<{
        id: string;
        kind: string;
        code_id: string;
        source_id: string;
        start_cp: number;
        end_cp: number;
        score: number;
      }> = [];
      for (let i = 0; i < ids.length; i += ID_CHUNK) {
        const rows = await pendingSuggestions(trx, projectId, activeIds)
          .select([
            "s.id",
            "s.kind",
            "s.code_id",
            "s.source_id",
            "s.start_cp",
            "s.end_cp",
            "s.score",
          ])
          .where("s.id", "in", ids.slice(i, i + ID_CHUNK))
          .execute();
        chosen.push(...rows);
      }
      if (chosen.length === 0) return chosen;
      if (decision === "accepted") {
        const span = (row: (typeof chosen)[number]) => ({
          sourceType: "post" as const,
          sourceId: row.source_id,
          start: Number(row.start_cp),
          end: Number(row.end_cp),
        });
        await addCodingsIn(
          trx,
          projectId,
          chosen.map((row) => ({ span: span(row), codeId: row.code_id, coderId: userId })),
        );
      }
      const at = nowIso();
      for (let i = 0; i < chosen.length; i += 400) {
        await trx
          .insertInto("suggestion_decisions")
          .values(
            chosen.slice(i, i + 400).map((row) => ({
              suggestion_id: row.id,
              project_id: projectId,
              kind: row.kind,
              code_id: row.code_id,
              source_id: row.source_id,
              start_cp: Number(row.start_cp),
              end_cp: Number(row.end_cp),
              score: Number(row.score),
              decision,
              decided_by: userId,
              at,
            })),
          )
          .onConflict((conflict) => conflict.columns(["project_id", "suggestion_id"]).doNothing())
          .execute();
      }
      return chosen;
    },
    // On PostgreSQL two deciders of one project take turns, so the second sees the first's decision.
    { lockKey: `suggestions:${projectId}` },
  );
  if (decided.length === 0)
    throw new ResearchError("not-found", "Those suggestions are no longer pending.");
  return decided.length;
}

export type SuggestionPrecision = {
  codeId: string;
  codeName: string;
  accepted: number;
  rejected: number;
  precision: number | null;
  byKind: Record<SuggestionKind, { accepted: number; rejected: number }>;
};

/** How often suggestions were right, per code and kind: accepted / (accepted + rejected). */
export async function suggestionPrecision({
  store,
  slug,
}: {
  store: DocumentStore;
  slug: string;
}): Promise<SuggestionPrecision[]> {
  const { db, projectId } = await projectSql({ store, slug });
  const [codebook, counts] = await Promise.all([
    store.read(codebookFile, projectKeys.codebook(slug)),
    db
      .selectFrom("suggestion_decisions")
      .select(["code_id", "kind", "decision", (eb) => eb.fn.countAll<number>().as("n")])
      .where("project_id", "=", projectId)
      .groupBy(["code_id", "kind", "decision"])
      .orderBy("code_id")
      .execute(),
  ]);
  const names = new Map(codebook.codes.map((code) => [code.id, code.name]));
  const rows = new Map<string, SuggestionPrecision>();
  for (const count of counts) {
    const row = rows.get(count.code_id) ?? {
      codeId: count.code_id,
      codeName: names.get(count.code_id) ?? "(deleted code)",
      accepted: 0,
      rejected: 0,
      precision: null,
      byKind: {
        similar: { accepted: 0, rejected: 0 },
        keyword: { accepted: 0, rejected: 0 },
        sentiment: { accepted: 0, rejected: 0 },
      },
    };
    const n = Number(count.n);
    const decision = count.decision === "accepted" ? "accepted" : "rejected";
    row[decision] += n;
    row.byKind[toKind(count.kind)][decision] += n;
    row.precision = row.accepted / (row.accepted + row.rejected);
    rows.set(count.code_id, row);
  }
  return [...rows.values()];
}

export type SuggestionCoverage = {
  codeId: string;
  codeName: string;
  /** Passages coded with the code on what is visible now. */
  codedPassages: number;
  /** Suggestions of the stored run still waiting for a decision. */
  pending: number;
  /** The last run's held-out estimate; null before a run, or with too few coded passages. */
  heldOut: { tested: number; reached: number } | null;
};

/**
 * Per active code, how far suggestions reach: what is coded, what the stored run still suggests, and
 * the run's held-out estimate. Read by counting queries, never by computing suggestions.
 */
export async function suggestionCoverage({
  store,
  slug,
}: {
  store: DocumentStore;
  slug: string;
}): Promise<SuggestionCoverage[]> {
  const { db, projectId } = await projectSql({ store, slug });
  const [codebook, job] = await Promise.all([
    store.read(codebookFile, projectKeys.codebook(slug)),
    getLatestRunJob(store, slug),
  ]);
  const active = codebook.codes.filter((code) => !code.mergedInto);
  const codeIds = active.map((code) => code.id);
  if (codeIds.length === 0) return [];
  const [coded, pending] = await Promise.all([
    visibleCodings(db, projectId, codeIds)
      .select(["c.code_id", (eb) => eb.fn.countAll<number>().as("n")])
      .groupBy("c.code_id")
      .execute(),
    pendingSuggestions(db, projectId, codeIds)
      .select(["s.code_id", (eb) => eb.fn.countAll<number>().as("n")])
      .groupBy("s.code_id")
      .execute(),
  ]);
  const codedBy = new Map(coded.map((row) => [row.code_id, Number(row.n)]));
  const pendingBy = new Map(pending.map((row) => [row.code_id, Number(row.n)]));
  const reachBy = new Map((job?.report?.reach ?? []).map((row) => [row.codeId, row]));
  return active.map((code) => {
    const reach = reachBy.get(code.id);
    return {
      codeId: code.id,
      codeName: code.name,
      codedPassages: codedBy.get(code.id) ?? 0,
      pending: pendingBy.get(code.id) ?? 0,
      heldOut:
        reach && reach.heldOut > 0 ? { tested: reach.heldOut, reached: reach.reached } : null,
    };
  });
}

// ---------------------------------------------------------------------------------------------------
// The background job
// ---------------------------------------------------------------------------------------------------

export const SUGGESTIONS_JOB = "suggest";
export type SuggestionsJob = BackgroundJob<SuggestionsRunReport>;

/**
 * Starts computing suggestions in a background process (`netno suggest-run`), or returns the run already
 * going for this project: one run at a time is enough, and each would replace the other's results.
 */
export async function startSuggestionsJob({
  store,
  dataDir,
  slug,
  userId,
}: {
  store: DocumentStore;
  dataDir: string;
  slug: string;
  userId: string;
}): Promise<SuggestionsJob> {
  await requireCapability({ store, slug, userId, capability: "code" });
  const latest = await getLatestJob<SuggestionsRunReport>({ store, slug, kind: SUGGESTIONS_JOB });
  if (latest?.state === "running") return latest;
  return startCliJob<SuggestionsRunReport>({
    kind: SUGGESTIONS_JOB,
    slug,
    userId,
    title: "Coding suggestions",
    args: ["suggest-run", slug],
    dataDir,
    store,
  });
}

/** The project's latest suggestions job (running, done or failed), or the one asked for by id. */
export async function getSuggestionsJob({
  store,
  slug,
  jobId,
}: {
  store: DocumentStore;
  slug: string;
  jobId?: string;
}): Promise<SuggestionsJob | null> {
  if (jobId) return getJob<SuggestionsRunReport>({ store, slug, jobId, kind: SUGGESTIONS_JOB });
  return getLatestJob<SuggestionsRunReport>({ store, slug, kind: SUGGESTIONS_JOB });
}
