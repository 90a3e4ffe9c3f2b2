/** A coder's value for a unit, or null when that coder did not rate the unit. */
export type Rating = string | number | null;

/** Share of paired units on which two coders give the same value (units either coder skipped are left out). */
export function percentAgreement(a: Rating[], b: Rating[]): number | null {
  let agreed = 0;
  let pairs = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] === null || b[i] === null) continue;
    pairs++;
    if (a[i] === b[i]) agreed++;
  }
  return pairs ? agreed / pairs : null;
}

/**
 * Cohen's kappa for two coders and nominal values: (po - pe) / (1 - pe), with pe from each coder's own
 * marginal distribution. Null when there is nothing to compare; 1 when both coders used one and the same
 * value everywhere (perfect agreement, pe = 1).
 */
export function cohensKappa(a: Rating[], b: Rating[]): number | null {
  const pairs: Array<[Rating, Rating]> = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++)
    if (a[i] !== null && b[i] !== null) pairs.push([a[i], b[i]]);
  const n = pairs.length;
  if (n === 0) return null;
  const po = pairs.filter(([x, y]) => x === y).length / n;
  const countA = new Map<Rating, number>();
  const countB = new Map<Rating, number>();
  for (const [x, y] of pairs) {
    countA.set(x, (countA.get(x) ?? 0) + 1);
    countB.set(y, (countB.get(y) ?? 0) + 1);
  }
  let pe = 0;
  for (const [value, count] of countA) pe += (count / n) * ((countB.get(value) ?? 0) / n);
  if (pe === 1) return po === 1 ? 1 : 0;
  return (po - pe) / (1 - pe);
}

/**
 * Krippendorff's alpha for nominal data, any number of coders, missing values allowed.
 * `ratings[coder][unit]`. Units rated by fewer than two coders are not pairable and are left out.
 * alpha = 1 - Do / De from the coincidence matrix (Krippendorff 2011, "Computing Krippendorff's alpha").
 */
export function krippendorffAlphaNominal(ratings: Rating[][]): number | null {
  const unitCount = Math.max(0, ...ratings.map((row) => row.length));
  const coincidence = new Map<string, number>();
  const key = (c: Rating, k: Rating) => `${String(c)}\u0000${String(k)}`;
  const values = new Set<string>();
  for (let u = 0; u < unitCount; u++) {
    const unitValues = ratings
      .map((row) => row[u] ?? null)
      .filter((value): value is string | number => value !== null);
    const m = unitValues.length;
    if (m < 2) continue;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < m; j++) {
        if (i === j) continue;
        const k = key(unitValues[i], unitValues[j]);
        coincidence.set(k, (coincidence.get(k) ?? 0) + 1 / (m - 1));
        values.add(String(unitValues[i]));
      }
    }
  }
  const marginal = new Map<string, number>();
  let total = 0;
  for (const [k, count] of coincidence) {
    const [c] = k.split("\u0000");
    marginal.set(c, (marginal.get(c) ?? 0) + count);
    total += count;
  }
  if (total <= 1) return null;
  let observedDisagreement = 0;
  for (const [k, count] of coincidence) {
    const [c, d] = k.split("\u0000");
    if (c !== d) observedDisagreement += count;
  }
  let expectedDisagreement = 0;
  for (const c of values)
    for (const d of values)
      if (c !== d) expectedDisagreement += (marginal.get(c) ?? 0) * (marginal.get(d) ?? 0);
  expectedDisagreement /= total - 1;
  if (expectedDisagreement === 0) return observedDisagreement === 0 ? 1 : null;
  return 1 - observedDisagreement / expectedDisagreement;
}

/**
 * Units where every coder gave 0 or 1 (a code applied in a source or not), told apart only by which
 * coders gave 1: a bit mask, coder i at bit i. `counts` holds how many units have each mask other than 0;
 * the other `units` are all-zero units.
 */
export type BinaryMaskCounts = {
  coders: number;
  units: number;
  counts: ReadonlyMap<number, number>;
};

export type BinaryAgreement = {
  /** Mean over pairs of coders of percentAgreement. */
  percentAgreement: number | null;
  /** cohensKappa of the two coders; null for any other number of coders. */
  cohensKappa: number | null;
  krippendorffAlpha: number | null;
};

function onesIn(mask: number): number {
  let ones = 0;
  for (let rest = mask; rest; rest &= rest - 1) ones++;
  return ones;
}

/**
 * percentAgreement, cohensKappa and krippendorffAlphaNominal of binary ratings, from how many units
 * carry each pattern of coders instead of one array per coder: the same figures, but a project's whole
 * sample (sources times codes, hundreds of thousands of units) costs one pass over the few patterns.
 */
export function binaryAgreement({ coders, units, counts }: BinaryMaskCounts): BinaryAgreement {
  if (units === 0 || coders < 2)
    return { percentAgreement: null, cohensKappa: null, krippendorffAlpha: null };
  let pairAgreements = 0;
  let pairs = 0;
  for (let i = 0; i < coders; i++)
    for (let j = i + 1; j < coders; j++) {
      let differing = 0;
      for (const [mask, count] of counts)
        if (((mask >> i) & 1) !== ((mask >> j) & 1)) differing += count;
      pairAgreements += (units - differing) / units;
      pairs++;
    }

  let kappa: number | null = null;
  if (coders === 2) {
    const both = counts.get(3) ?? 0;
    const firstOnly = counts.get(1) ?? 0;
    const secondOnly = counts.get(2) ?? 0;
    const observed = (units - firstOnly - secondOnly) / units;
    const first = (both + firstOnly) / units;
    const second = (both + secondOnly) / units;
    const expected = first * second + (1 - first) * (1 - second);
    kappa = expected === 1 ? (observed === 1 ? 1 : 0) : (observed - expected) / (1 - expected);
  }

  // Coincidences (Krippendorff 2011): a unit with k ones of m values adds k(m-k)/(m-1) to each of the
  // (0,1) and (1,0) cells; the marginals are the numbers of ones and zeros given.
  let ones = 0;
  let disagreeing = 0;
  for (const [mask, count] of counts) {
    const k = onesIn(mask);
    ones += k * count;
    disagreeing += (2 * count * k * (coders - k)) / (coders - 1);
  }
  const total = units * coders;
  const zeros = total - ones;
  let alpha: number | null;
  if (total <= 1) alpha = null;
  else {
    const expectedDisagreement = (2 * ones * zeros) / (total - 1);
    alpha =
      expectedDisagreement === 0
        ? disagreeing === 0
          ? 1
          : null
        : 1 - disagreeing / expectedDisagreement;
  }
  return { percentAgreement: pairAgreements / pairs, cohensKappa: kappa, krippendorffAlpha: alpha };
}
