import { existsSync } from "node:fs";
import path from "node:path";
import type { Insertable, Kysely } from "kysely";
import { sourceKey } from "../collection/model.js";
import { ResearchError } from "../shared/errors.js";
import type { Database } from "../store/index.js";
import {
  legacyAnnotationsFile,
  legacyAuditFile,
  legacyBatchFile,
  legacyCodingsFile,
  legacyConsentFile,
  legacyFieldNotesFile,
  legacyManifestFile,
  legacyMemberChecksFile,
  legacyMembersFile,
  legacyMemosFile,
  legacyPaths,
  legacySuggestionsFile,
  listBatchFiles,
  listFolder,
  readLegacyFile,
  type LegacyBatchSummary,
  type LegacyMember,
  type LegacyPost,
} from "./legacy-files.js";

/** What the tables hold for one project: what the upgrade expects, and what it then counts. */
export type TableCounts = {
  communities: number;
  imports: number;
  threads: number;
  posts: number;
  members: number;
  consentEntries: number;
  erasedMembers: number;
  codings: number;
  memos: number;
  fieldNotes: number;
  annotations: number;
  suggestionDecisions: number;
  auditEvents: number;
  shareLinks: number;
  memberResponses: number;
};

export const TABLE_OF: Record<keyof TableCounts, keyof Database> = {
  communities: "communities",
  imports: "imports",
  threads: "threads",
  posts: "posts",
  members: "members",
  consentEntries: "consent_entries",
  erasedMembers: "erased_members",
  codings: "codings",
  memos: "memos",
  fieldNotes: "field_notes",
  annotations: "annotations",
  suggestionDecisions: "suggestion_decisions",
  auditEvents: "audit_events",
  shareLinks: "share_links",
  memberResponses: "member_responses",
};

export function zeroCounts(): TableCounts {
  return {
    communities: 0,
    imports: 0,
    threads: 0,
    posts: 0,
    members: 0,
    consentEntries: 0,
    erasedMembers: 0,
    codings: 0,
    memos: 0,
    fieldNotes: 0,
    annotations: 0,
    suggestionDecisions: 0,
    auditEvents: 0,
    shareLinks: 0,
    memberResponses: 0,
  };
}

/** Rows per insert statement: well under both engines' limits on bound parameters. */
const CHUNK = 400;

async function insertChunked<T extends keyof Database>(
  trx: Kysely<Database>,
  table: T,
  rows: Insertable<Database[T]>[],
): Promise<void> {
  for (let start = 0; start < rows.length; start += CHUNK) {
    // Kysely cannot relate a generic table name to its row type; the rows were typed by the caller.
    await trx
      .insertInto(table)
      .values(rows.slice(start, start + CHUNK) as never)
      .execute();
  }
}

export type CopyContext = {
  trx: Kysely<Database>;
  projectId: string;
  slug: string;
  folder: string;
  /** Things the upgrade mended or left out on purpose, for the report (never content). */
  notes: string[];
  onPosts?: (posts: number) => void;
};

/**
 * Reads a project's old growing files and writes their rows. Returns what the tables must now hold
 * for the project, which the caller compares with what they do hold. Old files are read one batch at a
 * time; what is kept across batches is ids and keys only (the old release held far more in memory).
 */
export async function copyProjectRows(context: CopyContext): Promise<TableCounts> {
  const { trx, projectId, slug, folder, notes } = context;
  const file = (relative: string) => path.join(folder, relative);
  const expected = zeroCounts();

  const manifest = await readLegacyFile(file(legacyPaths.manifest), legacyManifestFile);
  const platformOf = new Map(
    manifest.communities.map((community) => [community.id, community.platform]),
  );
  await insertChunked(
    trx,
    "communities",
    manifest.communities.map((community) => ({
      id: community.id,
      project_id: projectId,
      platform: community.platform,
      name: community.name,
      url: community.url,
      created_at: community.createdAt,
    })),
  );
  expected.communities = manifest.communities.length;

  const { rows: importRows, importOfBatch } = groupImports(projectId, manifest.batches);
  await insertChunked(trx, "imports", importRows);
  expected.imports = importRows.length;

  // Members, deduplicated the way the tables require (one per platform and identity, unique pseudonyms).
  const consent = await readLegacyFile(file(legacyPaths.consent), legacyConsentFile);
  const { members } = await readLegacyFile(file(legacyPaths.members), legacyMembersFile);
  const memberIds = new Set<string>();
  const memberRemap = new Map<string, string>();
  const pseudonyms = new Set<string>();
  const identities = new Map<string, string>();
  const keptMembers: LegacyMember[] = [];
  let duplicateMembers = 0;
  for (const member of members) {
    const identity = `${member.platform}\u0000${identityKeyOf(member)}`;
    const existing = identities.get(identity);
    if (existing !== undefined) {
      if (existing !== member.id) memberRemap.set(member.id, existing);
      duplicateMembers++;
      continue;
    }
    identities.set(identity, member.id);
    memberIds.add(member.id);
    keptMembers.push(member);
  }
  if (duplicateMembers > 0)
    notes.push(`${slug}: ${duplicateMembers} members listed twice; each kept once`);
  const memberIdOf = (id: string) => memberRemap.get(id) ?? id;
  // The current status is the latest entry RECORDED (the order of the log), whatever date it states.
  const statusOf = new Map<string, string>();
  for (const entry of consent.entries) statusOf.set(memberIdOf(entry.memberId), entry.status);
  await insertChunked(
    trx,
    "members",
    keptMembers.map((member) => ({
      id: member.id,
      project_id: projectId,
      platform: member.platform,
      identity_key: identityKeyOf(member),
      handle: member.handle,
      display_name: member.displayName,
      platform_user_id: member.platformUserId,
      pseudonym: freePseudonym(member.pseudonym, pseudonyms),
      post_count: member.postCount,
      first_post_at: member.firstPostAt,
      last_post_at: member.lastPostAt,
      privacy_signals: JSON.stringify(member.privacySignals),
      consent_status: statusOf.get(member.id) ?? null,
    })),
  );
  expected.members = keptMembers.length;

  // Threads and posts, one batch file at a time, in the manifest's order (the old corpus's order).
  const threadIds = new Set<string>();
  const threadRemap = new Map<string, string>();
  const threadByKey = new Map<string, string>();
  const placeholderThreads = new Set<string>();
  const postIds = new Set<string>();
  const postRemap = new Map<string, string>();
  const postByKey = new Map<string, string>();
  let duplicatePosts = 0;
  let missingMembers = 0;
  for (const batch of manifest.batches) {
    if (!existsSync(file(legacyPaths.batch(batch.id)))) {
      // The old loader read a missing batch as empty too; say so, since its posts are gone.
      notes.push(`${slug}: batch ${batch.id} is listed in the manifest but its file is missing`);
    }
    const data = await readLegacyFile(file(legacyPaths.batch(batch.id)), legacyBatchFile);
    const importId = importOfBatch.get(batch.id) ?? batch.id;
    const threadRows: Insertable<Database["threads"]>[] = [];
    for (const thread of data.threads) {
      if (!platformOf.has(thread.communityId)) {
        throw new ResearchError(
          "corrupt-file",
          `Thread ${thread.id} of ${legacyPaths.batch(batch.id)} names a community the manifest does not list.`,
          { file: file(legacyPaths.batch(batch.id)), field: "communityId" },
        );
      }
      const key = `${thread.communityId}\u0000${thread.sourceId}`;
      const existing = threadByKey.get(key);
      if (existing !== undefined) {
        if (existing !== thread.id) threadRemap.set(thread.id, existing);
        continue;
      }
      threadByKey.set(key, thread.id);
      const row = {
        id: thread.id,
        project_id: projectId,
        community_id: thread.communityId,
        source_id: thread.sourceId,
        title: thread.title,
        url: thread.url,
        created_at: thread.createdAt,
        import_id: importId,
      };
      if (placeholderThreads.delete(thread.id)) {
        // A post named this thread before its batch came: the stand-in row gets the real values.
        await trx.updateTable("threads").set(row).where("id", "=", thread.id).execute();
        continue;
      }
      threadIds.add(thread.id);
      threadRows.push(row);
    }
    await insertChunked(trx, "threads", threadRows);

    const postRows: Insertable<Database["posts"]>[] = [];
    for (const post of data.posts) {
      const platform = platformOf.get(post.communityId) ?? "other";
      const key = sourceKey(platform, post.communityId, post.sourceId);
      const existing = postByKey.get(key) ?? (postIds.has(post.id) ? post.id : undefined);
      if (existing !== undefined) {
        // The same platform post stored twice (parallel imports of one file did that): keep the first.
        if (existing !== post.id) postRemap.set(post.id, existing);
        duplicatePosts++;
        continue;
      }
      postByKey.set(key, post.id);
      postIds.add(post.id);
      const threadId = threadRemap.get(post.threadId) ?? post.threadId;
      if (!threadIds.has(threadId)) {
        await insertPlaceholderThread(trx, projectId, post, threadId, importId);
        threadIds.add(threadId);
        placeholderThreads.add(threadId);
      }
      const memberId = post.memberId === null ? null : memberIdOf(post.memberId);
      if (memberId !== null && !memberIds.has(memberId)) {
        await insertPlaceholderMember(trx, projectId, platform, memberId, pseudonyms, statusOf);
        memberIds.add(memberId);
        expected.members++;
        missingMembers++;
      }
      postRows.push(postRow(projectId, post, { platform, key, threadId, memberId, importId }));
    }
    await insertChunked(trx, "posts", postRows);
    expected.posts += postRows.length;
    context.onPosts?.(expected.posts);
  }
  expected.threads = threadIds.size;
  if (placeholderThreads.size > 0) {
    notes.push(
      `${slug}: ${placeholderThreads.size} threads named by posts but missing; added untitled`,
    );
  }
  if (missingMembers > 0) {
    notes.push(
      `${slug}: ${missingMembers} members named by posts but missing from members.json; added as unknown`,
    );
  }
  if (duplicatePosts > 0)
    notes.push(`${slug}: ${duplicatePosts} posts stored twice; each kept once`);
  const unlisted = (await listBatchFiles(folder)).filter(
    (batchId) => !manifest.batches.some((batch) => batch.id === batchId),
  );
  if (unlisted.length > 0) {
    // The old release never read a batch its manifest did not list (an import killed before its commit).
    notes.push(`${slug}: ${unlisted.length} unlisted batch files (interrupted imports) left out`);
  }
  await linkParents(trx, projectId);

  const postIdOf = (id: string) => postRemap.get(id) ?? id;
  const sourceIdOf = (type: string, id: string) => (type === "post" ? postIdOf(id) : id);

  await insertChunked(
    trx,
    "consent_entries",
    consent.entries.map((entry) => ({
      id: entry.id,
      project_id: projectId,
      member_id: memberIdOf(entry.memberId),
      status: entry.status,
      stated_date: entry.date,
      evidence: entry.evidence,
      recorded_by: entry.recordedBy,
      // The old log kept no recording time; its order is kept by `seq`.
      recorded_at: entry.date,
    })),
  );
  expected.consentEntries = consent.entries.length;

  const erased = new Map<string, (typeof consent.purgedMembers)[number]>();
  for (const purged of consent.purgedMembers) {
    const key = `${purged.platform}\u0000${purged.handleHash}`;
    if (!erased.has(key)) erased.set(key, purged);
  }
  await insertChunked(
    trx,
    "erased_members",
    [...erased.values()].map((purged) => ({
      project_id: projectId,
      platform: purged.platform,
      handle_hash: purged.handleHash,
      purged_at: purged.purgedAt,
    })),
  );
  expected.erasedMembers = erased.size;

  const { codings } = await readLegacyFile(file(legacyPaths.codings), legacyCodingsFile);
  const codingSpans = new Set<string>();
  const codingRows: Insertable<Database["codings"]>[] = [];
  for (const coding of codings) {
    const sourceId = sourceIdOf(coding.sourceType, coding.sourceId);
    const span = [
      coding.codeId,
      coding.sourceType,
      sourceId,
      coding.start,
      coding.end,
      coding.coderId,
    ];
    const spanKey = span.join("\u0000");
    // One coder applies one code to one span once (migration 004); the old file could hold repeats.
    if (codingSpans.has(spanKey)) continue;
    codingSpans.add(spanKey);
    codingRows.push({
      id: coding.id,
      project_id: projectId,
      code_id: coding.codeId,
      source_type: coding.sourceType,
      source_id: sourceId,
      start_cp: coding.start,
      end_cp: coding.end,
      quote: coding.quote,
      coder_id: coding.coderId,
      created_at: coding.createdAt,
    });
  }
  if (codingRows.length < codings.length) {
    notes.push(
      `${slug}: ${codings.length - codingRows.length} repeated codings (same coder, code, span) kept once`,
    );
  }
  await insertChunked(trx, "codings", codingRows);
  expected.codings = codingRows.length;

  const { memos } = await readLegacyFile(file(legacyPaths.memos), legacyMemosFile);
  await insertChunked(
    trx,
    "memos",
    memos.map((memo) => ({
      id: memo.id,
      project_id: projectId,
      target_type: memo.target.type,
      target_id: sourceIdOf(memo.target.type, memo.target.id),
      markdown: memo.markdown,
      author_id: memo.authorId,
      created_at: memo.createdAt,
      updated_at: memo.updatedAt,
    })),
  );
  expected.memos = memos.length;

  const { notes: fieldNotes } = await readLegacyFile(
    file(legacyPaths.fieldNotes),
    legacyFieldNotesFile,
  );
  await insertChunked(
    trx,
    "field_notes",
    fieldNotes.map((note) => ({
      id: note.id,
      project_id: projectId,
      kind: note.kind,
      title: note.title,
      markdown: note.markdown,
      author_id: note.authorId,
      created_at: note.createdAt,
      updated_at: note.updatedAt,
      links: JSON.stringify(
        note.links.map((link) => ({
          type: link.type,
          id:
            link.type === "post"
              ? postIdOf(link.id)
              : link.type === "member"
                ? memberIdOf(link.id)
                : (threadRemap.get(link.id) ?? link.id),
        })),
      ),
    })),
  );
  expected.fieldNotes = fieldNotes.length;

  expected.annotations = await copyAnnotations(context, postIds, postIdOf);

  const { decisions } = await readLegacyFile(file(legacyPaths.suggestions), legacySuggestionsFile);
  // One decision per suggestion (the table's key): a later decision replaces an earlier one.
  const latestDecision = new Map(decisions.map((decision) => [decision.suggestionId, decision]));
  await insertChunked(
    trx,
    "suggestion_decisions",
    [...latestDecision.values()].map((decision) => ({
      suggestion_id: decision.suggestionId,
      project_id: projectId,
      kind: decision.kind,
      code_id: decision.codeId,
      source_id: postIdOf(decision.sourceId),
      start_cp: decision.start,
      end_cp: decision.end,
      score: decision.score,
      decision: decision.decision,
      decided_by: decision.decidedBy,
      at: decision.at,
    })),
  );
  expected.suggestionDecisions = latestDecision.size;

  const audit = await readLegacyFile(file(legacyPaths.audit), legacyAuditFile);
  await insertChunked(
    trx,
    "audit_events",
    audit.entries.map((entry) => ({
      project_id: projectId,
      at: entry.at,
      by: entry.by,
      action: entry.action,
      detail: entry.detail,
    })),
  );
  expected.auditEvents = audit.entries.length;

  const checks = await readLegacyFile(file(legacyPaths.memberChecks), legacyMemberChecksFile);
  await insertChunked(
    trx,
    "share_links",
    checks.links.map((link) => ({
      id: link.id,
      project_id: projectId,
      project_slug: slug,
      token_hash: link.tokenHash,
      theme_ids: JSON.stringify(link.themeIds),
      label: link.label,
      created_by: link.createdBy,
      created_at: link.createdAt,
      expires_at: link.expiresAt,
      revoked_at: link.revokedAt,
    })),
  );
  expected.shareLinks = checks.links.length;
  await insertChunked(
    trx,
    "member_responses",
    checks.responses.map((response) => ({
      id: response.id,
      project_id: projectId,
      link_id: response.linkId,
      theme_id: response.themeId,
      rating: response.rating,
      comment: response.comment,
      quote_ref: response.quoteRef,
      at: response.at,
      handled_at: response.handledAt,
      handled_by: response.handledBy,
      handling: response.handling,
    })),
  );
  expected.memberResponses = checks.responses.length;
  return expected;
}

/**
 * The separator of composite keys as the importer writes them now: the old release used NUL, which
 * PostgreSQL cannot store in text, so keys follow whatever `sourceKey` uses (read off it, not copied).
 */
const KEY_SEPARATOR = sourceKey("other", "", "");

/** What the old release used as a member's identity when the field was empty (see its purge). */
function identityKeyOf(member: LegacyMember): string {
  return (member.identityKey || member.platformUserId || member.handle).replaceAll(
    "\u0000",
    KEY_SEPARATOR,
  );
}

function freePseudonym(wanted: string, taken: Set<string>): string {
  let name = wanted;
  for (let n = 2; taken.has(name); n++) name = `${wanted} (${n})`;
  taken.add(name);
  return name;
}

/** One imports row per import: batches written by one import share its id (older files: one per batch). */
function groupImports(
  projectId: string,
  batches: LegacyBatchSummary[],
): { rows: Insertable<Database["imports"]>[]; importOfBatch: Map<string, string> } {
  const importOfBatch = new Map<string, string>();
  const groups = new Map<string, { batches: LegacyBatchSummary[] }>();
  for (const batch of batches) {
    const id = batch.importId || batch.id;
    importOfBatch.set(batch.id, id);
    const group = groups.get(id);
    if (group) group.batches.push(batch);
    else groups.set(id, { batches: [batch] });
  }
  const rows = [...groups].map(([id, group]) => {
    const first = group.batches[0];
    const sum = (
      field:
        "posts" | "threads" | "members" | "duplicates" | "skipped" | "orphans" | "notCollected",
    ) => group.batches.reduce((total, batch) => total + batch[field], 0);
    const distinct = (values: string[]) => [...new Set(values)];
    return {
      id,
      project_id: projectId,
      imported_at: group.batches.map((batch) => batch.importedAt).sort()[0],
      imported_by: first.importedBy,
      format: distinct(group.batches.map((batch) => batch.format)).join(", "),
      files: JSON.stringify(distinct(group.batches.flatMap((batch) => batch.files))),
      community_ids: JSON.stringify(
        distinct(group.batches.map((batch) => batch.communityId).filter(Boolean)),
      ),
      posts: sum("posts"),
      threads: sum("threads"),
      members: sum("members"),
      duplicates: sum("duplicates"),
      skipped: sum("skipped"),
      orphans: sum("orphans"),
      not_collected: sum("notCollected"),
    };
  });
  return { rows, importOfBatch };
}

function postRow(
  projectId: string,
  post: LegacyPost,
  at: {
    platform: Parameters<typeof sourceKey>[0];
    key: string;
    threadId: string;
    memberId: string | null;
    importId: string;
  },
): Insertable<Database["posts"]> {
  return {
    id: post.id,
    project_id: projectId,
    thread_id: at.threadId,
    community_id: post.communityId,
    source_id: post.sourceId,
    source_key: at.key,
    parent_source_id: post.parentSourceId,
    parent_source_key: post.parentSourceId
      ? sourceKey(at.platform, post.communityId, post.parentSourceId)
      : null,
    parent_id: null,
    member_id: at.memberId,
    created_at: post.createdAt,
    title: post.title,
    html: post.html,
    text: post.text,
    url: post.url,
    language: post.language,
    deleted_upstream: post.deletedUpstream ? 1 : 0,
    import_id: at.importId,
  };
}

async function insertPlaceholderThread(
  trx: Kysely<Database>,
  projectId: string,
  post: LegacyPost,
  threadId: string,
  importId: string,
): Promise<void> {
  await trx
    .insertInto("threads")
    .values({
      id: threadId,
      project_id: projectId,
      community_id: post.communityId,
      source_id: `missing:${threadId}`,
      title: "(untitled thread)",
      url: null,
      created_at: post.createdAt,
      import_id: importId,
    })
    .execute();
}

async function insertPlaceholderMember(
  trx: Kysely<Database>,
  projectId: string,
  platform: string,
  memberId: string,
  pseudonyms: Set<string>,
  statusOf: Map<string, string>,
): Promise<void> {
  await trx
    .insertInto("members")
    .values({
      id: memberId,
      project_id: projectId,
      platform,
      identity_key: `missing:${memberId}`,
      handle: `unknown-${memberId.slice(0, 8)}`,
      display_name: null,
      platform_user_id: null,
      pseudonym: freePseudonym("Unknown member", pseudonyms),
      post_count: 0,
      first_post_at: null,
      last_post_at: null,
      privacy_signals: "[]",
      consent_status: statusOf.get(memberId) ?? null,
    })
    .execute();
}

/**
 * Replies find their parents across imports, as the old corpus loader linked them on every read: the
 * post whose source key is the reply's parent key (never the post itself). Then each thread's latest post.
 */
async function linkParents(trx: Kysely<Database>, projectId: string): Promise<void> {
  await trx
    .updateTable("posts")
    .set((eb) => ({
      parent_id: eb
        .selectFrom("posts as parent")
        .select("parent.id")
        .whereRef("parent.project_id", "=", "posts.project_id")
        .whereRef("parent.source_key", "=", "posts.parent_source_key")
        .whereRef("parent.id", "<>", "posts.id")
        .limit(1),
    }))
    .where("project_id", "=", projectId)
    .where("parent_id", "is", null)
    .where("parent_source_key", "is not", null)
    .execute();
  await trx
    .updateTable("threads")
    .set((eb) => ({
      last_post_at: eb
        .selectFrom("posts")
        .select((inner) => inner.fn.max("posts.created_at").as("latest"))
        .whereRef("posts.thread_id", "=", "threads.id"),
    }))
    .where("project_id", "=", projectId)
    .execute();
}

/**
 * Annotations of every `nlp/<batch>.json`, for posts that are in the tables. The old erasure left the
 * annotations of erased posts behind: those are derived from erased words and are left out.
 */
async function copyAnnotations(
  context: CopyContext,
  postIds: Set<string>,
  postIdOf: (id: string) => string,
): Promise<number> {
  const { trx, projectId, slug, folder, notes } = context;
  const nlpFolder = path.join(folder, legacyPaths.nlpFolder);
  const seen = new Set<string>();
  let stale = 0;
  for (const name of await listFolder(nlpFolder)) {
    if (!name.endsWith(".json")) continue;
    const data = await readLegacyFile(path.join(nlpFolder, name), legacyAnnotationsFile);
    const rows: Insertable<Database["annotations"]>[] = [];
    const add = (legacyId: string, state: string, annotation: unknown) => {
      const postId = postIdOf(legacyId);
      if (!postIds.has(postId)) stale++;
      else if (!seen.has(postId)) {
        seen.add(postId);
        rows.push({
          post_id: postId,
          project_id: projectId,
          state,
          data: annotation === null ? null : JSON.stringify(annotation),
        });
      }
    };
    for (const [postId, annotation] of Object.entries(data.annotations))
      add(postId, "annotated", annotation);
    for (const postId of data.skipped) add(postId, "skipped", null);
    await insertChunked(trx, "annotations", rows);
  }
  if (stale > 0) notes.push(`${slug}: ${stale} annotations of erased posts left out`);
  return seen.size;
}
