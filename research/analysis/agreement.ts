import { visibleCodingRows } from "../coding/codings.js";
import { codingsInWholeSources } from "./coding-queries.js";
import { codebookFile } from "../coding/model.js";
import { getVisiblePostsIn, projectSql } from "../collection/corpus.js";
import { projectKeys } from "../projects/model.js";
import { ResearchError } from "../shared/errors.js";
import { cachedOffThread } from "./analysis-cache.js";
import type { DocumentStore, Queryable } from "../store/index.js";
import { binaryAgreement } from "./agreement-statistics.js";
import {
  brennanPredigerKappa,
  segmentPercentAgreement,
  segmentUnits,
  type SegmentUnit,
} from "./segment-agreement.js";

export type AgreementRow = {
  codeId: string | null;
  codeName: string;
  units: number;
  percentAgreement: number | null;
  cohensKappa: number | null;
  krippendorffAlpha: number | null;
};
export type Disagreement = {
  sourceId: string;
  sourceLabel: string;
  codeId: string;
  codeName: string;
  appliedBy: string[];
  notAppliedBy: string[];
  quotes: Array<{ coderId: string; quote: string }>;
};
/**
 * What one rating is about. "post": a source and a code, applied anywhere in the source or not.
 * "segment": a passage one coder or more marked with a code, matched across coders by overlap.
 */
export type AgreementUnit = "post" | "segment";
export const AGREEMENT_UNITS = ["post", "segment"] as const satisfies readonly AgreementUnit[];
/** MAXQDA's default: two coders' passages are one when they overlap by 90%. */
export const DEFAULT_MINIMUM_OVERLAP = 0.9;

export type AgreementReport = {
  unit: AgreementUnit;
  /** Intersection over union two passages need to count as one (segment unit only). */
  minimumOverlap: number | null;
  coderIds: string[];
  sampleSize: number;
  rows: AgreementRow[];
  overall: AgreementRow;
  /** Every unit the coders disagree on; `disagreements` lists the first of them (sorted by source). */
  disagreementCount: number;
  disagreements: Disagreement[];
};

/** How many disagreements a report lists with their sources and quotes (the page shows them to discuss). */
export const LISTED_DISAGREEMENTS = 100;

const sourceKey = (sourceType: string, sourceId: string) => `${sourceType}:${sourceId}`;

/**
 * Which coder applied which code to which source: the chosen coders' (source, code, coder) rows, read
 * once in batches of whole sources along the codings' index on source (keyset on the source, so a batch
 * costs its own rows, not a re-sort of every coding left), so memory holds one batch at a time. A
 * source one coder coded and another left without any code is in the sample: the second coder's "no
 * code here" is a rating, and leaving such sources out would count only the easy cases and inflate
 * kappa and alpha.
 */
function appliedTriples(db: Queryable, projectId: string, coders: string[]) {
  return codingsInWholeSources((after, limit) => {
    let query = visibleCodingRows(db, projectId)
      .where("c.coder_id", "in", coders)
      .select(["c.source_type", "c.source_id", "c.code_id", "c.coder_id"])
      .orderBy("c.source_type")
      .orderBy("c.source_id")
      .limit(limit);
    if (after)
      query = query.where((eb) =>
        eb(eb.refTuple("c.source_type", "c.source_id"), ">", eb.tuple(after[0], after[1])),
      );
    return query.execute();
  });
}

/**
 * Agreement between coders who coded the same sample independently. The sample is every source any
 * chosen coder coded; the unit is a source and a code, valued 1 when the coder applied the code
 * anywhere in the source and 0 otherwise (also when the coder gave the source no code at all). Per code and overall (pooled over codes): percent
 * agreement, Cohen's kappa (exactly two coders) and Krippendorff's alpha (any number). Kept per revision
 * of the codings and corpus (analysis-cache.ts) and computed on the analysis worker (off-thread.ts).
 */
export async function computeAgreement({
  store,
  slug,
  coderIds,
  unit = "post",
  minimumOverlap = DEFAULT_MINIMUM_OVERLAP,
  disagreementLimit = LISTED_DISAGREEMENTS,
}: {
  store: DocumentStore;
  slug: string;
  coderIds: string[];
  unit?: AgreementUnit;
  minimumOverlap?: number;
  /** How many disagreements to list with their sources and quotes (all are counted). */
  disagreementLimit?: number;
}): Promise<AgreementReport> {
  const coders = [...new Set(coderIds)];
  if (coders.length < 2) {
    throw new ResearchError("invalid-input", "Choose at least two coders.", { field: "coderIds" });
  }
  // Each coder is one bit of a unit's mask below.
  if (coders.length > 30) {
    throw new ResearchError("invalid-input", "Compare at most 30 coders at once.", {
      field: "coderIds",
    });
  }
  if (!(minimumOverlap > 0 && minimumOverlap <= 1)) {
    throw new ResearchError(
      "invalid-input",
      "The minimum overlap is a share between 1% and 100%.",
      {
        field: "minimumOverlap",
      },
    );
  }
  const choices: AgreementChoices = { coders, unit, minimumOverlap, disagreementLimit };
  // The codebook is read here, before the revision, so the key never names an older codebook than the one
  // the result was computed with (it gives the codes' names).
  const codebook = await store.read(codebookFile, projectKeys.codebook(slug));
  return cachedOffThread({
    store,
    slug,
    kind: "agreement",
    args: choices,
    dependsOn: [codebook.codes],
  });
}

/** What an agreement report is asked for, checked by computeAgreement. */
export type AgreementChoices = {
  coders: string[];
  unit: AgreementUnit;
  minimumOverlap: number;
  disagreementLimit: number;
};

/** Computes the report computeAgreement describes, on this thread and without its cache. */
export async function tallyAgreement({
  store,
  slug,
  coders,
  unit,
  minimumOverlap,
  disagreementLimit,
}: AgreementChoices & { store: DocumentStore; slug: string }): Promise<AgreementReport> {
  if (unit === "segment")
    return computeSegmentAgreement({ store, slug, coders, minimumOverlap, disagreementLimit });
  const { db, projectId } = await projectSql({ store, slug });
  const codebook = await store.read(codebookFile, projectKeys.codebook(slug));
  // source -> code -> bit mask of the coders (by position) who applied it there.
  const applied = new Map<string, Map<string, number>>();
  const codeIdSet = new Set<string>();
  const coderBit = new Map(coders.map((coder, i) => [coder, 1 << i]));
  for await (const rows of appliedTriples(db, projectId, coders)) {
    for (const row of rows) {
      const source = sourceKey(row.source_type, row.source_id);
      let codes = applied.get(source);
      if (!codes) applied.set(source, (codes = new Map()));
      codeIdSet.add(row.code_id);
      codes.set(row.code_id, (codes.get(row.code_id) ?? 0) | (coderBit.get(row.coder_id) ?? 0));
    }
  }
  const sample = [...applied.keys()].sort();
  const codeIds = [...codeIdSet];
  const codeName = (id: string) =>
    codebook.codes.find((code) => code.id === id)?.name ?? "(removed code)";
  // Per code, how many of its units (one per sampled source) carry each pattern of coders.
  const patterns = new Map(codeIds.map((code) => [code, new Map<number, number>()]));
  const all = (1 << coders.length) - 1;
  const disagreeing: Array<{ source: string; code: string; mask: number }> = [];
  for (const source of sample) {
    const codes = applied.get(source)!;
    for (const code of codeIds) {
      const mask = codes.get(code) ?? 0;
      if (mask === 0) continue;
      const counts = patterns.get(code)!;
      counts.set(mask, (counts.get(mask) ?? 0) + 1);
      if (mask !== all) disagreeing.push({ source, code, mask });
    }
  }
  const rowFor = (codeId: string | null, codes: string[]): AgreementRow => {
    const counts = new Map<number, number>();
    for (const code of codes)
      for (const [mask, count] of patterns.get(code)!)
        counts.set(mask, (counts.get(mask) ?? 0) + count);
    const units = codes.length * sample.length;
    return {
      codeId,
      codeName: codeId ? codeName(codeId) : "All codes",
      units,
      ...binaryAgreement({ coders: coders.length, units, counts }),
    };
  };
  const rows = codeIds
    .map((code) => rowFor(code, [code]))
    .sort((a, b) => a.codeName.localeCompare(b.codeName));
  const overall = rowFor(null, codeIds);

  const listed = disagreeing.slice(0, disagreementLimit);
  const details = await disagreementDetails(db, projectId, coders, listed);
  const disagreements = listed.map(({ source, code, mask }): Disagreement => {
    const [, sourceId] = splitKey(source);
    return {
      sourceId,
      sourceLabel: details.labels.get(source) ?? "field note",
      codeId: code,
      codeName: codeName(code),
      appliedBy: coders.filter((_, i) => mask & (1 << i)),
      notAppliedBy: coders.filter((_, i) => !(mask & (1 << i))),
      quotes: details.quotes.get(`${source}|${code}`) ?? [],
    };
  });
  return {
    unit: "post",
    minimumOverlap: null,
    coderIds: coders,
    sampleSize: sample.length,
    rows,
    overall,
    disagreementCount: disagreeing.length,
    disagreements,
  };
}

/**
 * Agreement on passages: every passage a chosen coder marked is a unit, agreed when every coder marked
 * the same code on an overlapping passage. A passage only one coder marked is a disagreement. Per code
 * and overall: percent agreement and, overall, the Brennan & Prediger kappa MAXQDA reports; kappa and
 * alpha per code need a "neither marked it" count that passages do not have, so they are left empty.
 */
async function computeSegmentAgreement({
  store,
  slug,
  coders,
  minimumOverlap,
  disagreementLimit,
}: {
  store: DocumentStore;
  slug: string;
  coders: string[];
  minimumOverlap: number;
  disagreementLimit: number;
}): Promise<AgreementReport> {
  const { db, projectId } = await projectSql({ store, slug });
  const codebook = await store.read(codebookFile, projectKeys.codebook(slug));
  const codeName = (id: string) =>
    codebook.codes.find((code) => code.id === id)?.name ?? "(removed code)";
  const masksByCode = new Map<string, number[]>();
  const sources = new Set<string>();
  const all = (1 << coders.length) - 1;
  const disagreeing: SegmentUnit[] = [];
  for await (const segment of segmentUnits(db, projectId, coders, minimumOverlap)) {
    sources.add(sourceKey(segment.sourceType, segment.sourceId));
    const masks = masksByCode.get(segment.codeId);
    if (masks) masks.push(segment.mask);
    else masksByCode.set(segment.codeId, [segment.mask]);
    if (segment.mask !== all) disagreeing.push(segment);
  }
  const rowFor = (codeId: string | null, masks: number[]): AgreementRow => ({
    codeId,
    codeName: codeId ? codeName(codeId) : "All codes",
    units: masks.length,
    percentAgreement: segmentPercentAgreement(masks, coders.length),
    cohensKappa: null,
    krippendorffAlpha: null,
  });
  const rows = [...masksByCode]
    .map(([code, masks]) => rowFor(code, masks))
    .sort((a, b) => a.codeName.localeCompare(b.codeName));
  const overall = rowFor(null, [...masksByCode.values()].flat());
  if (coders.length === 2) {
    overall.cohensKappa = brennanPredigerKappa(overall.percentAgreement, masksByCode.size);
  }
  const listed = disagreeing.slice(0, disagreementLimit);
  const postIds = [
    ...new Set(listed.filter((d) => d.sourceType === "post").map((d) => d.sourceId)),
  ];
  const posts = await getVisiblePostsIn(db, projectId, postIds);
  const disagreements = listed.map((segment): Disagreement => {
    const post = posts.get(segment.sourceId);
    return {
      sourceId: segment.sourceId,
      sourceLabel:
        segment.sourceType === "post" && post
          ? `${post.threadTitle} (${post.pseudonym ?? "[deleted]"})`
          : "field note",
      codeId: segment.codeId,
      codeName: codeName(segment.codeId),
      appliedBy: coders.filter((_, i) => segment.mask & (1 << i)),
      notAppliedBy: coders.filter((_, i) => !(segment.mask & (1 << i))),
      quotes: segment.quotes,
    };
  });
  return {
    unit: "segment",
    minimumOverlap,
    coderIds: coders,
    sampleSize: sources.size,
    rows,
    overall,
    disagreementCount: disagreeing.length,
    disagreements,
  };
}

function splitKey(key: string): [string, string] {
  const at = key.indexOf(":");
  return [key.slice(0, at), key.slice(at + 1)];
}

/** Labels of the disagreeing sources and the quotes of the codings in dispute: only those are read. */
async function disagreementDetails(
  db: Queryable,
  projectId: string,
  coders: string[],
  disagreeing: Array<{ source: string; code: string }>,
): Promise<{
  labels: Map<string, string>;
  quotes: Map<string, Array<{ coderId: string; quote: string }>>;
}> {
  const labels = new Map<string, string>();
  const quotes = new Map<string, Array<{ coderId: string; quote: string }>>();
  const wanted = new Set(disagreeing.map(({ source, code }) => `${source}|${code}`));
  const sourceIds = [...new Set(disagreeing.map(({ source }) => source))];
  const postIds = sourceIds.filter((key) => key.startsWith("post:")).map((key) => splitKey(key)[1]);
  const posts = await getVisiblePostsIn(db, projectId, postIds);
  for (const [id, post] of posts)
    labels.set(sourceKey("post", id), `${post.threadTitle} (${post.pseudonym ?? "[deleted]"})`);
  for (let i = 0; i < sourceIds.length; i += 500) {
    const ids = sourceIds.slice(i, i + 500).map((key) => splitKey(key)[1]);
    const rows = await visibleCodingRows(db, projectId)
      .where("c.coder_id", "in", coders)
      .where("c.source_id", "in", ids)
      .select(["c.source_type", "c.source_id", "c.code_id", "c.coder_id", "c.quote"])
      .orderBy("c.created_at")
      .orderBy("c.id")
      .execute();
    for (const row of rows) {
      const unit = `${sourceKey(row.source_type, row.source_id)}|${row.code_id}`;
      if (!wanted.has(unit)) continue;
      quotes.set(unit, [...(quotes.get(unit) ?? []), { coderId: row.coder_id, quote: row.quote }]);
    }
  }
  return { labels, quotes };
}
