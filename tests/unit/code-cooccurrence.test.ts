import { expect, test } from "vitest";
import { codeCooccurrence } from "../../research/analysis/code-analysis.js";
import { applyCode, createCodes } from "../../research/coding/index.js";
import { recordConsent } from "../../research/entree/index.js";
import { buildTwoCoderProject } from "../factories.js";

test("code co-occurrence counts sources with both codes, anywhere or on overlapping spans, without opted-out members", async () => {
  const { store, slug, ana, ben, fix, care, posts } = await buildTwoCoderProject();
  const [third] = await createCodes({ store, slug, userId: ana.id, codes: [{ name: "Third" }] });
  const at = (i: number, start: number, end: number) => ({
    sourceType: "post" as const,
    sourceId: posts[i].id,
    start,
    end,
  });
  // Post 0: Fix and Care on overlapping spans (by two coders). Post 1: Fix and Care apart, Third
  // beside Fix. Post 2: Fix twice (one source, counted once). Post 3: Fix and Care on one span.
  await applyCode({ store, slug, span: at(0, 0, 6), codeIds: [fix.id], coderId: ana.id });
  await applyCode({ store, slug, span: at(0, 3, 9), codeIds: [care.id], coderId: ben.id });
  await applyCode({ store, slug, span: at(1, 0, 3), codeIds: [fix.id, third.id], coderId: ana.id });
  await applyCode({ store, slug, span: at(1, 5, 8), codeIds: [care.id], coderId: ana.id });
  await applyCode({ store, slug, span: at(2, 0, 3), codeIds: [fix.id], coderId: ana.id });
  await applyCode({ store, slug, span: at(2, 4, 7), codeIds: [fix.id], coderId: ben.id });
  await applyCode({ store, slug, span: at(3, 0, 4), codeIds: [fix.id, care.id], coderId: ana.id });
  // Post 1's author wrote no other post of the fixture: opting them out takes post 1 away.
  const optedOut = posts[1].memberId!;
  expect(posts.filter((post) => post.memberId === optedOut)).toHaveLength(1);

  const weight = (network: Awaited<ReturnType<typeof codeCooccurrence>>, a: string, b: string) =>
    network.edges.find(
      (edge) =>
        (edge.source === a && edge.target === b) || (edge.source === b && edge.target === a),
    )?.weight ?? 0;
  const count = (network: Awaited<ReturnType<typeof codeCooccurrence>>, id: string) =>
    network.nodes.find((node) => node.id === id)?.count;

  const anywhere = await codeCooccurrence({ store, slug });
  expect([count(anywhere, fix.id), count(anywhere, care.id), count(anywhere, third.id)]).toEqual([
    4, 3, 1,
  ]);
  expect(weight(anywhere, fix.id, care.id)).toBe(3);
  expect(weight(anywhere, fix.id, third.id)).toBe(1);
  expect(weight(anywhere, care.id, third.id)).toBe(1);
  const fixAt = anywhere.nodes.findIndex((node) => node.id === fix.id);
  const careAt = anywhere.nodes.findIndex((node) => node.id === care.id);
  expect(anywhere.matrix[fixAt][careAt]).toBe(3);
  expect(anywhere.matrix[careAt][fixAt]).toBe(3);

  const overlapping = await codeCooccurrence({ store, slug, overlappingOnly: true });
  expect(count(overlapping, fix.id)).toBe(4);
  expect(weight(overlapping, fix.id, care.id)).toBe(2);
  expect(weight(overlapping, fix.id, third.id)).toBe(1);
  expect(weight(overlapping, care.id, third.id)).toBe(0);

  await recordConsent({
    store,
    slug,
    memberId: optedOut,
    status: "opted-out",
    userId: ana.id,
  });
  const hidden = await codeCooccurrence({ store, slug });
  expect([count(hidden, fix.id), count(hidden, care.id), count(hidden, third.id)]).toEqual([
    3, 2, 0,
  ]);
  expect(weight(hidden, fix.id, care.id)).toBe(2);
  expect(weight(hidden, fix.id, third.id)).toBe(0);
  const hiddenOverlapping = await codeCooccurrence({ store, slug, overlappingOnly: true });
  expect(weight(hiddenOverlapping, fix.id, care.id)).toBe(2);
  expect(weight(hiddenOverlapping, fix.id, third.id)).toBe(0);
});
