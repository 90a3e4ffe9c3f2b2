import { visibleCodingRows } from "../coding/codings.js";
import type { Queryable } from "../store/index.js";

/** One passage that one or more of the chosen coders marked with one code, found by overlap. */
export type SegmentUnit = {
  sourceType: string;
  sourceId: string;
  codeId: string;
  /** Bit i is set when coder i marked this passage. */
  mask: number;
  start: number;
  end: number;
  quotes: Array<{ coderId: string; quote: string }>;
};

type Span = { coder: number; start: number; end: number; quote: string };

const BATCH = 5_000;
const QUOTE_KEPT = 200;

/** |a ∩ b| / |a ∪ b| of two code-point ranges: 1 for the same passage, 0 when they do not touch. */
export function overlapShare(a: { start: number; end: number }, b: { start: number; end: number }) {
  const common = Math.min(a.end, b.end) - Math.max(a.start, b.start);
  if (common <= 0) return 0;
  const union = Math.max(a.end, b.end) - Math.min(a.start, b.start);
  return union === 0 ? 0 : common / union;
}

/**
 * The passages of one source and one code: spans of different coders that overlap by at least
 * `minimumOverlap` (intersection over union) are one passage, and the passage is marked by every coder
 * with a span in it. A coder's two spans never make one passage agree with itself: a passage is the
 * coders' shared reading, not a count of clicks.
 */
export function segmentsOf(spans: Span[], minimumOverlap: number): Span[][] {
  const parent = spans.map((_, i) => i);
  const root = (i: number): number => (parent[i] === i ? i : (parent[i] = root(parent[i])));
  for (let i = 0; i < spans.length; i++) {
    for (let j = i + 1; j < spans.length; j++) {
      if (spans[i].coder === spans[j].coder) continue;
      if (overlapShare(spans[i], spans[j]) >= minimumOverlap) parent[root(i)] = root(j);
    }
  }
  const groups = new Map<number, Span[]>();
  spans.forEach((span, i) => groups.set(root(i), [...(groups.get(root(i)) ?? []), span]));
  return [...groups.values()];
}

/**
 * Every passage the chosen coders marked, one code at a time, streamed from SQL in keyset batches ordered
 * by source and code, so that memory holds one batch and one source's spans at a time.
 */
export async function* segmentUnits(
  db: Queryable,
  projectId: string,
  coders: string[],
  minimumOverlap: number,
): AsyncGenerator<SegmentUnit> {
  const coderIndex = new Map(coders.map((coder, i) => [coder, i]));
  let group: { sourceType: string; sourceId: string; codeId: string; spans: Span[] } | null = null;
  const flush = function* (current: NonNullable<typeof group>): Generator<SegmentUnit> {
    for (const segment of segmentsOf(current.spans, minimumOverlap)) {
      yield {
        sourceType: current.sourceType,
        sourceId: current.sourceId,
        codeId: current.codeId,
        mask: segment.reduce((mask, span) => mask | (1 << span.coder), 0),
        start: Math.min(...segment.map((span) => span.start)),
        end: Math.max(...segment.map((span) => span.end)),
        quotes: segment.map((span) => ({ coderId: coders[span.coder], quote: span.quote })),
      };
    }
  };
  let after: [string, string, string, string, string] | null = null;
  for (;;) {
    let query = visibleCodingRows(db, projectId)
      .where("c.coder_id", "in", coders)
      .select([
        "c.source_type",
        "c.source_id",
        "c.code_id",
        "c.coder_id",
        "c.start_cp",
        "c.end_cp",
        "c.quote",
        "c.id",
      ])
      .orderBy("c.source_type")
      .orderBy("c.source_id")
      .orderBy("c.code_id")
      .orderBy("c.coder_id")
      .orderBy("c.id")
      .limit(BATCH);
    if (after) {
      const last = after;
      query = query.where((eb) =>
        eb(
          eb.refTuple("c.source_type", "c.source_id", "c.code_id", "c.coder_id", "c.id"),
          ">",
          eb.tuple(last[0], last[1], last[2], last[3], last[4]),
        ),
      );
    }
    const rows = await query.execute();
    for (const row of rows) {
      if (
        !group ||
        group.sourceType !== row.source_type ||
        group.sourceId !== row.source_id ||
        group.codeId !== row.code_id
      ) {
        if (group) yield* flush(group);
        group = {
          sourceType: row.source_type,
          sourceId: row.source_id,
          codeId: row.code_id,
          spans: [],
        };
      }
      group.spans.push({
        coder: coderIndex.get(row.coder_id) ?? 0,
        start: Number(row.start_cp),
        end: Number(row.end_cp),
        quote: row.quote.slice(0, QUOTE_KEPT),
      });
    }
    if (rows.length < BATCH) break;
    const end = rows[rows.length - 1];
    after = [end.source_type, end.source_id, end.code_id, end.coder_id, end.id];
  }
  if (group) yield* flush(group);
}

/**
 * Agreement on passages, as ATLAS.ti and MAXQDA report it: over the pairs of coders, the share of the
 * passages either of the pair marked that both marked. There is no "neither coder marked it" passage, so
 * the chance term of Cohen's kappa is not defined here; MAXQDA's answer (Brennan & Prediger) takes the
 * chance of agreeing as one in the number of codes compared, and so does `brennanPredigerKappa`.
 */
export function segmentPercentAgreement(masks: number[], coderCount: number): number | null {
  const shares: number[] = [];
  for (let i = 0; i < coderCount; i++) {
    for (let j = i + 1; j < coderCount; j++) {
      const pair = (1 << i) | (1 << j);
      let either = 0;
      let both = 0;
      for (const mask of masks) {
        if (mask & pair) either++;
        if ((mask & pair) === pair) both++;
      }
      if (either) shares.push(both / either);
    }
  }
  return shares.length ? shares.reduce((a, b) => a + b, 0) / shares.length : null;
}

/** (po − 1/k) / (1 − 1/k), k the number of codes compared; null below two codes. */
export function brennanPredigerKappa(po: number | null, codes: number): number | null {
  if (po === null || codes < 2) return null;
  const chance = 1 / codes;
  return (po - chance) / (1 - chance);
}
