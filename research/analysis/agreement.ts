import { listCodings } from "../coding/codings.js";
import { codebookFile, type Coding } from "../coding/model.js";
import { loadVisibleCorpus } from "../collection/corpus.js";
import { projectKeys } from "../projects/model.js";
import { ResearchError } from "../shared/errors.js";
import type { DocumentStore } from "../store/index.js";
import { cohensKappa, krippendorffAlphaNominal, percentAgreement, type Rating } from "./agreement-statistics.js";

export type AgreementRow = { codeId: string | null; codeName: string; units: number; percentAgreement: number | null; cohensKappa: number | null; krippendorffAlpha: number | null };
export type Disagreement = { sourceId: string; sourceLabel: string; codeId: string; codeName: string; appliedBy: string[]; notAppliedBy: string[]; quotes: Array<{ coderId: string; quote: string }> };
export type AgreementReport = { coderIds: string[]; sampleSize: number; rows: AgreementRow[]; overall: AgreementRow; disagreements: Disagreement[] };

/**
 * Agreement between coders who coded the same sample independently. The sample is every source each
 * chosen coder coded at least once; the unit is a source and a code, valued 1 when the coder applied
 * the code anywhere in the source and 0 otherwise. Per code and overall (pooled over codes): percent
 * agreement, Cohen's kappa (exactly two coders) and Krippendorff's alpha (any number).
 */
export async function computeAgreement({ store, slug, coderIds }: { store: DocumentStore; slug: string; coderIds: string[] }): Promise<AgreementReport> {
  const coders = [...new Set(coderIds)];
  if (coders.length < 2) throw new ResearchError("invalid-input", "Choose at least two coders.", { field: "coderIds" });
  const [codings, codebook, corpus] = await Promise.all([listCodings({ store, slug }), store.read(codebookFile, projectKeys.codebook(slug)), loadVisibleCorpus({ store, slug })]);
  const byCoder = new Map<string, Coding[]>(coders.map((coder) => [coder, codings.filter((coding) => coding.coderId === coder)]));
  const sourcesOf = (coder: string) => new Set((byCoder.get(coder) ?? []).map((coding) => coding.sourceId));
  const sample = [...sourcesOf(coders[0])].filter((source) => coders.every((coder) => sourcesOf(coder).has(source))).sort();
  const codeIds = [...new Set(codings.filter((coding) => coders.includes(coding.coderId) && sample.includes(coding.sourceId)).map((coding) => coding.codeId))];
  const codeName = (id: string) => codebook.codes.find((code) => code.id === id)?.name ?? "(removed code)";
  const applied = (coder: string, source: string, code: string) => (byCoder.get(coder) ?? []).some((coding) => coding.sourceId === source && coding.codeId === code);

  const rowFor = (codeId: string | null, units: Array<{ source: string; code: string }>): AgreementRow => {
    const ratings: Rating[][] = coders.map((coder) => units.map((unit) => (applied(coder, unit.source, unit.code) ? 1 : 0)));
    const pairwise = coders.flatMap((_, i) => coders.slice(i + 1).map((__, j) => percentAgreement(ratings[i], ratings[i + 1 + j]))).filter((v): v is number => v !== null);
    return {
      codeId,
      codeName: codeId ? codeName(codeId) : "All codes",
      units: units.length,
      percentAgreement: pairwise.length ? pairwise.reduce((a, b) => a + b, 0) / pairwise.length : null,
      cohensKappa: coders.length === 2 ? cohensKappa(ratings[0], ratings[1]) : null,
      krippendorffAlpha: krippendorffAlphaNominal(ratings),
    };
  };
  const rows = codeIds.map((code) => rowFor(code, sample.map((source) => ({ source, code })))).sort((a, b) => a.codeName.localeCompare(b.codeName));
  const overall = rowFor(null, codeIds.flatMap((code) => sample.map((source) => ({ source, code }))));

  const disagreements: Disagreement[] = [];
  for (const source of sample) {
    for (const code of codeIds) {
      const yes = coders.filter((coder) => applied(coder, source, code));
      if (yes.length === 0 || yes.length === coders.length) continue;
      const post = corpus.postsById.get(source);
      disagreements.push({
        sourceId: source,
        sourceLabel: post ? `${corpus.threads.get(post.threadId)?.title ?? ""} (${post.memberId ? corpus.members.get(post.memberId)?.pseudonym : "[deleted]"})` : "field note",
        codeId: code,
        codeName: codeName(code),
        appliedBy: yes,
        notAppliedBy: coders.filter((coder) => !yes.includes(coder)),
        quotes: yes.flatMap((coder) => (byCoder.get(coder) ?? []).filter((c) => c.sourceId === source && c.codeId === code).map((c) => ({ coderId: coder, quote: c.quote }))),
      });
    }
  }
  return { coderIds: coders, sampleSize: sample.length, rows, overall, disagreements };
}
