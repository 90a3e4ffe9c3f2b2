import { existsSync } from "node:fs";
import { cp, readFile, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { expect, test } from "vitest";
import { findUserByEmail } from "../../research/accounts/index.js";
import { importFiles } from "../../research/collection/index.js";
import { visiblePosts } from "../../research/collection/corpus.js";
import { requireProject } from "../../research/projects/index.js";
import { sliceCodePoints } from "../../research/shared/text-offsets.js";
import { sqlFor, type DocumentStore } from "../../research/store/index.js";
import {
  UPGRADE_AUDIT_ACTION,
  ensureUpgraded,
  needsUpgrade,
  upgradeDataDirectory,
  type UpgradeReport,
} from "../../research/upgrade/index.js";
import { SHARED_DATA, TEST_ENGINE, buildStore } from "../factories.js";

/** A data directory written by the release before the tables (see its README.md). */
const FIXTURE = path.resolve(__dirname, "../fixtures/legacy-data-dir");
const SLUG = "conlang-study";

type Json = Record<string, never> & Record<string, unknown>;
async function readFixture<T = Json>(relative: string): Promise<T> {
  return JSON.parse(await readFile(path.join(FIXTURE, relative), "utf8")) as T;
}

async function buildLegacyStore(): Promise<DocumentStore> {
  const store = await buildStore();
  await cp(FIXTURE, store.root, { recursive: true });
  // What a file manager leaves behind is no project.
  await writeFile(path.join(store.root, "projects", ".DS_Store"), "");
  return store;
}

type LegacyPost = { id: string; memberId: string | null; text: string };
type LegacyCoding = {
  id: string;
  sourceId: string;
  sourceType: string;
  start: number;
  end: number;
  quote: string;
};

/** What the fixture holds, counted from its files without the upgrade's code. */
async function fixtureTotals() {
  let posts = 0;
  let threads = 0;
  let annotations = 0;
  let members = 0;
  for (const slug of await readdir(path.join(FIXTURE, "projects"))) {
    const manifest = await readFixture<{ batches: Array<{ id: string }> }>(
      `projects/${slug}/corpus/manifest.json`,
    );
    const ids = new Set<string>();
    for (const batch of manifest.batches) {
      const data = await readFixture<{ threads: unknown[]; posts: LegacyPost[] }>(
        `projects/${slug}/corpus/${batch.id}.json`,
      );
      posts += data.posts.length;
      threads += data.threads.length;
      for (const post of data.posts) ids.add(post.id);
    }
    members += (await readFixture<{ members: unknown[] }>(`projects/${slug}/corpus/members.json`))
      .members.length;
    for (const name of await readdir(path.join(FIXTURE, "projects", slug, "nlp"))) {
      const data = await readFixture<{ annotations: Record<string, unknown>; skipped: string[] }>(
        `projects/${slug}/nlp/${name}`,
      );
      annotations += [...Object.keys(data.annotations), ...data.skipped].filter((id) =>
        ids.has(id),
      ).length;
    }
  }
  return { posts, threads, members, annotations };
}

async function countRows(
  store: DocumentStore,
  table: "posts" | "codings" | "audit_events" | "members",
) {
  const { db } = await sqlFor(store);
  const row = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

test(`an old data directory becomes rows with the same counts, and its files move to the backup (${TEST_ENGINE})`, async () => {
  const store = await buildLegacyStore();
  expect(await needsUpgrade(store)).toBe(true);
  const totals = await fixtureTotals();
  const codings = (await readFixture<{ codings: LegacyCoding[] }>(`projects/${SLUG}/codings.json`))
    .codings;
  const audit = (await readFixture<{ entries: unknown[] }>(`projects/${SLUG}/audit.json`)).entries;
  expect(totals.posts).toBeGreaterThan(400);

  const report = await upgradeDataDirectory({ store });

  expect(report).toMatchObject({
    projects: 2,
    communities: 3,
    imports: 3,
    posts: totals.posts,
    threads: totals.threads,
    members: totals.members,
    codings: codings.length,
    memos: 4,
    fieldNotes: 2,
    consentEntries: 5,
    erasedMembers: 2,
    annotations: totals.annotations,
    suggestionDecisions: 2,
    auditEvents: audit.length,
    shareLinks: 1,
    memberResponses: 2,
    documents: TEST_ENGINE === "postgres" ? 5 : 0, // accounts, 2 × project.json, codebook, themes
  });
  // The old erasure left the annotations of erased posts behind: they are not carried over.
  expect(report.notes).toEqual([`${SLUG}: 4 annotations of erased posts left out`]);
  expect(await countRows(store, "posts")).toBe(totals.posts);

  const { db } = await sqlFor(store);
  const project = await requireProject({ store, slug: SLUG });

  // A coding keeps its quote and code-point offsets, and they still match the post's text.
  const coding = codings.find((candidate) => candidate.sourceType === "post")!;
  const row = await db
    .selectFrom("codings")
    .selectAll()
    .where("id", "=", coding.id)
    .executeTakeFirstOrThrow();
  expect(row).toMatchObject({
    project_id: project.id,
    quote: coding.quote,
    source_id: coding.sourceId,
  });
  expect([Number(row.start_cp), Number(row.end_cp)]).toEqual([coding.start, coding.end]);
  const post = await db
    .selectFrom("posts")
    .select("text")
    .where("id", "=", coding.sourceId)
    .executeTakeFirstOrThrow();
  expect(sliceCodePoints(post.text, coding.start, coding.end)).toBe(coding.quote);
  const noteCoding = codings.find((candidate) => candidate.sourceType === "fieldnote")!;
  const note = await db
    .selectFrom("field_notes")
    .select(["markdown", "links"])
    .where("id", "=", noteCoding.sourceId)
    .executeTakeFirstOrThrow();
  expect(sliceCodePoints(note.markdown, noteCoding.start, noteCoding.end)).toBe(noteCoding.quote);
  expect(JSON.parse(note.links)).toHaveLength(3);

  // Consent: the opted-out member's posts are stored but no query shows them; the latest RECORDED entry
  // decides (Mithical's back-dated "consented" came after "declined").
  const status = async (handle: string) =>
    await db
      .selectFrom("members")
      .select(["id", "consent_status"])
      .where("project_id", "=", project.id)
      .where("handle", "=", handle)
      .executeTakeFirstOrThrow();
  const redClover = await status("RedClover");
  expect(redClover.consent_status).toBe("opted-out");
  expect((await status("corsiKa")).consent_status).toBe("paraphrase-only");
  expect((await status("Mithical")).consent_status).toBe("consented");
  const stored = await db
    .selectFrom("posts")
    .select("id")
    .where("member_id", "=", redClover.id)
    .execute();
  expect(stored.length).toBeGreaterThan(0);
  const shown = await visiblePosts(db, project.id)
    .select("p.id")
    .where("p.member_id", "=", redClover.id)
    .execute();
  expect(shown).toEqual([]);

  // Erased members stay erased: their hashes are in erased_members, their rows nowhere.
  const purged = (
    await readFixture<{ purgedMembers: Array<{ handleHash: string }> }>(
      `projects/${SLUG}/consent.json`,
    )
  ).purgedMembers;
  const erased = await db
    .selectFrom("erased_members")
    .select("handle_hash")
    .where("project_id", "=", project.id)
    .execute();
  expect(erased.map((e) => e.handle_hash).sort()).toEqual(purged.map((p) => p.handleHash).sort());
  expect(
    await db
      .selectFrom("members")
      .select("id")
      .where("handle", "in", ["Pikalek", "ChrisF"])
      .execute(),
  ).toEqual([]);

  // Replies are linked to parents across the corpus; Mastodon replies to statuses not collected stay orphans.
  const linked = await db
    .selectFrom("posts")
    .select("id")
    .where("project_id", "=", project.id)
    .where("parent_id", "is not", null)
    .execute();
  expect(linked.length).toBeGreaterThan(100);
  const mastodon = await requireProject({ store, slug: "mastodon-study" });
  const orphans = await db
    .selectFrom("posts")
    .select("id")
    .where("project_id", "=", mastodon.id)
    .where("parent_source_key", "is not", null)
    .where("parent_id", "is", null)
    .execute();
  expect(orphans).toHaveLength(8);

  // An annotation is carried over as the old run computed it.
  const nlpFile = (await readdir(path.join(FIXTURE, "projects", SLUG, "nlp")))[0];
  const nlp = await readFixture<{ annotations: Record<string, unknown> }>(
    `projects/${SLUG}/nlp/${nlpFile}`,
  );
  const [annotatedId, annotation] = Object.entries(nlp.annotations)[0];
  const annotated = await db
    .selectFrom("annotations")
    .select(["state", "data"])
    .where("post_id", "=", annotatedId)
    .executeTakeFirstOrThrow();
  expect(annotated.state).toBe("annotated");
  expect(JSON.parse(annotated.data!)).toEqual(annotation);

  // The share link keeps its token hash, so the link sent to members still opens.
  const links = (
    await readFixture<{ links: Array<{ tokenHash: string }> }>(
      `projects/${SLUG}/member-checks.json`,
    )
  ).links;
  const link = await db
    .selectFrom("share_links")
    .selectAll()
    .where("project_id", "=", project.id)
    .executeTakeFirstOrThrow();
  expect(link).toMatchObject({ token_hash: links[0].tokenHash, project_slug: SLUG });

  // The old files are in the backup; documents stay files on the embedded default, rows on PostgreSQL.
  expect(report.backup).toMatch(/backup[/\\]/);
  const backedUp = path.join(report.backup!, "projects", SLUG);
  for (const name of [
    "codings.json",
    "consent.json",
    "corpus/manifest.json",
    "nlp",
    "member-checks.json",
  ]) {
    expect(existsSync(path.join(backedUp, name))).toBe(true);
    expect(existsSync(path.join(store.root, "projects", SLUG, name))).toBe(false);
  }
  expect(existsSync(path.join(store.root, "projects", SLUG, "project.json"))).toBe(
    TEST_ENGINE === "sqlite",
  );
  expect(existsSync(path.join(backedUp, "project.json"))).toBe(TEST_ENGINE === "postgres");
  expect((await findUserByEmail({ store, email: "bo@example.org" }))?.name).toBe("Bo Coder");
  expect(await needsUpgrade(store)).toBe(false);
});

test(`upgrading again changes nothing (${TEST_ENGINE})`, async () => {
  const store = await buildLegacyStore();
  const first = await upgradeDataDirectory({ store });
  const counts = [
    await countRows(store, "posts"),
    await countRows(store, "codings"),
    await countRows(store, "audit_events"),
  ];
  const again = await upgradeDataDirectory({ store });
  expect(again).toMatchObject({ projects: 0, posts: 0, codings: 0, documents: 0, backup: null });
  expect([
    await countRows(store, "posts"),
    await countRows(store, "codings"),
    await countRows(store, "audit_events"),
  ]).toEqual(counts);
  expect(await readdir(path.join(store.root, "backup"))).toEqual([path.basename(first.backup!)]);
});

test(`a crash before the commit leaves nothing; the next start upgrades everything (${TEST_ENGINE})`, async () => {
  const store = await buildLegacyStore();
  await expect(
    upgradeDataDirectory({
      store,
      interruptAt: (moment, slug) => {
        if (moment === "tables-filled" && slug === SLUG) throw new Error("killed");
      },
    }),
  ).rejects.toThrow("killed");
  expect(await countRows(store, "posts")).toBe(0);
  expect(existsSync(path.join(store.root, "projects", SLUG, "codings.json"))).toBe(true);

  const report = await upgradeDataDirectory({ store });
  expect(report.projects).toBe(2);
  expect(report.posts).toBe((await fixtureTotals()).posts);
});

test(`a crash after the commit, before the move, resumes by moving the files only (${TEST_ENGINE})`, async () => {
  const store = await buildLegacyStore();
  const totals = await fixtureTotals();
  await expect(
    upgradeDataDirectory({
      store,
      interruptAt: (moment, slug) => {
        if (moment === "before-move" && slug === SLUG) throw new Error("killed");
      },
    }),
  ).rejects.toThrow("killed");
  const afterCrash = await countRows(store, "posts");
  expect(afterCrash).toBeGreaterThan(400);
  expect(existsSync(path.join(store.root, "projects", SLUG, "codings.json"))).toBe(true);

  const resumed = await upgradeDataDirectory({ store });
  // conlang-study only needed its move; mastodon-study (after it in order) was upgraded now.
  expect(resumed.projects).toBe(2);
  expect(resumed.posts).toBe(totals.posts - afterCrash);
  expect(await countRows(store, "posts")).toBe(totals.posts);
  expect(existsSync(path.join(store.root, "projects", SLUG, "codings.json"))).toBe(false);
  const { db } = await sqlFor(store);
  const markers = await db
    .selectFrom("audit_events")
    .select("project_id")
    .where("action", "=", UPGRADE_AUDIT_ACTION)
    .execute();
  expect(markers).toHaveLength(2);
});

test(`a project with rows of its own beside old files is refused, changing nothing (${TEST_ENGINE})`, async () => {
  const store = await buildLegacyStore();
  const project = JSON.parse(
    await readFile(path.join(FIXTURE, "projects", SLUG, "project.json"), "utf8"),
  ) as { id: string };
  const { db } = await sqlFor(store);
  await db
    .insertInto("audit_events")
    .values({
      project_id: project.id,
      at: "2026-12-01T00:00:00.000Z",
      by: "x",
      action: "consent",
      detail: "",
    })
    .execute();
  await expect(upgradeDataDirectory({ store })).rejects.toThrow(/already has audit events/);
  expect(await countRows(store, "posts")).toBe(0);
  expect(existsSync(path.join(store.root, "projects", SLUG, "codings.json"))).toBe(true);
});

test(`ensureUpgraded upgrades once per process and is a folder listing afterwards (${TEST_ENGINE})`, async () => {
  const store = await buildLegacyStore();
  const first = ensureUpgraded(store);
  expect(ensureUpgraded(store)).toBe(first);
  const report = (await first) as UpgradeReport;
  expect(report.projects).toBe(2);
  expect(await ensureUpgraded(store)).toBe(report);

  const fresh = await buildStore();
  expect(await ensureUpgraded(fresh)).toBeNull();
});

test(`counts that differ after the copy stop the upgrade and change nothing (${TEST_ENGINE})`, async () => {
  const store = await buildLegacyStore();
  const project = JSON.parse(
    await readFile(path.join(FIXTURE, "projects", SLUG, "project.json"), "utf8"),
  ) as { id: string };
  const { db } = await sqlFor(store);
  // A stray row of the project that the old files do not hold: the tables would not match the files.
  await db
    .insertInto("communities")
    .values({
      id: "stray",
      project_id: project.id,
      platform: "reddit",
      name: "r/stray",
      url: null,
      created_at: "2026-12-01T00:00:00.000Z",
    })
    .execute();
  await expect(upgradeDataDirectory({ store })).rejects.toThrow(
    /communities: 3 rows for 2 in the files.*Nothing was changed/,
  );
  expect(await countRows(store, "posts")).toBe(0);
  expect(existsSync(path.join(store.root, "projects", SLUG, "corpus", "manifest.json"))).toBe(true);
});

test.skipIf(TEST_ENGINE !== "postgres")(
  "on PostgreSQL a document that differs from the database's copy is refused",
  async () => {
    const store = await buildLegacyStore();
    const { db } = await sqlFor(store);
    await db
      .insertInto("documents")
      .values({
        key: "accounts.json",
        data: "{}",
        version: 1,
        updated_at: "2026-12-01T00:00:00.000Z",
      })
      .execute();
    await expect(upgradeDataDirectory({ store })).rejects.toThrow(
      /already holds a different accounts.json/,
    );
    expect(existsSync(path.join(store.root, "accounts.json"))).toBe(true);
    expect(await countRows(store, "posts")).toBe(0);
  },
);

test(`re-importing the files of the old release after the upgrade adds nothing (${TEST_ENGINE})`, async () => {
  const store = await buildLegacyStore();
  const upgraded = await upgradeDataDirectory({ store });
  // The same source keys, member identities and erasure hashes as the importer computes now.
  const dump = await importFiles({
    store,
    slug: SLUG,
    files: [path.join(SHARED_DATA, "stackexchange-conlang-meta")],
  });
  expect(dump).toMatchObject({ posts: 0, threads: 0, members: 0, erasedExcluded: 8 });
  const topic = await importFiles({
    store,
    slug: SLUG,
    files: [path.join(SHARED_DATA, "discourse-ublock", "discourse_topic_1148.json")],
  });
  expect(topic).toMatchObject({ posts: 0, threads: 0, members: 0, duplicates: 20 });
  expect(await countRows(store, "posts")).toBe(upgraded.posts);
  expect(await countRows(store, "members")).toBe(upgraded.members);
});
