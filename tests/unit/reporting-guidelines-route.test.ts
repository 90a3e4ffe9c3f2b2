// Engagement guidelines per theme: touchpoint, responses (boxes), who acts, the impact table's rows
// (impact[i].event/responsible/involved, empty rows dropped), priority and measure; researchers edit,
// strategists read and may not edit, non-members see nothing.
import { expect, test } from "vitest";
import { createCodes } from "../../research/coding/index.js";
import { createTheme, listThemes } from "../../research/reporting/index.js";
import {
  bodyOf,
  buildTeamProject,
  reloadAppForEachTest,
  routeCaller,
  signInCookie,
  statusOf,
} from "../helpers/route-requests.js";

reloadAppForEachTest();

async function guidelinesProject() {
  const { store, owner, slug, researcher, strategist, outsider } = await buildTeamProject();
  const [code] = await createCodes({ store, slug, userId: owner.id, codes: [{ name: "Fixes" }] });
  const theme = await createTheme({
    store,
    slug,
    userId: owner.id,
    name: "Fix culture",
    statement: "Members fix before they complain.",
    codeIds: [code.id],
    confidence: "high",
  });
  const route = await import("../../app/routes/projects.$slug.reporting.guidelines");
  const pathname = `/projects/${slug}/reporting/guidelines`;
  const as = async (user: { id: string } | null) =>
    routeCaller(route, pathname, { slug }, user ? await signInCookie(user.id) : null);
  const guideline = async () => (await listThemes({ store, slug }))[0].guideline;
  return { store, slug, owner, researcher, strategist, outsider, theme, as, pathname, guideline };
}

test("a full guideline with responses ticked and impact rows, then one with every box unticked", async () => {
  const { researcher, theme, as, guideline } = await guidelinesProject();
  const page = await as(researcher);
  const full = await page.post({
    themeId: theme.id,
    touchpoint: "Firmware update",
    experience: "The inverter hums afterwards.",
    responses: ["fix", "change-message"],
    recommendation: "Publish the workaround.",
    responsible: "Support lead",
    involved: "Firmware team",
    "impact[0].event": " Update released ",
    "impact[0].responsible": " Release manager ",
    "impact[0].involved": "Support",
    "impact[1].event": "",
    "impact[1].responsible": "Nobody",
    "impact[2].event": "Forum post",
    priority: "high",
    successMeasure: "Fewer hum threads.",
  });
  expect(bodyOf(full)).toMatchObject({ ok: true, message: "Guideline saved." });
  expect(await guideline()).toEqual({
    touchpoint: "Firmware update",
    experience: "The inverter hums afterwards.",
    responses: ["fix", "change-message"],
    recommendation: "Publish the workaround.",
    responsible: "Support lead",
    involved: "Firmware team",
    impact: [
      { event: "Update released", responsible: "Release manager", involved: "Support" },
      { event: "Forum post", responsible: "", involved: "" },
    ],
    priority: "high",
    successMeasure: "Fewer hum threads.",
  });
  const shown = bodyOf(await page.get()) as {
    canEdit: boolean;
    themes: Array<{ guideline: { priority: string } }>;
  };
  expect(shown).toMatchObject({ canEdit: true, themes: [{ guideline: { priority: "high" } }] });

  // Every optional field left empty and every box unticked clears the guideline.
  const cleared = await page.post({ themeId: theme.id });
  expect(bodyOf(cleared)).toMatchObject({ ok: true });
  expect(await guideline()).toEqual({
    touchpoint: "",
    experience: "",
    responses: [],
    recommendation: "",
    responsible: "",
    involved: "",
    impact: [],
    priority: "",
    successMeasure: "",
  });
});

test("a missing theme, an unknown theme, an unknown response or priority are refused and nothing is written", async () => {
  const { researcher, theme, as, guideline } = await guidelinesProject();
  const page = await as(researcher);
  const noTheme = await page.post({
    formId: "guideline",
    touchpoint: "Somewhere",
    responses: "fix",
  });
  expect(statusOf(noTheme)).toBe(400);
  expect(bodyOf(noTheme)).toMatchObject({
    ok: false,
    formId: "guideline",
    fieldErrors: { themeId: expect.any(String) },
    result: { initialValue: { touchpoint: "Somewhere", responses: "fix" } },
  });
  expect(statusOf(await page.post({ themeId: "gone", touchpoint: "x" }))).toBe(404);
  const badResponse = await page.post({
    formId: `guideline-${theme.id}`,
    themeId: theme.id,
    responses: ["fix", "shout"],
  });
  expect(statusOf(badResponse)).toBe(400);
  const refused = bodyOf(badResponse) as { ok: boolean; formId: string; fieldErrors: object };
  expect(refused).toMatchObject({ ok: false, formId: `guideline-${theme.id}` });
  expect(Object.keys(refused.fieldErrors)).toEqual([expect.stringMatching(/^responses/)]);
  const badPriority = await page.post({ themeId: theme.id, priority: "urgent" });
  expect(statusOf(badPriority)).toBe(400);
  expect(bodyOf(badPriority)).toMatchObject({ fieldErrors: { priority: expect.any(String) } });
  expect(await guideline()).toMatchObject({ touchpoint: "", responses: [], priority: "" });
});

test("the guidelines page sends the theme map with its drawn fields only, under short keys", async () => {
  const { strategist, as } = await guidelinesProject();
  const { themeMap } = bodyOf(await (await as(strategist)).get()) as {
    themeMap: {
      nodes: Array<Record<string, unknown> & { id: string; label: string }>;
      edges: Array<{ source: string; target: string }>;
    };
  };
  expect(themeMap.nodes.map((node) => node.label)).toContain("Fix culture");
  const keys = themeMap.nodes.map((node) => node.id);
  for (const node of themeMap.nodes)
    expect(Object.keys(node).sort()).toEqual(
      ["colour", "group", "id", "label", "labelSide", "radius", "size", "x", "y"].sort(),
    );
  for (const edge of themeMap.edges)
    expect(keys).toEqual(expect.arrayContaining([edge.source, edge.target]));
  expect(JSON.stringify(themeMap)).not.toMatch(
    /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/,
  );
});

test("a strategist reads the guidelines and may not edit; non-members and signed out are refused", async () => {
  const { strategist, outsider, theme, as, pathname, guideline } = await guidelinesProject();
  const read = bodyOf(await (await as(strategist)).get()) as {
    canEdit: boolean;
    themes: Array<{ id: string }>;
  };
  expect(read).toMatchObject({ canEdit: false, themes: [{ id: theme.id }] });
  expect(statusOf(await (await as(outsider)).get())).toBe(404);
  const fields = { themeId: theme.id, touchpoint: "Sneaky", responses: "fix" };
  expect(statusOf(await (await as(strategist)).post(fields))).toBe(403);
  expect(statusOf(await (await as(outsider)).post(fields))).toBe(404);
  for (const answer of [await (await as(null)).get(), await (await as(null)).post(fields)]) {
    expect(statusOf(answer)).toBe(302);
    expect((answer as Response).headers.get("location")).toBe(
      `/login?redirectTo=${encodeURIComponent(pathname)}`,
    );
  }
  expect(await guideline()).toMatchObject({ touchpoint: "", responses: [] });
});
