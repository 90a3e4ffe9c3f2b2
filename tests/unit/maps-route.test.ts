// The relationship maps page: what it sends of each network (the drawn fields, short node keys), for
// whom (readers of reports only), with its optional choices present and absent, and without an
// opted-out member.
import path from "node:path";
import { expect, test } from "vitest";
import { applyCode, createCodes } from "../../research/coding/index.js";
import { importFiles, iterateVisiblePosts, listMembers } from "../../research/collection/index.js";
import { recordConsent } from "../../research/entree/index.js";
import {
  bodyOf,
  buildTeamProject,
  reloadAppForEachTest,
  routeCaller,
  signInCookie,
  statusOf,
} from "../helpers/route-requests.js";

reloadAppForEachTest();

type PageMap = {
  nodes: Array<Record<string, unknown> & { id: string; label: string }>;
  edges: Array<Record<string, unknown> & { source: string; target: string; weight: number }>;
};
type MapsPage = { maps: { members: PageMap | null; codes: PageMap; themes: PageMap } };

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

async function mappedProject() {
  const team = await buildTeamProject();
  const { store, slug, owner } = team;
  await importFiles({
    store,
    slug,
    files: [path.resolve(__dirname, "../fixtures/reddit-thread.json")],
  });
  const [fix, care] = await createCodes({
    store,
    slug,
    userId: owner.id,
    codes: [{ name: "Fix" }, { name: "Care" }],
  });
  const { members } = await listMembers({ store, slug });
  for await (const batch of iterateVisiblePosts({ store, slug }))
    for (const post of batch.slice(0, 3)) {
      const span = { sourceType: "post" as const, sourceId: post.id, start: 0, end: 4 };
      await applyCode({ store, slug, span, codeIds: [fix.id, care.id], coderId: owner.id });
    }
  const route = await import("../../app/routes/projects.$slug.reporting.maps");
  const caller = async (userId: string | null, search = "") =>
    routeCaller(
      route,
      `/projects/${slug}/reporting/maps${search}`,
      { slug },
      userId ? await signInCookie(userId) : null,
    );
  return { ...team, fix, members, caller };
}

function expectDrawnOnly(map: PageMap) {
  const ids = map.nodes.map((node) => node.id);
  expect(new Set(ids).size).toBe(ids.length);
  for (const node of map.nodes)
    expect(Object.keys(node).sort()).toEqual(
      ["colour", "group", "id", "label", "labelSide", "radius", "size", "x", "y"].sort(),
    );
  for (const edge of map.edges) {
    expect(Object.keys(edge).sort()).toEqual(["source", "target", "weight"]);
    expect(ids).toContain(edge.source);
    expect(ids).toContain(edge.target);
  }
}

test("the maps page sends each network's drawn fields under short keys, and every link joins two of its nodes", async () => {
  const { owner, caller } = await mappedProject();
  const answer = await (await caller(owner.id)).get();
  expect(statusOf(answer)).toBe(200);
  const { maps } = bodyOf(answer) as MapsPage;
  expect(maps.members?.nodes.length).toBeGreaterThan(1);
  expect(maps.members?.edges.length).toBeGreaterThan(0);
  expect(maps.codes.nodes.map((node) => node.label).join(" ")).toMatch(/Fix.*Care|Care.*Fix/);
  expect(maps.codes.edges).toHaveLength(1);
  for (const map of [maps.members!, maps.codes, maps.themes]) expectDrawnOnly(map);
  // No member's, code's or post's id, no metrics or time spells: the downloads carry those.
  expect(JSON.stringify(maps)).not.toMatch(UUID);
});

test("the member count and the colouring are optional: absent, present, and nonsense fall back", async () => {
  const { owner, fix, caller } = await mappedProject();
  type WithQuery = MapsPage & { query: { members: number; colour: string; min: number } };
  const plain = bodyOf(await (await caller(owner.id)).get()) as WithQuery;
  expect(plain.query).toEqual({ min: 1, members: 2000, colour: "" });
  const chosen = bodyOf(await (await caller(owner.id, "?members=100&min=2")).get()) as WithQuery;
  expect(chosen.query).toMatchObject({ members: 100, min: 2 });
  expect(chosen.maps.members?.nodes.length).toBe(plain.maps.members?.nodes.length);
  const byCode = bodyOf(await (await caller(owner.id, `?colour=${fix.id}`)).get()) as WithQuery;
  expect(byCode.query.colour).toBe(fix.id);
  expect(byCode.maps.members?.nodes.map((node) => node.colour)).not.toEqual(
    plain.maps.members?.nodes.map((node) => node.colour),
  );
  const odd = bodyOf(await (await caller(owner.id, "?members=7&min=x")).get()) as WithQuery;
  expect(odd.query).toMatchObject({ members: 2000, min: 1 });
  // A colour naming no code of the codebook (an old link, a typo) colours by community, as with none.
  const unknown = await (await caller(owner.id, "?colour=no-such-code")).get();
  expect(statusOf(unknown)).toBe(200);
  expect((bodyOf(unknown) as WithQuery).maps.members?.nodes.map((node) => node.colour)).toEqual(
    plain.maps.members?.nodes.map((node) => node.colour),
  );
});

test("researchers and strategists read the maps; someone outside the project gets not found, a visitor the login", async () => {
  const { researcher, strategist, outsider, caller } = await mappedProject();
  expect(statusOf(await (await caller(researcher.id)).get())).toBe(200);
  expect(statusOf(await (await caller(strategist.id)).get())).toBe(200);
  expect(statusOf(await (await caller(outsider.id)).get())).toBe(404);
  const visitor = await (await caller(null)).get();
  expect(statusOf(visitor)).toBe(302);
  expect((visitor as Response).headers.get("location")).toMatch(/^\/login/);
});

test("an opted-out member is on no map of the page", async () => {
  const { store, slug, owner, members, caller } = await mappedProject();
  const before = bodyOf(await (await caller(owner.id)).get()) as MapsPage;
  const mapped = members.find((member) =>
    before.maps.members?.nodes.some((node) => node.label === member.pseudonym),
  );
  expect(mapped).toBeTruthy();
  await recordConsent({
    store,
    slug,
    memberId: mapped!.id,
    status: "opted-out",
    userId: owner.id,
  });
  const after = bodyOf(await (await caller(owner.id)).get()) as MapsPage;
  expect(JSON.stringify(after.maps)).not.toContain(mapped!.pseudonym);
  expect(after.maps.members?.nodes.length).toBeLessThan(before.maps.members!.nodes.length);
});
