import { createHash } from "node:crypto";
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

const STRONG_SENTIMENT = 0.5;
/** A stored run keeps the best suggestions of each code: more than anyone reviews, bounded per code. */
const STORED_PER_CODE = 500;
/** Posts read per query while computing: the run streams the corpus, never holding it. */
const POST_BATCH = 1_000;
const ID_CHUNK = 500;

// ---------------------------------------------------------------------------------------------------
// A naive Bayes model per code, streamed
// ---------------------------------------------------------------------------------------------------

/** How often each content term occurs over the corpus's English passages: learned in the first pass. */
class CorpusTermCounts {
  readonly counts = new Map<string, number>();
  total = 0;

  learn(terms: string[]): void {
    this.total += terms.length;
    for (const term of terms) this.counts.set(term, (this.counts.get(term) ?? 0) + 1);
  }

  get learned(): number {
    return this.total;
  }
}

/** The text coded with one code: term counts, and in how many coded passages each term occurs. */
type CodedText = { counts: Map<string, number>; passages: Map<string, number>; total: number };

function countsOf(terms: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const term of terms) counts.set(term, (counts.get(term) ?? 0) + 1);
  return counts;
}

/** How strongly the code's prior pulls toward the corpus, in terms (Dirichlet smoothing). */
const PRIOR_TERMS = 2_000;

/**
 * A code's multinomial naive Bayes model: each term weighs log P(term | code) / P(term | uncoded),
 * where "uncoded" is every English passage of the corpus not coded with the code and P(term | code) is
 * the coded text's frequency smoothed toward the uncoded one (a Dirichlet prior of PRIOR_TERMS terms),
 * so a term the coded passages never use weighs log(μ / (n + μ)) < 0 and a term common everywhere
 * about 0. A term speaks for the code only when at least two coded passages use it (one, when only
 * one passage is coded): a word of one example alone (a name, a formula) is not what the code is about.
 * A passage scores the sum of its terms' weights, the log-likelihood ratio of the code.
 */
class CodeModel {
  private readonly weights = new Map<string, number>();
  private readonly unseen: number;

  constructor(
    private readonly coded: CodedText,
    private readonly quotes: number,
    private readonly corpus: CorpusTermCounts,
  ) {
    this.unseen = Math.log(PRIOR_TERMS / (coded.total + PRIOR_TERMS));
    for (const term of coded.counts.keys()) this.weights.set(term, this.weight(term));
  }

  /** A term's weight; `without` leaves one coded passage out (the held-out estimate). */
  weight(term: string, without?: Map<string, number>): number {
    const left = without?.get(term) ?? 0;
    const count = (this.coded.counts.get(term) ?? 0) - left;
    const total = this.coded.total - (without ? sumOf(without) : 0);
    if (count <= 0) return Math.log(PRIOR_TERMS / (total + PRIOR_TERMS));
    const passages = (this.coded.passages.get(term) ?? 0) - (left > 0 ? 1 : 0);
    const uncodedTotal = Math.max(1, this.corpus.total - total);
    const uncoded = Math.max(0, (this.corpus.counts.get(term) ?? 0) - count);
    const background = (uncoded + 1) / (uncodedTotal + this.corpus.counts.size);
    const weight = Math.log(
      (count + PRIOR_TERMS * background) / (total + PRIOR_TERMS) / background,
    );
    const needed = Math.min(2, this.quotes - (without ? 1 : 0));
    return passages < needed ? Math.min(0, weight) : weight;
  }

  /** The terms that speak most for the code, most typical first: the candidates' index. */
  distinctive(limit: number): string[] {
    return [...this.weights]
      .filter(([, weight]) => weight > 0)
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, limit)
      .map(([term]) => term);
  }

  /** A passage's log-likelihood ratio for the code, and the terms that speak most for it. */
  score(terms: string[], without?: Map<string, number>): { score: number; evidence: string[] } {
    let score = 0;
    const seen = new Map<string, number>();
    for (const term of terms) {
      let weight = seen.get(term);
      if (weight === undefined) {
        weight = without ? this.weight(term, without) : (this.weights.get(term) ?? this.unseen);
        seen.set(term, weight);
      }
      score += weight;
    }
    const evidence = [...seen]
      .filter(([, weight]) => weight > 0)
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, 4)
      .map(([term]) => term);
    return { score, evidence };
  }

  /** The sum of a passage's term weights only (a post's whole text, as context for its passages). */
  sum(terms: string[]): number {
    let score = 0;
    for (const term of terms) score += this.weights.get(term) ?? this.unseen;
    return score;
  }
}

const sums = new WeakMap<Map<string, number>, number>();
function sumOf(counts: Map<string, number>): number {
  let sum = sums.get(counts);
  if (sum === undefined) {
    sum = 0;
    for (const count of counts.values()) sum += count;
    sums.set(counts, sum);
  }
  return sum;
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
  /** The project keywords the code's name or definition mention, as a keyword rule. */
  keywordMatcher: ReturnType<typeof buildKeywordMatcher> | null;
  polarity: number;
  /** The code's name as a keyword rule: for codes with too few coded passages to learn from. */
  nameMatcher: ReturnType<typeof buildKeywordMatcher> | null;
  /** Similarity: the code's model learned from its coded passages, its index terms, how many quotes. */
  coded: CodedText;
  model: CodeModel | null;
  topTerms: string[];
  quotes: number;
  /** Every third coded passage, set aside to estimate how many of its like the code would reach. */
  heldOut: Array<{ counts: Map<string, number>; sentences: string[][]; text: string }>;
};

/** Fewer coded passages than this and a held-out estimate says nothing. */
const MIN_EXAMPLES_FOR_ESTIMATE = 6;
const HELD_OUT_PER_CODE = 100;
/** A passage is scored for a code only when it has one of the code's most distinctive terms. */
const TOP_TERMS = 200;
/** From this many coded passages on, the code's model replaces its name as a keyword rule. */
const LEARNED_FROM = MIN_EXAMPLES_FOR_ESTIMATE;
/** How much the post a passage is in counts beside the passage itself (a sentence in a post on the code). */
const POST_CONTEXT = 0.5;

/**
 * How far a code's suggestions reach, estimated in the run: each held-out coded passage is scored by
 * the code's model learned without it, as an uncoded passage would be; it is reached when that score
 * (or a keyword rule) would suggest the code there.
 */
export type CodeReach = { codeId: string; codedPassages: number; heldOut: number; reached: number };

export type SuggestionsProgress = { done: number; total: number; label: string };

/**
 * Keeps the best `size` suggestions of one code while the run streams through the corpus, one per post
 * (its best passage): a code's list then reaches `size` posts instead of several sentences of a few.
 * A post's other passages come back in the next run if the one suggested is coded or rejected.
 */
class BestSuggestions {
  private items: Suggestion[] = [];
  constructor(private readonly size: number) {}

  add(suggestion: Suggestion): void {
    this.items.push(suggestion);
    if (this.items.length >= this.size * 2) this.items = this.sorted();
  }

  sorted(): Suggestion[] {
    const posts = new Set<string>();
    return this.items
      .sort(bySuggestionRank)
      .filter((item) => !posts.has(item.sourceId) && Boolean(posts.add(item.sourceId)))
      .slice(0, this.size);
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
    const nameRule = {
      id: "name",
      term: nameTerms.join(" "),
      synonyms: nameTerms.length > 1 ? nameTerms : [],
    };
    return {
      code,
      keywordMatcher: keywordRules.length ? buildKeywordMatcher(keywordRules) : null,
      nameMatcher: nameTerms.length ? buildKeywordMatcher([nameRule]) : null,
      // A code whose own name and definition read negative ("Frustration") only gets negative passages.
      polarity: code.affective ? Math.sign(sentimentOf(`${code.name}. ${code.definition}`)) : 0,
      coded: { counts: new Map(), passages: new Map(), total: 0 },
      model: null,
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

/** Learns each code's model from its coded quotes, read in pages. */
async function learnModels(
  db: Queryable,
  projectId: string,
  rules: CodeRules[],
  corpus: CorpusTermCounts,
): Promise<void> {
  const byCode = new Map(rules.map((rule) => [rule.code.id, rule]));
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
      const held = rule.quotes % 3 === 0 && rule.heldOut.length < HELD_OUT_PER_CODE;
      // A held-out quote is read by sentence, as the run reads passages.
      const sentences = held
        ? annotateText(row.quote).sentences.map((sentence) => sentence.terms ?? [])
        : [contentTerms(row.quote)];
      const counts = countsOf(sentences.flat());
      for (const [term, count] of counts) {
        rule.coded.counts.set(term, (rule.coded.counts.get(term) ?? 0) + count);
        rule.coded.passages.set(term, (rule.coded.passages.get(term) ?? 0) + 1);
        rule.coded.total += count;
      }
      if (held) rule.heldOut.push({ counts, sentences, text: row.quote });
    }
    if (rows.length < POST_BATCH) break;
  }
  for (const rule of rules) {
    if (rule.quotes === 0) continue;
    rule.model = new CodeModel(rule.coded, rule.quotes, corpus);
    rule.topTerms = rule.model.distinctive(TOP_TERMS);
  }
}

/**
 * The held-out estimate of each code's reach (see CodeReach), once the run has scored the corpus: a
 * held-out passage is reached when a keyword rule matches it, or when one of its sentences scores, by
 * the model learned without it, at least as high as the least of the code's kept suggestions (`cutoffs`:
 * none while fewer than the run keeps were found, then any positive score is enough).
 */
function estimateReach(rules: CodeRules[], cutoffs: Map<string, number>): CodeReach[] {
  return rules.map((rule) => {
    const row = { codeId: rule.code.id, codedPassages: rule.quotes, heldOut: 0, reached: 0 };
    if (rule.quotes < MIN_EXAMPLES_FOR_ESTIMATE) return row;
    const cutoff = cutoffs.get(rule.code.id) ?? 0;
    for (const held of rule.heldOut) {
      row.heldOut++;
      if (rule.keywordMatcher && rule.keywordMatcher.matches(held.text).length > 0) {
        row.reached++;
        continue;
      }
      const model = rule.model;
      if (!model || !rule.topTerms.some((term) => held.counts.has(term))) continue;
      const post = model.score(held.sentences.flat(), held.counts).score;
      const reached = held.sentences.some((terms) => {
        const own = model.score(terms, held.counts).score;
        return own > 0 && own + POST_CONTEXT * post >= cutoff;
      });
      if (reached) row.reached++;
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

  // (a) Similar passages need term frequencies over all English passages: a first pass learns them.
  const corpus = new CorpusTermCounts();
  if (withSimilarity) {
    for await (const posts of visiblePostBatches(db, projectId, untilSeq)) {
      for (const post of posts) {
        for (const passage of passagesOf(post)) if (passage.english) corpus.learn(termsOf(passage));
      }
      done += posts.length;
      report(`Learning term weights: ${done} of ${total} posts`);
    }
    if (corpus.learned > 0) await learnModels(db, projectId, rules, corpus);
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
      const passages = passagesOf(post);
      // A passage counts with the post it is in: the post's whole text scored by the code's model.
      const postScores = new Map<CodeRules, number>();
      const postScore = (rule: CodeRules, model: CodeModel) => {
        let score = postScores.get(rule);
        if (score === undefined) {
          score = model.sum(
            passages.flatMap((passage) => (passage.english ? termsOf(passage) : [])),
          );
          postScores.set(rule, score);
        }
        return score;
      };
      for (const passage of passages) {
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
          for (const rule of candidates) {
            if (!rule.model) continue;
            const { score, evidence } = rule.model.score(terms);
            if (score <= 0) continue;
            const inPost = postScore(rule, rule.model);
            const plural = rule.quotes === 1 ? "" : "s";
            push(
              "similar",
              rule,
              score + POST_CONTEXT * inPost,
              `Words typical of the ${rule.quotes} passage${plural} coded "${rule.code.name}": ` +
                `${evidence.join(", ")} (naive Bayes log-odds ${score.toFixed(2)}, its post ${inPost.toFixed(2)})`,
            );
          }
        }
        // (b) Keyword rules: project keywords the code's name or definition mention, and the code's own
        // name while too few passages are coded with it to learn from ("quantum" in a code named
        // "quantum-gate" is in every post of a quantum computing forum; its coded passages tell more).
        for (const rule of rules) {
          const fromKeywords = rule.keywordMatcher?.matches(passage.text) ?? [];
          const fromName =
            rule.nameMatcher && rule.quotes < LEARNED_FROM
              ? rule.nameMatcher.matches(passage.text)
              : [];
          const matched = [...new Set([...fromKeywords, ...fromName])];
          if (matched.length === 0) continue;
          const source = fromKeywords.length
            ? "the project keywords in the code's definition"
            : "the code's name";
          // Rule matches are blunter than similarity to coded passages: they rank below strong similarity.
          push(
            "keyword",
            rule,
            Math.min(0.6, 0.2 + 0.1 * matched.length),
            `Mentions ${matched.map((m) => `"${m}"`).join(", ")} (keyword rule from ${source})`,
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
  // Log-odds differ in scale from code to code: a similar passage's score is shown relative to the
  // code's best (1 for it), so codes are comparable and keyword and sentiment scores keep their meaning.
  const cutoffs = new Map<string, number>();
  const suggestions: Suggestion[] = [];
  for (const [codeId, collector] of best) {
    const kept = collector.sorted();
    if (kept.length === perCode && kept.length > 0)
      cutoffs.set(codeId, kept[kept.length - 1].score);
    const top = Math.max(0, ...kept.filter((s) => s.kind === "similar").map((s) => s.score));
    for (const suggestion of kept) {
      if (suggestion.kind === "similar")
        suggestion.score = Math.round((suggestion.score / top) * 1000) / 1000;
      suggestions.push(suggestion);
    }
  }
  return { suggestions: suggestions.sort(bySuggestionRank), reach: estimateReach(rules, cutoffs) };
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
 * applied silently. Three kinds, each saying why: passages like those a code already covers (ranked by
 * the code's naive Bayes model, see CodeModel, one per post, in posts that read like the code's too);
 * keyword rules from the project keywords the code's definition mentions and, while fewer than six
 * passages are coded with it, the code's name; strong-sentiment sentences for codes marked affective. Posts not in English get only keyword suggestions, which do not
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
