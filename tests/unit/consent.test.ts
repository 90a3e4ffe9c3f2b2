import { readFile, readdir } from "node:fs/promises";
import path from "node:path";
import { expect, test } from "vitest";
import { applyCode, createCodes, listCodings } from "../../research/coding/index.js";
import { createFieldNote, importFiles, listMembers, listThreads, loadCorpus, loadVisibleCorpus, searchProject } from "../../research/collection/index.js";
import { addCandidate, compareCandidates, linkCandidateSample } from "../../research/discovery/index.js";
import { getConsentLog, listAudit, purgeMember, recordConsent, resolveMemberByHandle } from "../../research/entree/index.js";
import { getProjectStats } from "../../research/projects/index.js";
import { buildProject, buildStore, buildUser } from "../factories.js";

const FIXTURES = path.resolve(__dirname, "../fixtures");

async function projectWithThread() {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const { slug } = await buildProject(store, owner);
  await importFiles({ store, slug, files: [path.join(FIXTURES, "reddit-thread.json")] });
  return { store, slug, owner };
}

async function allFilesText(root: string): Promise<string> {
  let text = "";
  for (const entry of await readdir(root, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) text += await readFile(path.join(entry.parentPath, entry.name), "utf8");
  }
  return text;
}

test("an opted-out member's words leave threads, search, members and discovery figures at once", async () => {
  const { store, slug, owner } = await projectWithThread();
  const sunny = await resolveMemberByHandle({ store, slug, handle: "sunny_van" });
  const candidate = await addCandidate({ store, slug, name: "r/VanLife", platform: "reddit" });
  await linkCandidateSample({ store, slug, candidateId: candidate.id, communityId: (await loadCorpus({ store, slug })).communities[0].id });
  expect((await searchProject({ store, slug, query: "inverter" })).total).toBe(1);

  await recordConsent({ store, slug, memberId: sunny.id, status: "opted-out", evidence: "DM", userId: owner.id });

  const visible = await loadVisibleCorpus({ store, slug });
  expect(visible.posts.some((post) => post.memberId === sunny.id)).toBe(false);
  expect(visible.posts.some((post) => post.text.includes("inverter"))).toBe(false);
  expect((await searchProject({ store, slug, query: "inverter" })).total).toBe(0);
  expect((await listMembers({ store, slug })).some((member) => member.id === sunny.id)).toBe(false);
  expect((await listThreads({ store, slug })).threads[0].postCount).toBe(5);
  expect((await compareCandidates({ store, slug }))[0].indicators?.posts).toBe(5);
  // Only the consent log still names them, so the researcher can see the opt-out.
  expect((await getConsentLog({ store, slug })).find((row) => row.member.id === sunny.id)?.status).toBe("opted-out");
});

test("codings of an opted-out member's posts disappear from coding views", async () => {
  const { store, slug, owner } = await projectWithThread();
  const [code] = await createCodes({ store, slug, userId: owner.id, codes: [{ name: "Troubleshooting" }] });
  const corpus = await loadCorpus({ store, slug });
  const post = corpus.posts.find((p) => p.text.startsWith("Is your inverter"))!;
  await applyCode({ store, slug, coderId: owner.id, codeIds: [code.id], span: { sourceType: "post", sourceId: post.id, start: 0, end: 7 } });
  expect(await listCodings({ store, slug })).toHaveLength(1);
  await recordConsent({ store, slug, memberId: post.memberId!, status: "opted-out", userId: owner.id });
  expect(await listCodings({ store, slug })).toHaveLength(0);
});

test("erasure removes every trace of the member, keeps an audit entry without content, and survives a re-import", async () => {
  const { store, slug, owner } = await projectWithThread();
  const wendy = await resolveMemberByHandle({ store, slug, handle: "wrench_wendy" });
  const corpus = await loadCorpus({ store, slug });
  const wendyPost = corpus.posts.find((p) => p.memberId === wendy.id)!;
  const [code] = await createCodes({ store, slug, userId: owner.id, codes: [{ name: "Expertise" }] });
  await applyCode({ store, slug, coderId: owner.id, codeIds: [code.id], span: { sourceType: "post", sourceId: wendyPost.id, start: 0, end: 5 } });
  await createFieldNote({ store, slug, authorId: owner.id, kind: "observational", title: "On expertise", markdown: "Measurement first.", links: [{ type: "post", id: wendyPost.id }, { type: "member", id: wendy.id }] });

  const result = await purgeMember({ store, slug, memberId: wendy.id, userId: owner.id });
  expect(result).toEqual({ posts: 2, codings: 1 });
  const everything = await allFilesText(store.root);
  expect(everything).not.toContain("wrench_wendy");
  expect(everything).not.toContain("Check the charge controller settings first");
  expect(everything).not.toContain("battery monitor (shunt)");
  expect(everything).not.toContain(wendy.pseudonym);
  const audit = await listAudit({ store, slug });
  expect(audit.at(-1)).toMatchObject({ action: "erasure", detail: `member ${wendy.id} erased: 2 posts, 1 codings removed` });
  expect(await getProjectStats({ store, slug })).toMatchObject({ posts: 4, members: 2, codings: 0 });

  const again = await importFiles({ store, slug, files: [path.join(FIXTURES, "reddit-thread.json")] });
  expect(again).toMatchObject({ posts: 0, members: 0, erasedExcluded: 2 });
  expect(await allFilesText(store.root)).not.toContain("wrench_wendy");
});

test("a handle that several members share is an error listing them; an unknown one is not found", async () => {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const { slug } = await buildProject(store, owner);
  await importFiles({ store, slug, files: [path.join(FIXTURES, "4cat-export.csv")], community: "Forum A" });
  await importFiles({ store, slug, files: [path.join(FIXTURES, "4cat-export.csv")], community: "Forum B" });
  await expect(resolveMemberByHandle({ store, slug, handle: "ana" })).rejects.toThrow(/ambiguous: 2 members match: ana \(csv in Forum A.*ana \(csv in Forum B/);
  await expect(resolveMemberByHandle({ store, slug, handle: "nobody" })).rejects.toThrow(/No member with the handle "nobody"/);
});
