import { expect, test } from "vitest";
import {
  binaryAgreement,
  cohensKappa,
  krippendorffAlphaNominal,
  percentAgreement,
} from "../../research/analysis/agreement-statistics.js";
import { computeAgreement } from "../../research/analysis/agreement.js";
import { applyCode } from "../../research/coding/index.js";
import { buildTwoCoderProject } from "../factories.js";

test("Cohen's kappa reproduces the textbook 50-item example (po 0.7, pe 0.5, kappa 0.4)", () => {
  // 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no (Wikipedia, "Cohen's kappa", worked example).
  const a = [
    ...Array(20).fill("yes"),
    ...Array(5).fill("yes"),
    ...Array(10).fill("no"),
    ...Array(15).fill("no"),
  ];
  const b = [
    ...Array(20).fill("yes"),
    ...Array(5).fill("no"),
    ...Array(10).fill("yes"),
    ...Array(15).fill("no"),
  ];
  expect(percentAgreement(a, b)).toBeCloseTo(0.7, 10);
  expect(cohensKappa(a, b)).toBeCloseTo(0.4, 10);
});

test("Krippendorff's alpha reproduces his 4-coder, 12-unit nominal example with missing data (alpha 0.743)", () => {
  // Krippendorff (2011), Computing Krippendorff's Alpha-Reliability, example C.
  const _ = null;
  const ratings = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, _, _, _],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, _, 3],
    [_, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, _],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, _],
  ];
  expect(krippendorffAlphaNominal(ratings)).toBeCloseTo(0.743, 3);
});

test("Krippendorff's alpha equals the binary example of two coders on ten units (alpha 0.095)", () => {
  // Krippendorff (2011), example A: two observers, binary data.
  const ratings = [
    [0, 1, 0, 0, 0, 0, 0, 0, 1, 0],
    [1, 1, 1, 0, 0, 1, 0, 0, 0, 0],
  ];
  expect(krippendorffAlphaNominal(ratings)).toBeCloseTo(0.095, 3);
});

test("agreement per code and overall, with the disagreeing segments listed", async () => {
  const { store, slug, ana, ben, fix, care, posts, span } = await buildTwoCoderProject();
  // Both coders look at posts 0-3. Fix: agree on 0 (yes), 1 (yes), 2 (no), disagree on 3. Care: agree everywhere it is used.
  for (const [coder, fixed, cared] of [
    [ana, [0, 1, 3], [2, 3]],
    [ben, [0, 1], [2, 3]],
  ] as const) {
    for (const i of fixed)
      await applyCode({ store, slug, coderId: coder.id, codeIds: [fix.id], span: span(i) });
    for (const i of cared)
      await applyCode({ store, slug, coderId: coder.id, codeIds: [care.id], span: span(i) });
  }
  const report = await computeAgreement({ store, slug, coderIds: [ana.id, ben.id] });
  expect(report.sampleSize).toBe(4);
  const fixRow = report.rows.find((row) => row.codeName === "Fix")!;
  expect(fixRow.percentAgreement).toBeCloseTo(0.75, 10);
  // Ana [1,1,0,1], Ben [1,1,0,0]: po 0.75, pe 0.75*0.5 + 0.25*0.5 = 0.5, kappa 0.5.
  expect(fixRow.cohensKappa).toBeCloseTo(0.5, 10);
  const careRow = report.rows.find((row) => row.codeName === "Care")!;
  expect(careRow.percentAgreement).toBeCloseTo(1, 10);
  expect(report.overall.units).toBe(8);
  expect(report.overall.percentAgreement).toBeCloseTo(7 / 8, 10);
  expect(report.disagreements).toHaveLength(1);
  expect(report.disagreements[0]).toMatchObject({
    codeName: "Fix",
    appliedBy: [ana.id],
    notAppliedBy: [ben.id],
  });
  expect(report.disagreements[0].quotes).toEqual([
    { coderId: ana.id, quote: [...posts[3].text].slice(0, 4).join("") },
  ]);
  expect(report.disagreements[0].sourceLabel).toMatch(/\(.+\)$/);
  await expect(computeAgreement({ store, slug, coderIds: [ana.id] })).rejects.toThrow(
    /at least two coders/,
  );
});

test("a source one coder coded and the other left uncoded is a disagreement, not dropped", async () => {
  const { store, slug, ana, ben, fix, posts, span } = await buildTwoCoderProject();
  // Both apply Fix to posts 0 and 1; only Ana codes post 2 (Ben gave it no code).
  for (const i of [0, 1, 2])
    await applyCode({ store, slug, coderId: ana.id, codeIds: [fix.id], span: span(i) });
  for (const i of [0, 1])
    await applyCode({ store, slug, coderId: ben.id, codeIds: [fix.id], span: span(i) });
  const report = await computeAgreement({ store, slug, coderIds: [ana.id, ben.id] });
  expect(report.sampleSize).toBe(3);
  const row = report.rows.find((r) => r.codeName === "Fix")!;
  expect(row.units).toBe(3);
  expect(row.percentAgreement).toBeCloseTo(2 / 3, 10);
  // Ana [1,1,1], Ben [1,1,0]: po 2/3, pe 1*2/3 + 0*1/3 = 2/3, kappa 0.
  expect(row.cohensKappa).toBeCloseTo(0, 10);
  expect(report.disagreements.map((d) => d.sourceId)).toEqual([posts[2].id]);
});

test("agreement from counts of coder patterns equals the per-coder arrays' figures, for 2 to 4 coders", () => {
  // A small deterministic generator, so a failure names the same case every run.
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const cases: Array<{ coders: number; masks: number[] }> = [
    { coders: 2, masks: [] },
    { coders: 2, masks: [0, 0, 0] },
    { coders: 2, masks: [3, 3] },
    { coders: 3, masks: [7, 0, 7, 0] },
    { coders: 2, masks: [1, 1, 1] },
  ];
  for (let i = 0; i < 60; i++) {
    const coders = 2 + (i % 3);
    const masks = Array.from({ length: 1 + Math.floor(random() * 40) }, () =>
      random() < 0.4 ? 0 : Math.floor(random() * 2 ** coders),
    );
    cases.push({ coders, masks });
  }
  for (const { coders, masks } of cases) {
    const ratings = Array.from({ length: coders }, (_, c) => masks.map((m) => (m >> c) & 1));
    const pairs: number[] = [];
    for (let i = 0; i < coders; i++)
      for (let j = i + 1; j < coders; j++) {
        const share = percentAgreement(ratings[i], ratings[j]);
        if (share !== null) pairs.push(share);
      }
    const counts = new Map<number, number>();
    for (const mask of masks) if (mask) counts.set(mask, (counts.get(mask) ?? 0) + 1);
    const fromCounts = binaryAgreement({ coders, units: masks.length, counts });
    const expected = {
      percentAgreement: pairs.length ? pairs.reduce((a, b) => a + b, 0) / pairs.length : null,
      cohensKappa: coders === 2 ? cohensKappa(ratings[0], ratings[1]) : null,
      krippendorffAlpha: krippendorffAlphaNominal(ratings),
    };
    for (const key of ["percentAgreement", "cohensKappa", "krippendorffAlpha"] as const) {
      const where = `${key} of ${coders} coders on [${masks.join(", ")}]`;
      if (expected[key] === null) expect(fromCounts[key], where).toBeNull();
      else expect(fromCounts[key], where).toBeCloseTo(expected[key]!, 12);
    }
  }
});
