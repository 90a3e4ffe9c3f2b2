// Consent and erasure follow the person (platform + handle, or user id), not one member record: the same
// people imported again under another community name stay withheld, and an erased person stays out.
import path from "node:path";
import { expect, test } from "vitest";
import { importFiles, iterateVisiblePosts, listMembers } from "../../research/collection/index.js";
import { getConsentLog, purgeMember, recordConsent } from "../../research/entree/index.js";
import { buildProject, buildStore, buildUser } from "../factories.js";

const CSV = path.resolve(__dirname, "../fixtures/4cat-export.csv");

async function visibleAuthors(store: Awaited<ReturnType<typeof buildStore>>, slug: string) {
  const members = await listMembers({ store, slug, includeOptedOut: true, limit: 500 });
  const handleOf = new Map(members.members.map((member) => [member.id, member.handle]));
  const authors: string[] = [];
  for await (const batch of iterateVisiblePosts({ store, slug }))
    for (const post of batch) authors.push(handleOf.get(post.memberId ?? "") ?? "(none)");
  return authors;
}

test("an opted-out person imported again under another community name is opted out there too", async () => {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const { slug } = await buildProject(store, owner);
  await importFiles({ store, slug, files: [CSV], community: "Forum A" });
  const first = await listMembers({ store, slug });
  const ana = first.members.find((member) => member.handle === "ana")!;
  await recordConsent({ store, slug, memberId: ana.id, status: "opted-out", userId: owner.id });

  const report = await importFiles({
    store,
    slug,
    files: [CSV],
    community: "Forum B",
    userId: owner.id,
  });
  expect(report.posts).toBeGreaterThan(0);
  expect(await visibleAuthors(store, slug)).not.toContain("ana");
  const everyone = await listMembers({ store, slug, includeOptedOut: true });
  const anas = everyone.members.filter((member) => member.handle === "ana");
  expect(anas).toHaveLength(2);
  expect(anas.map((member) => member.consent)).toEqual(["opted-out", "opted-out"]);
  // The consent log says where the second record's opt-out came from.
  const log = await getConsentLog({ store, slug, q: "ana" });
  const carried = log.rows
    .flatMap((row) => row.entries)
    .find((entry) => entry.evidence.startsWith("Carried over on import"));
  expect(carried).toMatchObject({ status: "opted-out", recordedBy: owner.id });
  // Others met in both imports are unaffected.
  expect((await visibleAuthors(store, slug)).filter((handle) => handle === "bo")).toHaveLength(2);
});

test("an erased person imported again under another community name is left out", async () => {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const { slug } = await buildProject(store, owner);
  await importFiles({ store, slug, files: [CSV], community: "Forum A" });
  const bo = (await listMembers({ store, slug })).members.find((member) => member.handle === "bo")!;
  await purgeMember({ store, slug, memberId: bo.id, userId: owner.id });

  const report = await importFiles({ store, slug, files: [CSV], community: "Forum C" });
  expect(report.erasedExcluded).toBeGreaterThan(0);
  expect(await visibleAuthors(store, slug)).not.toContain("bo");
  const everyone = await listMembers({ store, slug, includeOptedOut: true });
  expect(everyone.members.map((member) => member.handle)).not.toContain("bo");
});

test("opting out one record of a person opts out the person's records in other communities", async () => {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const { slug } = await buildProject(store, owner);
  await importFiles({ store, slug, files: [CSV], community: "Forum A" });
  await importFiles({ store, slug, files: [CSV], community: "Forum B" });
  const anas = (await listMembers({ store, slug })).members.filter((m) => m.handle === "ana");
  expect(anas).toHaveLength(2);
  await recordConsent({ store, slug, memberId: anas[0].id, status: "opted-out", userId: owner.id });
  expect(await visibleAuthors(store, slug)).not.toContain("ana");
  const log = await getConsentLog({ store, slug, q: "ana" });
  const other = log.rows.find((row) => row.member.id === anas[1].id)!;
  expect(other.status).toBe("opted-out");
  expect(other.entries[0].evidence).toMatch(/^Carried over: the same person/);
  // Consent given later by one record is that record's: the researcher records each on its own.
  await recordConsent({ store, slug, memberId: anas[0].id, status: "consented", userId: owner.id });
  expect((await visibleAuthors(store, slug)).filter((handle) => handle === "ana")).toHaveLength(1);
});
