import { expect, test } from "vitest";
import { computeAgreement } from "../../research/analysis/agreement.js";
import {
  brennanPredigerKappa,
  overlapShare,
  segmentPercentAgreement,
  segmentsOf,
} from "../../research/analysis/segment-agreement.js";
import { applyCode } from "../../research/coding/index.js";
import { buildTwoCoderProject } from "../factories.js";

test("two passages overlap by their shared length over their joint length", () => {
  expect(overlapShare({ start: 0, end: 10 }, { start: 0, end: 9 })).toBeCloseTo(0.9, 10);
  expect(overlapShare({ start: 0, end: 10 }, { start: 5, end: 15 })).toBeCloseTo(5 / 15, 10);
  expect(overlapShare({ start: 0, end: 10 }, { start: 10, end: 20 })).toBe(0);
});

test("spans of different coders that overlap enough are one passage; one coder's spans never merge alone", () => {
  const span = (coder: number, start: number, end: number) => ({ coder, start, end, quote: "" });
  const passages = segmentsOf([span(0, 0, 10), span(1, 0, 9), span(0, 2, 9), span(1, 50, 60)], 0.9);
  expect(passages.map((p) => p.map((s) => `${s.coder}:${s.start}`).sort())).toEqual([
    ["0:0", "1:0"],
    ["0:2"],
    ["1:50"],
  ]);
  // Coder 0's second span overlaps coder 1's by 7/9 = 0.78: one passage at 70%.
  expect(segmentsOf([span(0, 0, 10), span(1, 0, 9), span(0, 2, 9)], 0.7)).toHaveLength(1);
});

test("percent agreement per segment is the share of passages either coder marked that both marked", () => {
  // Two coders: both (0b11), only the first (0b01), only the second (0b10), both.
  expect(segmentPercentAgreement([0b11, 0b01, 0b10, 0b11], 2)).toBeCloseTo(0.5, 10);
  // Three coders, pairs averaged: passage marked by coders 0 and 1 only.
  expect(segmentPercentAgreement([0b011], 3)).toBeCloseTo((1 + 0 + 0) / 3, 10);
  expect(segmentPercentAgreement([], 2)).toBeNull();
  expect(brennanPredigerKappa(0.75, 2)).toBeCloseTo(0.5, 10);
  expect(brennanPredigerKappa(0.75, 1)).toBeNull();
});

test("agreement per segment counts a passage only one coder marked as a disagreement, where per post it agrees", async () => {
  const { store, slug, ana, ben, fix, care, posts } = await buildTwoCoderProject();
  const long = posts.filter((post) => [...post.text].length >= 40);
  expect(long.length).toBeGreaterThanOrEqual(3);
  const code = async (coderId: string, codeId: string, post: number, start: number, end: number) =>
    applyCode({
      store,
      slug,
      coderId,
      codeIds: [codeId],
      span: { sourceType: "post", sourceId: long[post].id, start, end },
    });
  await code(ana.id, fix.id, 0, 0, 10); // Ben marks 0-9: 90% overlap, one passage
  await code(ben.id, fix.id, 0, 0, 9);
  await code(ana.id, fix.id, 1, 0, 10); // Ben marks another passage of the same post
  await code(ben.id, fix.id, 1, 20, 30);
  await code(ben.id, care.id, 2, 0, 10); // Ana gives this post no code

  const bySegment = await computeAgreement({
    store,
    slug,
    coderIds: [ana.id, ben.id],
    unit: "segment",
  });
  expect(bySegment).toMatchObject({ unit: "segment", minimumOverlap: 0.9, sampleSize: 3 });
  const fixRow = bySegment.rows.find((row) => row.codeName === "Fix")!;
  expect(fixRow.units).toBe(3);
  expect(fixRow.percentAgreement).toBeCloseTo(1 / 3, 10);
  expect(fixRow.cohensKappa).toBeNull();
  const careRow = bySegment.rows.find((row) => row.codeName === "Care")!;
  expect(careRow).toMatchObject({ units: 1, percentAgreement: 0 });
  expect(bySegment.overall.units).toBe(4);
  expect(bySegment.overall.percentAgreement).toBeCloseTo(1 / 4, 10);
  // Brennan & Prediger with two codes: (0.25 - 0.5) / 0.5.
  expect(bySegment.overall.cohensKappa).toBeCloseTo(-0.5, 10);
  expect(bySegment.disagreements).toHaveLength(3);
  expect(bySegment.disagreements.map((d) => d.appliedBy)).toEqual(
    expect.arrayContaining([[ana.id], [ben.id], [ben.id]]),
  );
  const lone = bySegment.disagreements.find((d) => d.codeName === "Care")!;
  expect(lone.quotes).toEqual([
    { coderId: ben.id, quote: [...long[2].text].slice(0, 10).join("") },
  ]);

  expect(bySegment.disagreementCount).toBe(3);
  // Listing fewer disagreements counts them all and changes none of the figures.
  const listingTwo = await computeAgreement({
    store,
    slug,
    coderIds: [ana.id, ben.id],
    unit: "segment",
    disagreementLimit: 2,
  });
  expect(listingTwo.disagreementCount).toBe(3);
  expect(listingTwo.disagreements).toEqual(bySegment.disagreements.slice(0, 2));
  expect(listingTwo.overall).toEqual(bySegment.overall);

  // Per post, Fix was applied by both to posts 0 and 1: agreement there looks perfect.
  const byPost = await computeAgreement({ store, slug, coderIds: [ana.id, ben.id] });
  expect(byPost.unit).toBe("post");
  expect(byPost.rows.find((row) => row.codeName === "Fix")!.percentAgreement).toBe(1);
  // Only Care on post 2 (Ben's, Ana gave the post no code) is in dispute per post.
  expect(byPost.disagreementCount).toBe(1);
  const byPostListingNone = await computeAgreement({
    store,
    slug,
    coderIds: [ana.id, ben.id],
    disagreementLimit: 0,
  });
  expect(byPostListingNone).toMatchObject({ disagreementCount: 1, disagreements: [] });
  expect(byPostListingNone.rows).toEqual(byPost.rows);

  // A stricter overlap splits the first passage in two.
  const strict = await computeAgreement({
    store,
    slug,
    coderIds: [ana.id, ben.id],
    unit: "segment",
    minimumOverlap: 0.95,
  });
  expect(strict.rows.find((row) => row.codeName === "Fix")!).toMatchObject({
    units: 4,
    percentAgreement: 0,
  });
  await expect(
    computeAgreement({
      store,
      slug,
      coderIds: [ana.id, ben.id],
      unit: "segment",
      minimumOverlap: 0,
    }),
  ).rejects.toThrow(/minimum overlap/);
});
