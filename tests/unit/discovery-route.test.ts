import { expect, test } from "vitest";
import { formState } from "../../app/components/form-state";
import { addCandidate, compareCandidates } from "../../research/discovery/candidates.js";
import { addMember, buildProject, buildUser } from "../factories.js";
import {
  bodyOf,
  buildAppStore,
  reloadAppForEachTest,
  routeCaller,
  signInCookie,
  statusOf,
} from "../helpers/route-requests.js";

reloadAppForEachTest();

test("a candidate's card is saved whole; a refused card is scoped to its candidate and echoes what was typed", async () => {
  const { store, owner } = await buildAppStore();
  const { slug } = await buildProject(store, owner);
  const first = await addCandidate({
    store,
    slug,
    userId: owner.id,
    name: "r/vandwellers",
    platform: "reddit",
  });
  const second = await addCandidate({
    store,
    slug,
    userId: owner.id,
    name: "r/vanlife",
    platform: "reddit",
  });
  const route = await import("../../app/routes/projects.$slug.discovery");
  const discovery = routeCaller(
    route,
    `/projects/${slug}/discovery`,
    { slug },
    await signInCookie(owner.id),
  );
  const card = (candidateId: string, fields: Record<string, string>) => ({
    intent: "assess",
    formId: `assess-${candidateId}`,
    candidateId,
    ...fields,
  });

  // Selecting without a reason is refused: the reason is part of the method; the judgement typed
  // beside it is neither saved nor lost.
  const failed = await discovery.post(
    card(first.id, {
      "judgements.relevance.score": "4",
      "judgements.relevance.comment": "Repair talk",
      decision: "rejected",
      reason: "   ",
    }),
  );
  expect(statusOf(failed)).toBe(400);
  const answer = bodyOf(failed);
  expect(answer).toMatchObject({
    ok: false,
    formId: `assess-${first.id}`,
    fieldErrors: { reason: expect.any(String) },
    result: { initialValue: { decision: "rejected", candidateId: first.id } },
  });
  const mine = formState(answer, `assess-${first.id}`);
  const theirs = formState(answer, `assess-${second.id}`);
  expect(mine.fieldErrors.reason).toEqual(expect.any(String));
  expect(mine.value("decision", "selected")).toBe("rejected");
  expect(mine.value("judgements.relevance.comment")).toBe("Repair talk");
  expect(theirs.fieldErrors).toEqual({});
  expect(theirs.value("decision", "selected")).toBe("selected");
  // Nor does the page-level message repeat it.
  expect(formState(answer).formError).toBeUndefined();
  expect((await compareCandidates({ store, slug })).every((c) => c.decision === null)).toBe(true);
  expect((await compareCandidates({ store, slug })).every((c) => !c.judgements.relevance)).toBe(
    true,
  );

  // A score outside 1 to 5 is an error under that row.
  const outOfRange = await discovery.post(card(first.id, { "judgements.activity.score": "9" }));
  expect(statusOf(outOfRange)).toBe(400);
  expect(bodyOf(outOfRange)).toMatchObject({
    fieldErrors: { "judgements.activity.score": "A judgement is a score from 1 to 5." },
  });

  // Every field optional: an empty card saves and decides nothing.
  const empty = await discovery.post(card(first.id, {}));
  expect(statusOf(empty)).toBe(200);
  expect(
    (await compareCandidates({ store, slug })).find((c) => c.id === first.id)?.decision,
  ).toBeNull();

  const decided = await discovery.post(
    card(first.id, {
      "judgements.relevance.score": "4",
      "judgements.relevance.comment": "Repair talk",
      "judgements.activity.score": "",
      decision: "rejected",
      reason: "Too few replies.",
    }),
  );
  expect(statusOf(decided)).toBe(200);
  const after = await compareCandidates({ store, slug });
  const assessed = after.find((c) => c.id === first.id);
  expect(assessed?.decision).toMatchObject({ status: "rejected", reason: "Too few replies." });
  expect(assessed?.judgements).toEqual({
    relevance: { score: 4, comment: "Repair talk" },
  });
  expect(after.find((c) => c.id === second.id)?.decision).toBeNull();

  // "Not decided yet" takes a decision back.
  await discovery.post(card(first.id, { decision: "" }));
  expect(
    (await compareCandidates({ store, slug })).find((c) => c.id === first.id)?.decision,
  ).toBeNull();
});

test("only the owner and researchers assess candidates; strategists are refused", async () => {
  const { store, owner } = await buildAppStore();
  const project = await buildProject(store, owner);
  const candidate = await addCandidate({
    store,
    slug: project.slug,
    userId: owner.id,
    name: "r/x",
    platform: "reddit",
  });
  const route = await import("../../app/routes/projects.$slug.discovery");
  for (const [role, status] of [
    ["researcher", 200],
    ["strategist", 403],
  ] as const) {
    const user = await buildUser(store);
    await addMember(store, project, user, role, owner.id);
    const caller = routeCaller(
      route,
      `/projects/${project.slug}/discovery`,
      { slug: project.slug },
      await signInCookie(user.id),
    );
    const answer = await caller.post({
      intent: "assess",
      candidateId: candidate.id,
      "judgements.richness.score": "3",
    });
    expect(statusOf(answer), role).toBe(status);
  }
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
    result: { initialValue: echoed },
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
