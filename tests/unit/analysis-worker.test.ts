import { expect, test } from "vitest";
import { cachedAnalysis } from "../../research/analysis/analysis-cache.js";
import {
  analysisRuns,
  runOffThread,
  stopAnalysisWorker,
} from "../../research/analysis/off-thread.js";
import { applyCode } from "../../research/coding/index.js";
import { ResearchError } from "../../research/shared/errors.js";
import { buildTwoCoderProject } from "../factories.js";

test("a research error raised on the worker arrives as the same error, with its code", async () => {
  const { store } = await buildTwoCoderProject();
  const asked = runOffThread(store, {
    kind: "frequencies",
    slug: "no-such-study",
    args: { by: "community" },
  });
  await expect(asked).rejects.toBeInstanceOf(ResearchError);
  await expect(asked).rejects.toMatchObject({ code: "not-found" });
});

test("an analysis the worker does not know is refused by name", async () => {
  const { store, slug } = await buildTwoCoderProject();
  const asked = runOffThread(store, { kind: "everything" as never, slug, args: {} as never });
  await expect(asked).rejects.toThrow('Unknown analysis "everything".');
});

test("a worker that stops mid-request fails that request, and the next one starts a new worker", async () => {
  const { store, slug, ana, ben, fix, span } = await buildTwoCoderProject();
  await applyCode({ store, slug, span: span(0), codeIds: [fix.id], coderId: ana.id });
  await stopAnalysisWorker();
  const before = analysisRuns();
  // The request is posted before runOffThread returns; the new worker is still loading when it stops.
  const lost = runOffThread(store, { kind: "frequencies", slug, args: { by: "community" } });
  await stopAnalysisWorker();
  await expect(lost).rejects.toThrow(/analysis worker stopped/);

  await applyCode({ store, slug, span: span(1), codeIds: [fix.id], coderId: ben.id });
  const answered = await runOffThread(store, {
    kind: "frequencies",
    slug,
    args: { by: "community" },
  });
  expect(answered.codes.find((code) => code.id === fix.id)?.total).toBe(2);
  expect(analysisRuns().offThread - before.offThread).toBe(2);
});

test("a failed computation is not kept: the next view computes again", async () => {
  const { store, slug } = await buildTwoCoderProject();
  let calls = 0;
  const compute = async () => {
    calls++;
    if (calls === 1) throw new Error("the database went away");
    return calls;
  };
  const view = () => cachedAnalysis({ store, slug, part: "failing-once", compute });
  await expect(view()).rejects.toThrow("the database went away");
  expect(await view()).toBe(2);
  expect(await view()).toBe(2);
  expect(calls).toBe(2);
});
