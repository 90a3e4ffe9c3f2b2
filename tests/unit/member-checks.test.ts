import path from "node:path";
import { expect, test } from "vitest";
import { applyCode, createCodes } from "../../research/coding/index.js";
import {
  importFiles,
  iterateVisiblePosts,
  type CorpusPost,
} from "../../research/collection/index.js";
import { listAudit, purgeMember, recordConsent } from "../../research/entree/index.js";
import {
  createShareLink,
  createTheme,
  handleRemovalRequest,
  listMemberChecks,
  listThemes,
  openShareLink,
  requireShareLink,
  respondToFinding,
  revokeShareLink,
} from "../../research/reporting/index.js";
import { setProjectArchived } from "../../research/projects/index.js";
import { sqlFor, type DocumentStore } from "../../research/store/index.js";
import { buildProject, buildStore, buildUser } from "../factories.js";

const FIXTURES = path.resolve(__dirname, "../fixtures");

async function visiblePostsOf(store: DocumentStore, slug: string): Promise<CorpusPost[]> {
  const posts: CorpusPost[] = [];
  for await (const batch of iterateVisiblePosts({ store, slug })) posts.push(...batch);
  return posts;
}

/** A project with one finding whose evidence is two coded posts (by wrench_wendy and sunny_van). */
async function projectWithFinding(store: DocumentStore, admin = true) {
  const owner = await buildUser(store, { admin });
  const { slug } = await buildProject(store, owner);
  await importFiles({ store, slug, files: [path.join(FIXTURES, "reddit-thread.json")] });
  const [code] = await createCodes({ store, slug, userId: owner.id, codes: [{ name: "Repair" }] });
  const posts = await visiblePostsOf(store, slug);
  const evidence = [];
  for (const needle of [
    "Check the charge controller settings first",
    "Is your inverter on standby",
  ]) {
    const post = posts.find((candidate) => candidate.text.includes(needle))!;
    const [coding] = await applyCode({
      store,
      slug,
      coderId: owner.id,
      codeIds: [code.id],
      span: { sourceType: "post", sourceId: post.id, start: 0, end: [...post.text].length },
    });
    evidence.push({ coding, post });
  }
  const theme = await createTheme({
    store,
    slug,
    userId: owner.id,
    name: "Self-repair",
    statement: "Members fix their own gear.",
    codeIds: [code.id],
    confidence: "high",
    evidenceCodingIds: evidence.map(({ coding }) => coding.id),
  });
  return { owner, slug, theme, evidence };
}

test("a share link keeps only the token's hash, opens its own project's findings, and a response is listed", async () => {
  const store = await buildStore();
  const first = await projectWithFinding(store);
  const second = await projectWithFinding(store, false);
  const { token, link } = await createShareLink({
    store,
    slug: second.slug,
    themeIds: [second.theme.id],
    days: 7,
    userId: second.owner.id,
  });
  const { db } = await sqlFor(store);
  const stored = await db.selectFrom("share_links").selectAll().execute();
  expect(JSON.stringify(stored)).not.toContain(token);
  expect(stored.map((row) => row.token_hash)).toEqual([link.tokenHash]);

  const opened = await openShareLink({ store, token });
  expect(opened.slug).toBe(second.slug);
  expect(opened.report.themes.map((theme) => theme.name)).toEqual(["Self-repair"]);
  expect((await requireShareLink({ store, token })).link.id).toBe(link.id);

  const ref = opened.report.themes[0].evidence[0].ref;
  await respondToFinding({
    store,
    token,
    themeId: second.theme.id,
    rating: "partly",
    comment: "<b>Mostly</b> right\u0007",
    quoteRef: ref,
  });
  const checks = await listMemberChecks({ store, slug: second.slug });
  expect(checks.links.map((candidate) => candidate.id)).toEqual([link.id]);
  expect(checks.responses).toMatchObject([
    { rating: "partly", comment: "Mostly right", linkId: link.id },
  ]);
  const quoted = checks.responses[0].quoteRef!;
  expect(second.evidence.map(({ coding }) => coding.id)).toContain(quoted);
  expect(checks.quotes[quoted]).toBeTruthy();
  // Nothing of it shows in the other project.
  expect(await listMemberChecks({ store, slug: first.slug })).toEqual({
    links: [],
    responses: [],
    quotes: {},
  });
  expect((await listAudit({ store, slug: second.slug, limit: 1 }))[0]).toMatchObject({
    action: "share-link",
  });
});

test("expired, revoked and unknown tokens open nothing, and a finding outside the link is refused", async () => {
  const store = await buildStore();
  const { owner, slug, theme } = await projectWithFinding(store);
  const other = await createTheme({
    store,
    slug,
    userId: owner.id,
    name: "Other",
    statement: "Not shared.",
    codeIds: theme.codeIds,
    confidence: "low",
  });
  const { token, link } = await createShareLink({
    store,
    slug,
    themeIds: [theme.id],
    days: 7,
    userId: owner.id,
  });
  await expect(
    respondToFinding({ store, token, themeId: other.id, rating: "partly" }),
  ).rejects.toThrow(/not part of the shared findings/);
  await expect(openShareLink({ store, token: "nope" })).rejects.toThrow(/not valid/);

  await revokeShareLink({ store, slug, linkId: link.id, userId: owner.id });
  await expect(openShareLink({ store, token })).rejects.toThrow(/not valid/);
  await expect(
    respondToFinding({ store, token, themeId: theme.id, rating: "partly" }),
  ).rejects.toThrow(/not valid/);
  await expect(revokeShareLink({ store, slug, linkId: "nope", userId: owner.id })).rejects.toThrow(
    /No such share link/,
  );

  const expired = await createShareLink({
    store,
    slug,
    themeIds: [theme.id],
    days: 1,
    userId: owner.id,
  });
  const { db } = await sqlFor(store);
  await db
    .updateTable("share_links")
    .set({ expires_at: "2020-01-01T00:00:00.000Z" })
    .where("id", "=", expired.link.id)
    .execute();
  await expect(openShareLink({ store, token: expired.token })).rejects.toThrow(/not valid/);
  await expect(
    createShareLink({ store, slug, themeIds: [theme.id], days: 91, userId: owner.id }),
  ).rejects.toThrow(/1 to 90 days/);

  // Archiving the project closes its links; restoring it opens them again.
  const open = await createShareLink({
    store,
    slug,
    themeIds: [theme.id],
    days: 7,
    userId: owner.id,
  });
  await setProjectArchived({ store, slug, userId: owner.id, archived: true });
  await expect(openShareLink({ store, token: open.token })).rejects.toThrow(/not valid/);
  await expect(
    respondToFinding({ store, token: open.token, themeId: theme.id, rating: "partly" }),
  ).rejects.toThrow(/not valid/);
  await setProjectArchived({ store, slug, userId: owner.id, archived: false });
  await expect(openShareLink({ store, token: open.token })).resolves.toMatchObject({ slug });
});

test("a removal request takes the quote out of every finding; erasing its author removes the request", async () => {
  const store = await buildStore();
  const { owner, slug, theme, evidence } = await projectWithFinding(store);
  const { token } = await createShareLink({
    store,
    slug,
    themeIds: [theme.id],
    days: 7,
    userId: owner.id,
  });
  const opened = await openShareLink({ store, token });
  for (const quote of opened.report.themes[0].evidence) {
    await respondToFinding({
      store,
      token,
      themeId: theme.id,
      rating: "does-not-ring-true",
      quoteRef: quote.ref,
    });
  }
  const { responses } = await listMemberChecks({ store, slug });
  expect(responses).toHaveLength(2);
  const [wendys, sunnys] = evidence;
  const forSunny = responses.find((response) => response.quoteRef === sunnys.coding.id)!;
  await handleRemovalRequest({ store, slug, responseId: forSunny.id, userId: owner.id });
  expect((await listThemes({ store, slug }))[0].evidenceCodingIds).toEqual([wendys.coding.id]);
  expect(
    (await listMemberChecks({ store, slug })).responses.find((r) => r.id === forSunny.id),
  ).toMatchObject({
    handling: "quote removed from findings",
    handledBy: owner.id,
  });

  // The response quoting the erased member's words goes with them.
  await purgeMember({ store, slug, memberId: wendys.post.memberId!, userId: owner.id });
  expect((await listMemberChecks({ store, slug })).responses.map((r) => r.id)).toEqual([
    forSunny.id,
  ]);
  // An opted-out author's quote is no longer shown to the researcher either.
  await recordConsent({
    store,
    slug,
    memberId: sunnys.post.memberId!,
    status: "opted-out",
    userId: owner.id,
  });
  expect((await listMemberChecks({ store, slug })).quotes).toEqual({});
});
