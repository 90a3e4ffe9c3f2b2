import { expect, test } from "vitest";
import { formState } from "../../app/components/form-state";
import { addCandidate, compareCandidates } from "../../research/discovery/candidates.js";
import { buildProject } from "../factories.js";
import {
  bodyOf,
  buildAppStore,
  reloadAppForEachTest,
  routeCaller,
  signInCookie,
  statusOf,
} from "../helpers/route-requests.js";

reloadAppForEachTest();

test("a failed decision is scoped to its candidate's form and echoes what was typed", async () => {
  const { store, owner } = await buildAppStore();
  const { slug } = await buildProject(store, owner);
  const first = await addCandidate({ store, slug, name: "r/vandwellers", platform: "reddit" });
  const second = await addCandidate({ store, slug, name: "r/vanlife", platform: "reddit" });
  const route = await import("../../app/routes/projects.$slug.discovery");
  const discovery = routeCaller(
    route,
    `/projects/${slug}/discovery`,
    { slug },
    await signInCookie(owner.id),
  );

  // Selecting without a reason is refused: the reason is part of the method.
  const failed = await discovery.post({
    intent: "decide",
    formId: `decide-${first.id}`,
    candidateId: first.id,
    status: "rejected",
    reason: "   ",
  });
  expect(statusOf(failed)).toBe(400);
  const answer = bodyOf(failed);
  expect(answer).toMatchObject({
    ok: false,
    formId: `decide-${first.id}`,
    fieldErrors: { reason: expect.any(String) },
    values: { status: "rejected", candidateId: first.id },
  });
  const mine = formState(answer, `decide-${first.id}`);
  const theirs = formState(answer, `decide-${second.id}`);
  expect(mine.fieldErrors.reason).toEqual(expect.any(String));
  expect(mine.value("status", "selected")).toBe("rejected");
  expect(theirs.fieldErrors).toEqual({});
  expect(theirs.value("status", "selected")).toBe("selected");
  // Nor does the page-level message repeat it.
  expect(formState(answer).formError).toBeUndefined();
  expect((await compareCandidates({ store, slug })).every((c) => c.decision === null)).toBe(true);
  // The decision select starts empty: sending it so is a field error, not a silent "selected".
  const undecided = await discovery.post({
    intent: "decide",
    formId: `decide-${first.id}`,
    candidateId: first.id,
    status: "",
    reason: "Looks good",
  });
  expect(statusOf(undecided)).toBe(400);
  expect(bodyOf(undecided)).toMatchObject({ fieldErrors: { status: "Choose a decision." } });

  const decided = await discovery.post({
    intent: "decide",
    formId: `decide-${first.id}`,
    candidateId: first.id,
    status: "rejected",
    reason: "Too few replies.",
  });
  expect(statusOf(decided)).toBe(200);
  const after = await compareCandidates({ store, slug });
  expect(after.find((c) => c.id === first.id)?.decision).toMatchObject({ status: "rejected" });
  expect(after.find((c) => c.id === second.id)?.decision).toBeNull();
});

test("a hand-added candidate with a bad size keeps every typed field; optional fields may be absent", async () => {
  const { store, owner } = await buildAppStore();
  const { slug } = await buildProject(store, owner);
  const route = await import("../../app/routes/projects.$slug.discovery");
  const discovery = routeCaller(
    route,
    `/projects/${slug}/discovery`,
    { slug },
    await signInCookie(owner.id),
  );

  const typed = {
    intent: "add",
    formId: "add",
    name: "Repair Café forum",
    platform: "discourse",
    url: "https://forum.example.org",
    language: "nl",
    visibility: "public",
    size: "-3",
    notes: "Found through a member.",
  };
  const failed = await discovery.post(typed);
  expect(statusOf(failed)).toBe(400);
  const { intent: _intent, ...echoed } = typed;
  expect(bodyOf(failed)).toMatchObject({
    formId: "add",
    fieldErrors: { size: expect.any(String) },
    values: echoed,
  });
  expect(formState(bodyOf(failed), "add").value("notes")).toBe("Found through a member.");
  expect(await compareCandidates({ store, slug })).toHaveLength(0);

  // Only the two required fields: url, language, size, notes and visibility absent.
  const minimal = await discovery.post({
    intent: "add",
    name: "r/vandwellers",
    platform: "reddit",
  });
  expect(statusOf(minimal)).toBe(200);
  expect(await compareCandidates({ store, slug })).toMatchObject([
    { name: "r/vandwellers", url: null, visibility: "unknown", size: null },
  ]);
});
