import { createHash } from "node:crypto";
import { z } from "zod";
import BM25Vectorizer from "wink-nlp/utilities/bm25-vectorizer.js";
import similarity from "wink-nlp/utilities/similarity.js";
import { applyCode, listCodings } from "../coding/codings.js";
import { codebookFile, type Code } from "../coding/model.js";
import { loadVisibleCorpus } from "../collection/corpus.js";
import { objectivesFile } from "../objectives/model.js";
import { buildKeywordMatcher } from "../objectives/keywords.js";
import { projectKeys } from "../projects/model.js";
import { requireProject } from "../projects/projects.js";
import { ResearchError } from "../shared/errors.js";
import { nowIso } from "../shared/ids.js";
import { codePointLength, sliceCodePoints } from "../shared/text-offsets.js";
import type { DocumentStore, StoredFileKind } from "../store/index.js";
import { annotateText, contentTerms, usesEnglishModel, type Annotation } from "./annotate.js";
import { getNlp } from "./wink.js";

function sentimentOf(text: string): number {
  const nlp = getNlp();
  return Number(nlp.readDoc(text).out(nlp.its.sentiment)) || 0;
}
import { loadAnnotations } from "./annotations.js";

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

const DecisionSchema = z.object({
  suggestionId: z.string(), kind: z.enum(["similar", "keyword", "sentiment"]), codeId: z.string(), sourceId: z.string(),
  start: z.number().int(), end: z.number().int(), score: z.number(), decision: z.enum(["accepted", "rejected"]), decidedBy: z.string(), at: z.string(),
});
export type SuggestionDecision = z.infer<typeof DecisionSchema>;
const SuggestionsFileSchema = z.object({ decisions: z.array(DecisionSchema) });
const suggestionsFile: StoredFileKind<z.infer<typeof SuggestionsFileSchema>> = { description: "suggestion decisions", schema: SuggestionsFileSchema, version: 1, empty: () => ({ decisions: [] }) };
const suggestionsKey = (slug: string) => `projects/${slug}/suggestions.json`;

/** The same suggestion always gets the same id, so decisions stick across runs. */
function suggestionId(kind: string, codeId: string, sourceId: string, start: number, end: number): string {
  return createHash("sha1").update(`${kind}|${codeId}|${sourceId}|${start}|${end}`).digest("hex").slice(0, 20);
}

type Passage = { sourceId: string; sourceName: string; start: number; end: number; text: string; sentiment: number; english: boolean };

const MIN_SIMILARITY = 0.15;
const STRONG_SENTIMENT = 0.5;

/**
 * Suggestions the researcher accepts or rejects; none is ever applied silently. Three kinds, each saying
 * why: passages similar (BM25 cosine) to what a code already covers; keyword rules from the project
 * keywords and the code's name and definition; strong-sentiment sentences for codes marked affective.
 * Posts not in English get only keyword suggestions, which do not depend on the English model.
 */
export async function computeSuggestions({ store, slug, codeName, limit = 200 }: { store: DocumentStore; slug: string; codeName?: string; limit?: number }): Promise<Suggestion[]> {
  await requireProject({ store, slug });
  const [corpus, codebook, objectives, codings, decisions, stored] = await Promise.all([
    loadVisibleCorpus({ store, slug }),
    store.read(codebookFile, projectKeys.codebook(slug)),
    store.read(objectivesFile, projectKeys.objectives(slug)),
    listCodings({ store, slug }),
    store.read(suggestionsFile, suggestionsKey(slug)),
    loadAnnotations({ store, slug }),
  ]);
  let codes = codebook.codes.filter((code) => !code.mergedInto);
  if (codeName) {
    codes = codes.filter((code) => code.name.toLowerCase() === codeName.toLowerCase());
    if (codes.length === 0) throw new ResearchError("not-found", `No code named "${codeName}" in the codebook.`, { field: "code" });
  }
  const decided = new Set(decisions.decisions.map((decision) => decision.suggestionId));

  // Passages: sentences of English posts (from stored annotations, or annotated now), whole other posts.
  const passages: Passage[] = [];
  for (const post of corpus.posts) {
    const english = usesEnglishModel(post.language);
    if (!english) {
      passages.push({ sourceId: post.id, sourceName: post.sourceId, start: 0, end: codePointLength(post.text), text: post.text, sentiment: 0, english });
      continue;
    }
    const annotation: Annotation = stored.get(post.id) ?? annotateText(post.text);
    for (const sentence of annotation.sentences) {
      passages.push({ sourceId: post.id, sourceName: post.sourceId, start: sentence.start, end: sentence.end, text: sliceCodePoints(post.text, sentence.start, sentence.end), sentiment: sentence.sentiment, english });
    }
  }
  const codedBy = new Map<string, Array<{ sourceId: string; start: number; end: number }>>();
  for (const coding of codings) codedBy.set(coding.codeId, [...(codedBy.get(coding.codeId) ?? []), coding]);
  const alreadyCoded = (codeId: string, passage: Passage) =>
    (codedBy.get(codeId) ?? []).some((coding) => coding.sourceId === passage.sourceId && coding.start < passage.end && passage.start < coding.end);

  const suggestions: Suggestion[] = [];
  const push = (kind: SuggestionKind, code: Code, passage: Passage, score: number, reason: string) => {
    if (alreadyCoded(code.id, passage)) return;
    const id = suggestionId(kind, code.id, passage.sourceId, passage.start, passage.end);
    if (decided.has(id)) return;
    suggestions.push({ id, kind, sourceType: "post", sourceId: passage.sourceId, sourceName: passage.sourceName, start: passage.start, end: passage.end, codeId: code.id, codeName: code.name, score: Math.round(score * 1000) / 1000, reason, quote: passage.text });
  };

  // (a) Similar passages: BM25 over all English passages, compared with each code's centroid through an
  // inverted index, so only passages sharing terms with the code are scored.
  const englishPassages = passages.filter((passage) => passage.english);
  const codesWithData = codes.filter((code) => (codedBy.get(code.id) ?? []).length > 0);
  if (codesWithData.length > 0 && englishPassages.length > 0) {
    const bm25 = BM25Vectorizer();
    const terms = englishPassages.map((passage) => contentTerms(passage.text));
    for (const list of terms) bm25.learn(list);
    const index = new Map<string, number[]>();
    terms.forEach((list, i) => new Set(list).forEach((term) => index.set(term, [...(index.get(term) ?? []), i])));
    for (const code of codesWithData) {
      const quotes = codings.filter((coding) => coding.codeId === code.id).map((coding) => coding.quote);
      const centroid: Record<string, number> = {};
      for (const quote of quotes) for (const [term, weight] of Object.entries(bm25.bowOf(contentTerms(quote)))) centroid[term] = (centroid[term] ?? 0) + weight / quotes.length;
      const topTerms = Object.entries(centroid).sort((a, b) => b[1] - a[1]).slice(0, 25).map(([term]) => term);
      const candidates = new Set(topTerms.flatMap((term) => index.get(term) ?? []));
      for (const i of candidates) {
        const score = similarity.bow.cosine(bm25.bowOf(terms[i]), centroid);
        if (score >= MIN_SIMILARITY) {
          const shared = topTerms.filter((term) => terms[i].includes(term)).slice(0, 4);
          push("similar", code, englishPassages[i], score, `Similar to ${quotes.length} passage${quotes.length === 1 ? "" : "s"} coded "${code.name}" (BM25 cosine ${score.toFixed(2)}; shared terms: ${shared.join(", ")})`);
        }
      }
    }
  }

  // (b) Keyword rules: the code's own name and definition terms, plus project keywords they mention.
  for (const code of codes) {
    const definitionText = `${code.name} ${code.definition} ${code.inclusion}`.toLowerCase();
    const keywordRules = objectives.keywords.filter((keyword) => [keyword.term, ...keyword.synonyms].some((term) => definitionText.includes(term.toLowerCase().replace(/\*$/, ""))));
    const nameTerms = contentTerms(code.name).filter((term) => term.length > 3);
    const rules = [...keywordRules, ...(nameTerms.length ? [{ id: "name", term: nameTerms.join(" "), synonyms: nameTerms.length > 1 ? nameTerms : [] }] : [])];
    if (rules.length === 0) continue;
    const matcher = buildKeywordMatcher(rules);
    for (const passage of passages) {
      const matched = [...new Set(matcher.matches(passage.text))];
      if (matched.length === 0) continue;
      const source = keywordRules.length ? "the project keywords in the code's definition" : "the code's name";
      // Rule matches are blunter than similarity to coded passages: they rank below strong similarity.
      push("keyword", code, passage, Math.min(0.6, 0.2 + 0.1 * matched.length), `Mentions ${matched.map((m) => `"${m}"`).join(", ")} (keyword rule from ${source})`);
    }
  }

  // (c) Strong sentiment, for codes the researcher marked affective. A code whose own name and definition
  // read negative ("Frustration") only gets negative passages, and a positive one positive passages.
  for (const code of codes.filter((c) => c.affective)) {
    const polarity = Math.sign(sentimentOf(`${code.name}. ${code.definition}`));
    for (const passage of englishPassages) {
      if (Math.abs(passage.sentiment) < STRONG_SENTIMENT) continue;
      if (polarity !== 0 && Math.sign(passage.sentiment) !== polarity) continue;
      push("sentiment", code, passage, 0.5 * Math.abs(passage.sentiment), `Strong ${passage.sentiment > 0 ? "positive" : "negative"} sentiment (${passage.sentiment.toFixed(2)}) for the affective code "${code.name}"`);
    }
  }

  return suggestions.sort((a, b) => b.score - a.score || a.sourceId.localeCompare(b.sourceId) || a.start - b.start).slice(0, limit);
}

/**
 * Accepts or rejects suggestions (one or many). Accepting applies the code to the passage as the
 * researcher's own coding; every decision is kept so precision can be reported per code.
 */
export async function decideSuggestions({ store, slug, suggestionIds, decision, userId }: { store: DocumentStore; slug: string; suggestionIds: string[]; decision: "accepted" | "rejected"; userId: string }): Promise<number> {
  const pending = await computeSuggestions({ store, slug, limit: Number.MAX_SAFE_INTEGER });
  const chosen = pending.filter((suggestion) => suggestionIds.includes(suggestion.id));
  if (chosen.length === 0) throw new ResearchError("not-found", "Those suggestions are no longer pending.");
  for (const suggestion of chosen) {
    if (decision === "accepted") {
      await applyCode({ store, slug, coderId: userId, codeIds: [suggestion.codeId], span: { sourceType: "post", sourceId: suggestion.sourceId, start: suggestion.start, end: suggestion.end } });
    }
  }
  await store.update(suggestionsFile, suggestionsKey(slug), (data) => {
    for (const suggestion of chosen) {
      data.decisions.push({ suggestionId: suggestion.id, kind: suggestion.kind, codeId: suggestion.codeId, sourceId: suggestion.sourceId, start: suggestion.start, end: suggestion.end, score: suggestion.score, decision, decidedBy: userId, at: nowIso() });
    }
  });
  return chosen.length;
}

export type SuggestionPrecision = { codeId: string; codeName: string; accepted: number; rejected: number; precision: number | null; byKind: Record<SuggestionKind, { accepted: number; rejected: number }> };

/** How often suggestions were right, per code and kind: accepted / (accepted + rejected). */
export async function suggestionPrecision({ store, slug }: { store: DocumentStore; slug: string }): Promise<SuggestionPrecision[]> {
  const [decisions, codebook] = await Promise.all([store.read(suggestionsFile, suggestionsKey(slug)), store.read(codebookFile, projectKeys.codebook(slug))]);
  const rows = new Map<string, SuggestionPrecision>();
  for (const decision of decisions.decisions) {
    const code = codebook.codes.find((candidate) => candidate.id === decision.codeId);
    const row = rows.get(decision.codeId) ?? { codeId: decision.codeId, codeName: code?.name ?? "(deleted code)", accepted: 0, rejected: 0, precision: null, byKind: { similar: { accepted: 0, rejected: 0 }, keyword: { accepted: 0, rejected: 0 }, sentiment: { accepted: 0, rejected: 0 } } };
    row[decision.decision]++;
    row.byKind[decision.kind][decision.decision]++;
    row.precision = row.accepted / (row.accepted + row.rejected);
    rows.set(decision.codeId, row);
  }
  return [...rows.values()];
}
