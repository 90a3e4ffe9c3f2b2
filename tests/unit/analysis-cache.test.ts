import { expect, test } from "vitest";
import { computeAgreement } from "../../research/analysis/agreement.js";
import { codeCooccurrence, codeFrequencies } from "../../research/analysis/code-analysis.js";
import { codeCooccurrenceNetwork } from "../../research/analysis/networks.js";
import { analysisRuns } from "../../research/analysis/off-thread.js";
import {
  addCodingsInBulk,
  applyCode,
  removeCoding,
  renameCode,
} from "../../research/coding/index.js";
import { createFieldNote, updateFieldNote } from "../../research/collection/index.js";
import { recordConsent } from "../../research/entree/index.js";
import { findEvidenceSegments } from "../../research/reporting/report-queries.js";
import { buildSecondStore, buildTwoCoderProject } from "../factories.js";

/** Two coders on the Reddit fixture: both code posts 0-2 with Fix, Ben also post 3 (one disagreement). */
async function codedProject() {
  const project = await buildTwoCoderProject();
  const { store, slug, ana, ben, fix, span } = project;
  for (const i of [0, 1, 2]) {
    await applyCode({ store, slug, span: span(i), codeIds: [fix.id], coderId: ana.id });
    await applyCode({ store, slug, span: span(i), codeIds: [fix.id], coderId: ben.id });
  }
  await applyCode({ store, slug, span: span(3), codeIds: [fix.id], coderId: ben.id });
  const agreement = () => computeAgreement({ store, slug, coderIds: [ana.id, ben.id] });
  return { ...project, agreement };
}

test("a second view after no change is served from the cache, computed once on the analysis worker", async () => {
  const { store, slug, agreement } = await codedProject();
  const before = analysisRuns();
  const first = await agreement();
  const again = await agreement();
  const frequencies = await codeFrequencies({ store, slug, by: "community" });
  const frequenciesAgain = await codeFrequencies({ store, slug, by: "community" });
  const after = analysisRuns();
  expect(again).toEqual(first);
  expect(frequenciesAgain).toEqual(frequencies);
  expect(after.offThread - before.offThread).toBe(2);
  expect(after.inline).toBe(before.inline);
  expect(first.disagreementCount).toBe(1);
});

test("a new coding and a removed coding recompute agreement, frequencies and co-occurrence", async () => {
  const { store, slug, ana, care, span, agreement } = await codedProject();
  const report = await agreement();
  const cooccurrence = await codeCooccurrence({ store, slug });
  expect(report.disagreementCount).toBe(1);
  expect(cooccurrence.edges).toEqual([]);

  const [added] = await applyCode({
    store,
    slug,
    span: span(0),
    codeIds: [care.id],
    coderId: ana.id,
  });
  const withCare = await agreement();
  expect(withCare.disagreementCount).toBe(2);
  expect(withCare.rows.map((row) => row.codeName)).toEqual(["Care", "Fix"]);
  expect((await codeCooccurrence({ store, slug })).edges).toHaveLength(1);
  const frequencies = await codeFrequencies({ store, slug, by: "community" });
  expect(frequencies.codes.find((code) => code.id === care.id)?.total).toBe(1);

  await removeCoding({ store, slug, codingId: added.id, userId: ana.id });
  expect(await agreement()).toEqual(report);
  expect(await codeCooccurrence({ store, slug })).toEqual(cooccurrence);
  expect(
    (await codeFrequencies({ store, slug, by: "community" })).codes.find(
      (code) => code.id === care.id,
    )?.total,
  ).toBe(0);
});

test("codings imported in bulk (REFI-QDA, accepted suggestions) recompute the kept results", async () => {
  const { store, slug, ana, care, span, agreement } = await codedProject();
  expect((await agreement()).disagreementCount).toBe(1);
  await addCodingsInBulk({
    store,
    slug,
    userId: ana.id,
    items: [{ span: span(1), codeId: care.id, coderId: ana.id }],
  });
  expect((await agreement()).disagreementCount).toBe(2);
});

test("an opted-out member's words leave kept results at once, and come back with consent", async () => {
  const { store, slug, ana, posts, agreement } = await codedProject();
  const map = () => codeCooccurrenceNetwork({ store, slug });
  const report = await agreement();
  const [disputed] = report.disagreements;
  expect(disputed.quotes).toHaveLength(1);
  const author = posts.find((post) => post.id === disputed.sourceId)?.memberId;
  expect(author).toBeTruthy();
  const quoted = disputed.quotes[0].quote;
  const segments = (await findEvidenceSegments({ store, slug })).segments;
  expect(segments.some((segment) => segment.quote === quoted)).toBe(true);
  const fixNode = async () => (await map()).nodes.find((node) => node.label.startsWith("Fix"));
  const mapped = await fixNode();

  await recordConsent({ store, slug, memberId: author!, status: "opted-out", userId: ana.id });
  const hidden = await agreement();
  expect(hidden.disagreementCount).toBe(0);
  expect(JSON.stringify(hidden)).not.toContain(disputed.sourceId);
  const hiddenSegments = (await findEvidenceSegments({ store, slug })).segments;
  expect(hiddenSegments.length).toBeLessThan(segments.length);
  expect(hiddenSegments.map((segment) => segment.source).join("\n")).not.toContain(
    disputed.sourceLabel.split(" (")[1]?.slice(0, -1) ?? "?",
  );
  expect(await fixNode()).not.toEqual(mapped);

  await recordConsent({ store, slug, memberId: author!, status: "consented", userId: ana.id });
  expect(await agreement()).toEqual(report);
  expect((await findEvidenceSegments({ store, slug })).segments).toEqual(segments);
  expect(await fixNode()).toEqual(mapped);
});

test("a renamed code shows in the kept results at once", async () => {
  const { store, slug, ana, fix, agreement } = await codedProject();
  expect((await agreement()).rows.map((row) => row.codeName)).toEqual(["Fix"]);
  await codeFrequencies({ store, slug, by: "month" });
  await renameCode({ store, slug, codeId: fix.id, name: "Repair", userId: ana.id });
  expect((await agreement()).rows.map((row) => row.codeName)).toEqual(["Repair"]);
  const frequencies = await codeFrequencies({ store, slug, by: "month" });
  expect(frequencies.codes.find((code) => code.id === fix.id)?.name).toBe("Repair");
  const network = await codeCooccurrenceNetwork({ store, slug });
  expect(network.nodes.map((node) => node.label).join(" ")).toContain("Repair");
});

test("a coding written by another server (or the CLI) on the same database is seen at the next view", async () => {
  const { store, slug, ana, care, span, agreement } = await codedProject();
  expect((await agreement()).disagreementCount).toBe(1);
  const other = buildSecondStore(store);
  await applyCode({ store: other, slug, span: span(2), codeIds: [care.id], coderId: ana.id });
  expect((await agreement()).disagreementCount).toBe(2);
});

test("a field note's new title names its coded passage in the evidence at once", async () => {
  const { store, slug, ana, care } = await codedProject();
  const note = await createFieldNote({
    store,
    slug,
    authorId: ana.id,
    kind: "observational",
    title: "First visit",
    markdown: "People fix things together.",
  });
  await applyCode({
    store,
    slug,
    span: { sourceType: "fieldnote", sourceId: note.id, start: 0, end: 6 },
    codeIds: [care.id],
    coderId: ana.id,
  });
  const sources = async () =>
    (await findEvidenceSegments({ store, slug })).segments.map((s) => s.source);
  expect(await sources()).toContain("field note “First visit”");
  await updateFieldNote({
    store,
    slug,
    noteId: note.id,
    userId: ana.id,
    kind: "observational",
    title: "Second visit",
    markdown: "People fix things together.",
  });
  const renamed = await sources();
  expect(renamed).toContain("field note “Second visit”");
  expect(renamed).not.toContain("field note “First visit”");
});
