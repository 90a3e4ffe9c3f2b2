import { v7 as uuidv7 } from "uuid";
import { randomFillSync } from "node:crypto";
import { reconsiderQuotedPassages } from "../entree/withheld-quotes.js";
import { safeWebUrl } from "../shared/safe-url.js";
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { sql, type RawBuilder } from "kysely";
import { erasedMemberHash, personKeys } from "../entree/consent-status.js";
import { detectLanguage } from "../nlp/language.js";
import { requireCapability } from "../shared/roles.js";
import { ResearchError, type ErrorLocation } from "../shared/errors.js";
import { newId, nowIso } from "../shared/ids.js";
import {
  inTransaction,
  sqlFor,
  type DocumentStore,
  type Queryable,
  type SqlEngine,
} from "../store/index.js";
import type { Insertable } from "kysely";
import type { MembersTable, PostsTable, ThreadsTable } from "../store/sql/schema.js";
import { jsonWithoutNul, recordWithoutNul } from "../store/sql/nul-characters.js";
import { bumpCorpusRevision } from "./corpus.js";
import {
  IMPORT_FORMATS,
  detectImporter,
  getImporter,
  type CsvField,
  type SlashDateFormat,
  type Importer,
} from "./importers/index.js";
import { readHead, withDeclaredEncoding, type DeclaredEncoding } from "./importers/read.js";
import { KEY_SEPARATOR, PlatformSchema, sourceKey, type Platform } from "./model.js";
import type { ImportedPost } from "./importers/types.js";
import { pseudonymFor } from "./pseudonyms.js";

/**
 * Platforms where display names are not unique (or can change) identify members by their user id;
 * elsewhere the handle is the identity, which also holds when older exports lack the user id.
 */
const KEYED_BY_USER_ID: ReadonlySet<Platform> = new Set([
  "stackexchange",
  "telegram",
  "twitter",
  "youtube",
]);

/** Generic sources (CSV, feeds) say nothing about identity across communities: a handle is local to one. */
const HANDLE_LOCAL_TO_COMMUNITY: ReadonlySet<Platform> = new Set(["csv", "rss", "other"]);

export function memberKeyOf(
  platform: Platform,
  author: { handle: string; platformUserId?: string | null },
  communityName: string,
): string {
  if (KEYED_BY_USER_ID.has(platform) && author.platformUserId) return author.platformUserId;
  return HANDLE_LOCAL_TO_COMMUNITY.has(platform)
    ? `${communityName}${KEY_SEPARATOR}${author.handle}`
    : author.handle;
}

/**
 * Posts written per round of statements: one lookup of known keys, one multi-row insert per table.
 * 500 rows of posts stay well under both engines' limits on bound parameters.
 */
const CHUNK_SIZE = 500;
/** Invalid records listed one by one in a report; beyond that they are only counted. */
const MAX_LISTED_INVALID = 500;

export type ImportProgress = { file: string; bytesRead: number; totalBytes: number; posts: number };
export type InvalidRecord = ErrorLocation & { message: string };
export type ImportReport = {
  importId: string;
  formats: string[];
  communities: string[];
  posts: number;
  threads: number;
  members: number;
  skipped: number;
  duplicates: number;
  orphans: number;
  notCollected: number;
  /** Posts of members erased earlier: never brought back. */
  erasedExcluded: number;
  deletedUpstream: number;
  invalid: InvalidRecord[];
  /** Files left out because they carry no posts (named as the person gave them). */
  ignoredFiles: Array<{ file: string; reason: string }>;
};

export type ImportFilesInput = {
  store: DocumentStore;
  slug: string;
  files: string[];
  format?: string;
  community?: string;
  skipInvalid?: boolean;
  /** The longest text one post may have, in characters (default: NETNO_MAX_POST_CHARS or 1,000,000). */
  maxPostChars?: number;
  userId?: string;
  columns?: Partial<Record<CsvField, string>>;
  /** How slash dates in CSV files are read (asked for only when the file cannot tell). */
  dateFormat?: SlashDateFormat;
  /** The encoding of files without a byte-order mark (default UTF-8): a Latin-1 export, say. */
  encoding?: DeclaredEncoding;
  /** Already-chosen importers and their files (REFI-QDA sources): skips expansion and detection. */
  groups?: Array<{ importer: Importer; files: string[] }>;
  /** Original names of uploaded files (temporary paths otherwise show in messages). */
  displayNames?: Map<string, string>;
  onProgress?: (progress: ImportProgress) => void;
};

async function expandInputs(files: string[]): Promise<string[]> {
  const expanded: string[] = [];
  for (const file of files) {
    let info;
    try {
      info = await stat(file);
    } catch {
      throw new ResearchError("import-failed", `Cannot read ${file}: no such file or folder.`, {
        file,
      });
    }
    if (info.isDirectory()) {
      const entries = (await readdir(file)).filter((name) => !name.startsWith(".")).sort();
      const dump = entries.filter((name) =>
        ["Posts.xml", "Comments.xml", "Users.xml"].includes(name),
      );
      const chosen =
        dump.length > 0
          ? dump
          : entries.filter((name) =>
              /\.(json|ndjson|jsonl|xml|mbox|csv|tsv|rss|atom)$/i.test(name),
            );
      if (chosen.length === 0)
        throw new ResearchError("import-failed", `The folder ${file} holds no file to import.`, {
          file,
        });
      expanded.push(...chosen.map((name) => path.join(file, name)));
    } else {
      if (info.size === 0)
        throw new ResearchError(
          "import-failed",
          `${path.basename(file)} is empty (0 bytes): nothing to import.`,
          { file },
        );
      expanded.push(file);
    }
  }
  return expanded;
}

/**
 * Files of a Stack Exchange dump that carry no posts or members. Selecting a whole dump folder brings them
 * along; they are left out with a note instead of failing the import.
 */
const STACK_EXCHANGE_COMPANIONS = /^(Badges|PostHistory|PostLinks|Tags|Votes)\.xml$/;

/**
 * Files that travel with exported data but hold no posts: a dump's licence and source notes, a readme,
 * the files a desktop leaves in a folder, a Mastodon archive's actor.json. Beside files that are
 * recognised they are left out with a note; on their own they are a file nobody can place.
 */
const GENERIC_COMPANIONS =
  /^(?:(?:LICEN[CS]E|COPYING|SOURCE|README|NOTICE|CHANGELOG)(?:[._-][^/\\]*)?|\.DS_Store|Thumbs\.db|desktop\.ini|actor\.json)$/i;

function companionReason(name: string, head: string): string | null {
  if (STACK_EXCHANGE_COMPANIONS.test(name) && /<row /.test(head))
    return "part of a Stack Exchange dump that holds no posts or members";
  if (GENERIC_COMPANIONS.test(name))
    return "travels with the data (licence, notes, folder files) but holds no posts";
  return null;
}

async function chooseImporters(
  files: string[],
  format: string | undefined,
  shown: (file: string) => string = (file) => file,
  ignored: Array<{ file: string; reason: string }> = [],
): Promise<Array<{ importer: Importer; files: string[] }>> {
  const forced = format ? getImporter(format) : undefined;
  if (format && !forced) {
    throw new ResearchError(
      "invalid-input",
      `Unknown format "${format}". Formats: ${IMPORT_FORMATS.join(", ")}.`,
      { field: "format" },
    );
  }
  const groups = new Map<Importer, string[]>();
  // Companions other than a dump's own files are decided once it is known whether anything was recognised.
  const companions: Array<{ file: string; name: string; reason: string }> = [];
  for (const file of files) {
    const head = await readHead(file);
    const name = path.basename(shown(file));
    let importer = forced;
    if (!importer) {
      importer = detectImporter(file, head);
      const reason = importer ? null : companionReason(name, head);
      if (reason && STACK_EXCHANGE_COMPANIONS.test(name)) {
        ignored.push({ file: name, reason });
        continue;
      }
      if (reason) {
        companions.push({ file, name, reason });
        continue;
      }
      if (!importer) {
        throw new ResearchError(
          "import-failed",
          `Cannot tell which platform ${name} comes from. Give its format (one of ${IMPORT_FORMATS.join(", ")}).`,
          { file: shown(file) },
        );
      }
    } else if (!forced!.detect({ fileName: path.basename(file), head })) {
      const other = detectImporter(file, head);
      if (other && other !== forced) {
        throw new ResearchError(
          "import-failed",
          `${path.basename(file)} looks like a ${other.format} file, not ${forced!.format}. Check the format.`,
          { file, field: "format" },
        );
      }
      const reason = other ? null : companionReason(name, head);
      if (reason) {
        companions.push({ file, name, reason });
        continue;
      }
    }
    groups.set(importer, [...(groups.get(importer) ?? []), file]);
  }
  if (companions.length > 0 && groups.size === 0 && ignored.length === 0) {
    // Nothing beside them was recognised: a licence or a readme alone is a file nobody can place (with a
    // format given, it goes to that format's importer as before, which says what it misses).
    if (!forced) {
      const { file, name } = companions[0];
      throw new ResearchError(
        "import-failed",
        `Cannot tell which platform ${name} comes from. Give its format (one of ${IMPORT_FORMATS.join(", ")}).`,
        { file: shown(file) },
      );
    }
    groups.set(
      forced,
      companions.map(({ file }) => file),
    );
  } else {
    ignored.push(...companions.map(({ name, reason }) => ({ file: name, reason })));
  }
  return [...groups].flatMap(([importer, group]) =>
    (importer.groupFiles ? importer.groupFiles(group) : [group]).map((files) => ({
      importer,
      files,
    })),
  );
}

type ImportContext = {
  trx: Queryable;
  engine: SqlEngine;
  projectId: string;
  importId: string;
  salt: string;
  userId: string;
  report: ImportReport;
};

/** A community as the import knows it; `stored` once its row is written in this transaction. */
type KnownCommunity = { id: string; name: string; platform: Platform; stored: boolean };

/** A thread the import touched: created here, or found stored; `dirty` when its row must change. */
type KnownThread = {
  id: string;
  communityId: string;
  sourceId: string;
  title: string;
  url: string | null;
  createdAt: string | null;
  lastPostAt: string | null;
  untitled: boolean;
  createdHere: boolean;
  dirty: boolean;
};

/**
 * A member the import touched. New members are inserted with the chunk that first names them (posts
 * refer to them); what later chunks add is summed here and written once when the import finishes.
 */
type KnownMember = {
  id: string;
  platform: Platform;
  identityKey: string;
  handle: string;
  displayName: string | null;
  platformUserId: string | null;
  pseudonym: string;
  signals: string[];
  stored: boolean;
  /** Posts, dates and signals not written to the row yet. */
  posts: number;
  first: string | null;
  last: string | null;
  signalsChanged: boolean;
  /** Set on a new member who is a person already opted out under another member record. */
  consentStatus: "opted-out" | null;
};

/** A post read from a file, waiting for its chunk to be written. */
type PendingPost = { imported: ImportedPost; platform: Platform; community: KnownCommunity };

/**
 * The later (or earlier) of two nullable ISO dates, in SQL: PostgreSQL's greatest/least skip nulls,
 * SQLite's two-argument max/min return null when either is null.
 */
function laterOf(engine: SqlEngine, a: RawBuilder<unknown>, b: RawBuilder<unknown>) {
  return engine === "postgres"
    ? sql<string | null>`greatest(${a}, ${b})`
    : sql<string | null>`coalesce(max(${a}, ${b}), ${a}, ${b})`;
}
function earlierOf(engine: SqlEngine, a: RawBuilder<unknown>, b: RawBuilder<unknown>) {
  return engine === "postgres"
    ? sql<string | null>`least(${a}, ${b})`
    : sql<string | null>`coalesce(min(${a}, ${b}), ${a}, ${b})`;
}

function laterDate(a: string | null, b: string | null): string | null {
  return a && b ? (a > b ? a : b) : (a ?? b);
}
function earlierDate(a: string | null, b: string | null): string | null {
  return a && b ? (a < b ? a : b) : (a ?? b);
}

function isUntitled(title: string): boolean {
  return title.startsWith("(untitled");
}

// uuid draws 16 random bytes from the operating system for every id (2.9 s for a million ids here);
// taking them from a 64 KB pool refilled as it runs out costs 0.16 s. Given its own random bytes, uuid
// leaves the time and sequence to the caller: they follow its rule (a counter within a millisecond).
const RANDOM_POOL_BYTES = 65_536;
let randomPool = new Uint8Array(0);
let randomOffset = 0;
const idClock = { msecs: -Infinity, seq: 0 };

/**
 * A UUID version 7 grows with time (monotonic within a millisecond): rows of one import land at the
 * end of the id indexes instead of at random places, which keeps a large import's inserts cheap.
 */
function orderedId(): string {
  if (randomOffset + 16 > randomPool.length) {
    randomPool = randomFillSync(new Uint8Array(RANDOM_POOL_BYTES));
    randomOffset = 0;
  }
  const random = randomPool.subarray(randomOffset, (randomOffset += 16));
  const now = Date.now();
  if (now > idClock.msecs) {
    idClock.msecs = now;
    idClock.seq = 0;
  } else {
    idClock.seq = (idClock.seq + 1) | 0;
    if (idClock.seq === 0) idClock.msecs++;
  }
  return uuidv7({ random, msecs: idClock.msecs, seq: idClock.seq });
}

/** Posts an import writes before PostgreSQL's statistics are first refreshed (then at each doubling). */
const FIRST_ANALYZE_AT = 5_000;

/** Rows per statement when the import's totals are written at the end. */
const TOTALS_CHUNK = 500;

/**
 * The import's writer: holds what this import learnt (communities, and the threads and members it
 * touched) and writes each chunk of posts with a few multi-row statements. Everything runs inside the
 * import's one transaction, under the project's corpus lock, so what it reads cannot change under it.
 */
class ImportWriter {
  private readonly communities = new Map<string, KnownCommunity>();
  private readonly threads = new Map<string, KnownThread>();
  private readonly members = new Map<string, KnownMember>();
  private readonly pseudonymsHere = new Set<string>();
  private readonly usedCommunities = new Set<string>();
  private readonly newCommunityNames: string[] = [];
  private erased = new Set<string>();
  /** Opted-out people by platform and person key (see personKeys), with the member they opted out as. */
  private optedOut = new Map<string, { pseudonym: string }>();
  private carriedOver: Array<{ memberId: string; from: string }> = [];
  private pending: PendingPost[] = [];
  /** Posts this import will have written when PostgreSQL's statistics are next refreshed. */
  private analyzeAt = FIRST_ANALYZE_AT;

  constructor(private readonly context: ImportContext) {}

  /** Reads what the import checks against for the whole run: communities and erasure records (both small). */
  async load(): Promise<void> {
    const { trx, projectId } = this.context;
    const rows = await trx
      .selectFrom("communities")
      .select(["id", "name", "platform"])
      .where("project_id", "=", projectId)
      .execute();
    for (const row of rows) {
      const platform = PlatformSchema.catch("other").parse(row.platform);
      this.communities.set(`${platform}\u0000${row.name}`, {
        id: row.id,
        name: row.name,
        platform,
        stored: true,
      });
    }
    const erased = await trx
      .selectFrom("erased_members")
      .select("handle_hash")
      .where("project_id", "=", projectId)
      .execute();
    this.erased = new Set(erased.map((row) => row.handle_hash));
    const optedOut = await trx
      .selectFrom("members")
      .select(["platform", "handle", "platform_user_id", "pseudonym"])
      .where("project_id", "=", projectId)
      .where("consent_status", "=", "opted-out")
      .execute();
    for (const row of optedOut) {
      for (const key of personKeys({ handle: row.handle, platformUserId: row.platform_user_id }))
        this.optedOut.set(`${row.platform}\u0000${key}`, { pseudonym: row.pseudonym });
    }
  }

  /** The opted-out member this author is the same person as (same platform, handle or user id), if any. */
  private optedOutAs(
    platform: Platform,
    author: { handle: string; platformUserId?: string | null },
  ): { pseudonym: string } | null {
    if (this.optedOut.size === 0) return null;
    for (const key of personKeys(author)) {
      const found = this.optedOut.get(`${platform}\u0000${key}`);
      if (found) return found;
    }
    return null;
  }

  /**
   * Whether a member was erased. Erasures recorded by the earlier release hashed keys joined with NUL
   * (see KEY_SEPARATOR), so both forms are checked.
   */
  private wasErased(
    platform: Platform,
    memberKey: string,
    author: { handle: string; platformUserId?: string | null },
  ): boolean {
    if (this.erased.size === 0) return false;
    if (this.erased.has(erasedMemberHash(platform, memberKey))) return true;
    // The same person met under another community name or in a file without their user id.
    if (personKeys(author).some((key) => this.erased.has(erasedMemberHash(platform, key))))
      return true;
    return (
      memberKey.includes(KEY_SEPARATOR) &&
      this.erased.has(erasedMemberHash(platform, memberKey.replaceAll(KEY_SEPARATOR, "\u0000")))
    );
  }

  /**
   * The community of this name, or one stored under a name the same data had before (a Stack Exchange
   * dump was named after its folder by earlier releases): re-importing it then adds nothing.
   */
  communityFor(name: string, platform: Platform, formerNames: string[] = []): KnownCommunity {
    const key = `${platform}\u0000${name}`;
    let community = this.communities.get(key);
    if (!community) {
      community = formerNames
        .map((former) => this.communities.get(`${platform}\u0000${former}`))
        .find((known) => known?.stored);
      if (community) this.communities.set(key, community);
    }
    if (!community) {
      community = { id: newId(), name, platform, stored: false };
      this.communities.set(key, community);
    }
    return community;
  }

  get pendingCount(): number {
    return this.pending.length;
  }

  add(post: PendingPost): void {
    this.pending.push(post);
  }

  /** Writes the pending posts (with their new threads, members and communities) and links their replies. */
  async flush(): Promise<void> {
    const chunk = this.pending;
    this.pending = [];
    if (chunk.length === 0) return;
    const { trx, projectId, importId, report } = this.context;

    const keyed = chunk.map((item) => ({
      ...item,
      key: sourceKey(item.platform, item.community.id, item.imported.sourceId),
      parentKey: item.imported.parentSourceId
        ? sourceKey(item.platform, item.community.id, item.imported.parentSourceId)
        : null,
    }));
    const known = await this.knownPostIds([
      ...new Set(
        keyed.flatMap((item) => (item.parentKey ? [item.key, item.parentKey] : [item.key])),
      ),
    ]);

    // Which posts are new: not stored yet, not twice in this chunk, not by an erased member.
    const accepted: Array<(typeof keyed)[number] & { id: string; memberKey: string | null }> = [];
    const chunkIds = new Map<string, string>();
    for (const item of keyed) {
      if (known.has(item.key) || chunkIds.has(item.key)) {
        report.duplicates++;
        continue;
      }
      let memberKey: string | null = null;
      if (item.imported.author) {
        memberKey = memberKeyOf(item.platform, item.imported.author, item.community.name);
        if (this.wasErased(item.platform, memberKey, item.imported.author)) {
          report.erasedExcluded++;
          continue;
        }
      }
      const id = orderedId();
      chunkIds.set(item.key, id);
      accepted.push({ ...item, id, memberKey });
    }
    if (accepted.length === 0) return;

    await this.storeCommunities(accepted.map((item) => item.community));
    const memberIds = await this.storeMembers(accepted);
    const threadIds = await this.storeThreads(accepted);

    const rows: Array<Insertable<PostsTable>> = accepted.map((item, index) => {
      const imported = item.imported;
      const deletedUpstream = imported.deletedUpstream ?? false;
      if (deletedUpstream) report.deletedUpstream++;
      return {
        id: item.id,
        project_id: projectId,
        thread_id: threadIds[index],
        community_id: item.community.id,
        source_id: imported.sourceId,
        source_key: item.key,
        parent_source_id: imported.parentSourceId,
        parent_source_key: item.parentKey,
        parent_id: item.parentKey
          ? (known.get(item.parentKey) ?? chunkIds.get(item.parentKey) ?? null)
          : null,
        member_id: item.memberKey
          ? (memberIds.get(`${item.platform}\u0000${item.memberKey}`) ?? null)
          : null,
        created_at: imported.createdAt,
        title: imported.title ?? null,
        html: imported.html,
        text: imported.text,
        url: safeWebUrl(imported.url),
        language: detectLanguage(imported.text),
        deleted_upstream: deletedUpstream ? 1 : 0,
        import_id: importId,
      };
    });
    await insertAsJson(trx, this.context.engine, "posts", rows);
    report.posts += rows.length;
    await this.refreshStatisticsWhileImporting();

    // Replies stored earlier (by this import or an older one) whose parent arrives in this chunk.
    await trx
      .updateTable("posts")
      .set({
        parent_id: sql<string>`(select q.id from posts as q
          where q.project_id = posts.project_id and q.source_key = posts.parent_source_key)`,
      })
      .where("project_id", "=", projectId)
      .where("parent_id", "is", null)
      .where("parent_source_key", "in", [...chunkIds.keys()])
      .execute();
  }

  /**
   * PostgreSQL plans each chunk's statements from statistics taken before the import began (none, for a
   * new project): the link of replies to this chunk's posts then read every post of the project for each
   * chunk (1M posts: about a second a chunk, most of the import). ANALYZE runs inside the transaction and
   * sees its rows, so the statistics are refreshed each time the import has doubled what it wrote.
   */
  private async refreshStatisticsWhileImporting(): Promise<void> {
    const { trx, engine, report } = this.context;
    if (engine !== "postgres" || report.posts < this.analyzeAt) return;
    this.analyzeAt = report.posts * 2;
    await sql`analyze posts, threads, members`.execute(trx);
  }

  /** Our ids of the posts already stored under these source keys. */
  private async knownPostIds(keys: string[]): Promise<Map<string, string>> {
    const rows = await this.context.trx
      .selectFrom("posts")
      .select(["id", "source_key"])
      .where("project_id", "=", this.context.projectId)
      .where("source_key", "in", keys)
      .execute();
    return new Map(rows.map((row) => [row.source_key, row.id]));
  }

  private async storeCommunities(used: KnownCommunity[]): Promise<void> {
    const fresh = [...new Set(used)].filter((community) => !community.stored);
    for (const community of used) this.usedCommunities.add(community.id);
    if (fresh.length === 0) return;
    const createdAt = nowIso();
    await this.context.trx
      .insertInto("communities")
      .values(
        fresh.map((community) => ({
          id: community.id,
          project_id: this.context.projectId,
          platform: community.platform,
          name: community.name,
          url: null,
          created_at: createdAt,
        })),
      )
      .execute();
    for (const community of fresh) {
      community.stored = true;
      this.newCommunityNames.push(community.name);
    }
  }

  /**
   * Finds or creates the authors of the chunk's posts (new ones are inserted now, since posts refer
   * to them) and adds the posts to their pending counts. Returns the member ids by key.
   */
  private async storeMembers(
    accepted: Array<PendingPost & { memberKey: string | null }>,
  ): Promise<Map<string, string>> {
    const { trx, projectId, report } = this.context;
    const authors = new Map<string, PendingPost & { memberKey: string }>();
    for (const item of accepted) {
      if (!item.memberKey || !item.imported.author) continue;
      const key = `${item.platform}\u0000${item.memberKey}`;
      if (!authors.has(key)) authors.set(key, { ...item, memberKey: item.memberKey });
    }
    if (authors.size === 0) return new Map();

    // Members this import has not met yet: look them up, one query per platform in the chunk.
    const unknown = [...authors.entries()].filter(([key]) => !this.members.has(key));
    for (const platform of new Set(unknown.map(([, item]) => item.platform))) {
      const keys = unknown
        .filter(([, item]) => item.platform === platform)
        .map(([, item]) => item.memberKey);
      const rows = await trx
        .selectFrom("members")
        .selectAll()
        .where("project_id", "=", projectId)
        .where("platform", "=", platform)
        .where("identity_key", "in", keys)
        .execute();
      for (const row of rows) {
        this.members.set(`${platform}\u0000${row.identity_key}`, {
          id: row.id,
          platform,
          identityKey: row.identity_key,
          handle: row.handle,
          displayName: row.display_name,
          platformUserId: row.platform_user_id,
          pseudonym: row.pseudonym,
          signals: parseSignals(row.privacy_signals),
          stored: true,
          posts: 0,
          first: null,
          last: null,
          signalsChanged: false,
          consentStatus: null,
        });
      }
    }
    const fresh = unknown.filter(([key]) => !this.members.has(key));
    const names = await this.choosePseudonyms(
      fresh.map(([key, item]) => ({ key, platform: item.platform, memberKey: item.memberKey })),
    );
    for (const [key, item] of fresh) {
      const author = item.imported.author!;
      this.members.set(key, {
        id: orderedId(),
        platform: item.platform,
        identityKey: item.memberKey,
        handle: author.handle,
        displayName: author.displayName ?? null,
        platformUserId: author.platformUserId ?? null,
        pseudonym: names.get(key)!,
        signals: [],
        stored: false,
        posts: 0,
        first: null,
        last: null,
        signalsChanged: false,
        consentStatus: null,
      });
      const optedOutAs = this.optedOutAs(item.platform, author);
      if (optedOutAs) {
        const member = this.members.get(key)!;
        member.consentStatus = "opted-out";
        this.carriedOver.push({ memberId: member.id, from: optedOutAs.pseudonym });
      }
    }
    report.members += fresh.length;

    for (const item of accepted) {
      if (!item.memberKey) continue;
      const member = this.members.get(`${item.platform}\u0000${item.memberKey}`);
      if (!member) continue;
      member.posts++;
      member.first = earlierDate(member.first, item.imported.createdAt);
      member.last = laterDate(member.last, item.imported.createdAt);
      for (const signal of item.imported.author?.privacySignals ?? []) {
        if (member.signals.includes(signal)) continue;
        member.signals = [...member.signals, signal];
        member.signalsChanged = true;
      }
    }

    const created = fresh.map(([key]) => this.members.get(key)!);
    if (created.length > 0) {
      await trx
        .insertInto("members")
        .values(created.map(memberRow(projectId)))
        .execute();
      await this.recordCarriedOverOptOuts();
      for (const member of created) {
        member.stored = true;
        member.posts = 0;
        member.first = null;
        member.last = null;
        member.signalsChanged = false;
      }
    }
    return new Map([...authors.keys()].map((key) => [key, this.members.get(key)!.id]));
  }

  /** The consent log says why a new member is opted out from the start: the person opted out before. */
  private async recordCarriedOverOptOuts(): Promise<void> {
    if (this.carriedOver.length === 0) return;
    const { trx, projectId, userId } = this.context;
    const recordedAt = nowIso();
    await trx
      .insertInto("consent_entries")
      .values(
        this.carriedOver.map(({ memberId, from }) => ({
          id: newId(),
          project_id: projectId,
          member_id: memberId,
          status: "opted-out",
          stated_date: recordedAt,
          evidence: `Carried over on import: the same person (platform and handle or user id) opted out as ${from}.`,
          recorded_by: userId,
          recorded_at: recordedAt,
        })),
      )
      .execute();
    this.carriedOver = [];
  }

  /**
   * Gives each new member a pseudonym no other member of the project has: names are proposed in JS,
   * checked against the table in one query per round, and the few that collide are proposed again.
   */
  private async choosePseudonyms(
    fresh: Array<{ key: string; platform: Platform; memberKey: string }>,
  ): Promise<Map<string, string>> {
    const { trx, projectId, salt } = this.context;
    const chosen = new Map<string, string>();
    const taken = new Set<string>();
    let open = fresh;
    while (open.length > 0) {
      const proposed = new Map<string, string>();
      const inRound = new Set<string>();
      const unavailable = {
        has: (name: string) =>
          taken.has(name) || inRound.has(name) || this.pseudonymsHere.has(name),
      };
      for (const member of open) {
        const name = pseudonymFor(salt, member.platform, member.memberKey, unavailable);
        inRound.add(name);
        proposed.set(member.key, name);
      }
      const clashes = await trx
        .selectFrom("members")
        .select("pseudonym")
        .where("project_id", "=", projectId)
        .where("pseudonym", "in", [...proposed.values()])
        .execute();
      for (const row of clashes) taken.add(row.pseudonym);
      const next: typeof open = [];
      for (const member of open) {
        const name = proposed.get(member.key)!;
        if (taken.has(name)) {
          next.push(member);
        } else {
          chosen.set(member.key, name);
          this.pseudonymsHere.add(name);
        }
      }
      open = next;
    }
    return chosen;
  }

  /**
   * Finds or creates the threads of the chunk's posts (new ones are inserted now) and notes their
   * latest post. Returns each accepted post's thread id, in order.
   */
  private async storeThreads(accepted: PendingPost[]): Promise<string[]> {
    const { trx, projectId, importId, report } = this.context;
    const keyOf = (item: PendingPost) =>
      `${item.community.id}\u0000${item.imported.threadSourceId}`;
    const unknown = new Set(accepted.map(keyOf).filter((key) => !this.threads.has(key)));
    if (unknown.size > 0) {
      const missing = accepted.filter((item) => unknown.has(keyOf(item)));
      const rows = await trx
        .selectFrom("threads")
        .selectAll()
        .where("project_id", "=", projectId)
        .where("community_id", "in", [...new Set(missing.map((item) => item.community.id))])
        .where("source_id", "in", [...new Set(missing.map((item) => item.imported.threadSourceId))])
        .execute();
      for (const row of rows) {
        this.threads.set(`${row.community_id}\u0000${row.source_id}`, {
          id: row.id,
          communityId: row.community_id,
          sourceId: row.source_id,
          title: row.title,
          url: row.url,
          createdAt: row.created_at,
          lastPostAt: row.last_post_at,
          untitled: false,
          createdHere: false,
          dirty: false,
        });
      }
    }
    const created: KnownThread[] = [];
    const ids = accepted.map((item) => {
      const key = keyOf(item);
      const imported = item.imported;
      let thread = this.threads.get(key);
      if (!thread) {
        const title =
          imported.threadTitle ||
          imported.title ||
          imported.text.split("\n")[0].slice(0, 90) ||
          "(untitled thread)";
        thread = {
          id: orderedId(),
          communityId: item.community.id,
          sourceId: imported.threadSourceId,
          title,
          url: safeWebUrl(imported.threadUrl),
          createdAt: imported.createdAt,
          lastPostAt: null,
          untitled: isUntitled(title),
          createdHere: true,
          dirty: false,
        };
        this.threads.set(key, thread);
        created.push(thread);
        report.threads++;
      } else if (thread.createdHere && thread.untitled && imported.threadTitle) {
        // A thread this import created may learn its title from a later record (Discourse, HN).
        thread.title = imported.threadTitle;
        thread.untitled = false;
        thread.dirty = true;
      }
      const last = laterDate(thread.lastPostAt, imported.createdAt);
      if (last !== thread.lastPostAt) {
        thread.lastPostAt = last;
        thread.dirty = true;
      }
      return thread.id;
    });
    if (created.length > 0) {
      await trx
        .insertInto("threads")
        .values(created.map(threadRow(projectId, importId)))
        .execute();
      for (const thread of created) thread.dirty = false;
    }
    return ids;
  }

  /**
   * Writes what later chunks added to members and threads stored earlier, counts the import's
   * orphans and records its summary; call once every chunk is written.
   */
  async finish({ format, files }: { format: string; files: string[] }): Promise<void> {
    const { trx, engine, projectId, importId, report } = this.context;
    report.communities = this.newCommunityNames;
    if (report.posts === 0) return;

    const members = [...this.members.values()].filter(
      (member) => member.posts > 0 || member.signalsChanged,
    );
    for (let i = 0; i < members.length; i += TOTALS_CHUNK) {
      await trx
        .insertInto("members")
        .values(members.slice(i, i + TOTALS_CHUNK).map(memberRow(projectId)))
        .onConflict((conflict) =>
          conflict.columns(["project_id", "platform", "identity_key"]).doUpdateSet({
            post_count: sql<number>`members.post_count + excluded.post_count`,
            first_post_at: earlierOf(
              engine,
              sql.ref("members.first_post_at"),
              sql.ref("excluded.first_post_at"),
            ),
            last_post_at: laterOf(
              engine,
              sql.ref("members.last_post_at"),
              sql.ref("excluded.last_post_at"),
            ),
            privacy_signals: sql<string>`excluded.privacy_signals`,
          }),
        )
        .execute();
    }
    const threads = [...this.threads.values()].filter((thread) => thread.dirty);
    for (let i = 0; i < threads.length; i += TOTALS_CHUNK) {
      await trx
        .insertInto("threads")
        .values(threads.slice(i, i + TOTALS_CHUNK).map(threadRow(projectId, importId)))
        .onConflict((conflict) =>
          conflict.columns(["project_id", "community_id", "source_id"]).doUpdateSet({
            title: sql<string>`excluded.title`,
            last_post_at: laterOf(
              engine,
              sql.ref("threads.last_post_at"),
              sql.ref("excluded.last_post_at"),
            ),
          }),
        )
        .execute();
    }

    const orphans = await trx
      .selectFrom("posts")
      .select((eb) => eb.fn.countAll().as("n"))
      .where("import_id", "=", importId)
      .where("parent_source_key", "is not", null)
      .where("parent_id", "is", null)
      .executeTakeFirstOrThrow();
    report.orphans = Number(orphans.n);
    await trx
      .insertInto("imports")
      .values({
        id: importId,
        project_id: projectId,
        imported_at: nowIso(),
        imported_by: this.context.userId,
        format,
        files: JSON.stringify(files),
        community_ids: JSON.stringify([...this.usedCommunities]),
        posts: report.posts,
        threads: report.threads,
        members: report.members,
        duplicates: report.duplicates,
        skipped: report.skipped,
        orphans: report.orphans,
        not_collected: report.notCollected,
      })
      .execute();
    await bumpCorpusRevision(trx, projectId);
  }
}

/** A members row from what the import knows: counts are what it has not written yet. */
function memberRow(projectId: string) {
  return (member: KnownMember): Insertable<MembersTable> => ({
    id: member.id,
    project_id: projectId,
    platform: member.platform,
    identity_key: member.identityKey,
    handle: member.handle,
    display_name: member.displayName,
    platform_user_id: member.platformUserId,
    pseudonym: member.pseudonym,
    post_count: member.posts,
    first_post_at: member.first,
    last_post_at: member.last,
    privacy_signals: JSON.stringify(member.signals),
    consent_status: member.consentStatus,
  });
}

function threadRow(projectId: string, importId: string) {
  return (thread: KnownThread): Insertable<ThreadsTable> => ({
    id: thread.id,
    project_id: projectId,
    community_id: thread.communityId,
    source_id: thread.sourceId,
    title: thread.title,
    url: thread.url,
    created_at: thread.createdAt,
    import_id: importId,
    last_post_at: thread.lastPostAt,
  });
}

/**
 * Adds the import's posts to the SQLite full-text index in one statement (see migration 022: during
 * the import the insert trigger leaves them out, since FTS5 pays per statement, not per row).
 */
async function indexImportForSearch(trx: Queryable, importId: string): Promise<void> {
  await sql`insert into posts_fts (rowid, title, text)
    select seq, title, text from posts where import_id = ${importId}`.execute(trx);
  await sql`delete from posts_fts_deferred where import_id = ${importId}`.execute(trx);
}

/**
 * Inserts many rows in one statement whose only parameter is the rows as a JSON array (json_each /
 * json_array_elements unpack it in the engine): the statement text stays the same for every chunk and
 * short, where a multi-row VALUES list costs a long parse and a node per value in Kysely.
 */
async function insertAsJson<T extends "posts">(
  trx: Queryable,
  engine: SqlEngine,
  table: T,
  rows: Array<Insertable<PostsTable>>,
): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]) as Array<keyof Insertable<PostsTable>>;
  // The connection replaces NUL characters in text parameters; in JSON text they are escapes.
  const json = jsonWithoutNul(
    JSON.stringify(rows.map((row) => columns.map((column) => row[column] ?? null))),
  );
  const integers = new Set(["deleted_upstream"]);
  const names = sql.join(columns.map((column) => sql.id(column)));
  if (engine === "sqlite") {
    const values = sql.join(columns.map((_, i) => sql.raw(`value ->> ${i}`)));
    await sql`insert into ${sql.table(table)} (${names}) select ${values} from json_each(${json})`.execute(
      trx,
    );
    return;
  }
  const values = sql.join(
    columns.map((column, i) =>
      sql.raw(`(value ->> ${i})${integers.has(column) ? "::integer" : ""}`),
    ),
  );
  await sql`insert into ${sql.table(table)} (${names}) select ${values} from json_array_elements(${json}::json)`.execute(
    trx,
  );
}

function parseSignals(text: string): string[] {
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value)
      ? value.filter((item): item is string => typeof item === "string")
      : [];
  } catch {
    return [];
  }
}

/**
 * One post's text is shown whole on its page and held whole by NLP: a 300 MB field would cost every page of
 * the project gigabytes. Longer texts are refused as invalid records (skipped with --skip-invalid).
 */
export const DEFAULT_MAX_POST_CHARS = 1_000_000;

export function maxPostCharsFromEnv(): number {
  const configured = Number(process.env.NETNO_MAX_POST_CHARS);
  return Number.isInteger(configured) && configured > 0 ? configured : DEFAULT_MAX_POST_CHARS;
}

/**
 * Imports community data files into a project, all-or-nothing: one transaction from the first record
 * to the commit, under the project's corpus lock (imports and erasures of one project never interleave).
 * The first invalid record stops the import and nothing is stored, unless `skipInvalid` skips and lists
 * invalid records. Posts are streamed from the files and written in chunks, never held all at once.
 */
export async function importFiles(input: ImportFilesInput): Promise<ImportReport> {
  return withDeclaredEncoding(input.encoding, () => importFilesAs(input));
}

async function importFilesAs(input: ImportFilesInput): Promise<ImportReport> {
  const { store, slug, skipInvalid = false, userId = "cli", onProgress } = input;
  const maxPostChars = input.maxPostChars ?? maxPostCharsFromEnv();
  // The importer is who acts (the command line unless a web user is named): their role must allow it.
  const { project } = await requireCapability({ store, slug, userId, capability: "code" });
  const shown = (file: string) => input.displayNames?.get(file) ?? file;
  const files = input.groups
    ? input.groups.flatMap((group) => group.files)
    : await expandInputs(input.files);
  const ignoredFiles: Array<{ file: string; reason: string }> = [];
  const groups = input.groups ?? (await chooseImporters(files, input.format, shown, ignoredFiles));
  if (groups.length === 0)
    throw new ResearchError(
      "import-failed",
      `None of the files holds posts: ${ignoredFiles.map((entry) => entry.file).join(", ")} ` +
        "(a Stack Exchange import needs Posts.xml).",
      { file: ignoredFiles[0]?.file },
    );
  const sizes = new Map<string, number>();
  for (const file of groups.flatMap((group) => group.files))
    sizes.set(file, (await stat(file)).size);
  const totalBytes = [...sizes.values()].reduce((a, b) => a + b, 0);
  const database = await sqlFor(store);

  const importId = newId();
  const report: ImportReport = {
    importId,
    formats: [...new Set(groups.map((group) => group.importer.format))],
    communities: [],
    posts: 0,
    threads: 0,
    members: 0,
    skipped: 0,
    duplicates: 0,
    orphans: 0,
    notCollected: 0,
    erasedExcluded: 0,
    deletedUpstream: 0,
    invalid: [],
    ignoredFiles,
  };
  const bytesDone = new Map<string, number>();

  return inTransaction(
    database,
    async (trx) => {
      const writer = new ImportWriter({
        trx,
        engine: database.engine,
        projectId: project.id,
        importId,
        salt: project.pseudonymSalt || project.id,
        userId,
        report,
      });
      // A large import touches index pages all over the posts table: a bigger page cache for the
      // length of the import keeps them in memory instead of re-reading them (SQLite's default is 2 MB).
      if (database.engine === "sqlite") await sql`pragma cache_size = -131072`.execute(trx);
      try {
        await writer.load();
        if (database.engine === "sqlite")
          await sql`insert into posts_fts_deferred (import_id) values (${importId})`.execute(trx);
        for (const { importer, files: groupFiles } of groups) {
          let currentFile: string | null = null;
          for await (let event of importer.read(groupFiles, {
            columns: input.columns,
            dateFormat: input.dateFormat,
          })) {
            if (event.kind === "progress") {
              currentFile = event.file;
              bytesDone.set(event.file, event.bytesRead);
              const bytesRead = [...bytesDone.values()].reduce((a, b) => a + b, 0);
              onProgress?.({ file: shown(event.file), bytesRead, totalBytes, posts: report.posts });
              continue;
            }
            if (event.kind === "not-collected") {
              report.notCollected += event.count;
              continue;
            }
            if (event.kind === "skipped") {
              report.skipped++;
              if (report.invalid.length < MAX_LISTED_INVALID)
                report.invalid.push({
                  ...event.where,
                  file: shown(event.where.file),
                  message: event.message,
                });
              continue;
            }
            if (event.kind === "post" && event.post.text.length > maxPostChars) {
              const characters = [...event.post.text].length;
              if (characters > maxPostChars)
                event = {
                  kind: "invalid",
                  where: { file: currentFile ?? groupFiles[0], record: event.post.sourceId },
                  message:
                    `the post's text has ${characters.toLocaleString("en")} characters, more than ` +
                    `the ${maxPostChars.toLocaleString("en")} one post may hold (NETNO_MAX_POST_CHARS)`,
                };
            }
            if (event.kind === "invalid") {
              const where = { ...event.where, file: shown(event.where.file) };
              if (!skipInvalid) {
                const place = [
                  path.basename(where.file),
                  where.line !== undefined
                    ? `line ${where.line}`
                    : where.record !== undefined
                      ? `record ${where.record}`
                      : null,
                  where.field ? `field ${where.field}` : null,
                ]
                  .filter(Boolean)
                  .join(", ");
                throw new ResearchError(
                  "import-failed",
                  `Import stopped, nothing was changed: ${place}: ${event.message} (Use --skip-invalid to skip bad records.)`,
                  where,
                );
              }
              report.skipped++;
              if (report.invalid.length < MAX_LISTED_INVALID)
                report.invalid.push({ ...where, message: event.message });
              continue;
            }
            const imported = recordWithoutNul(event.post);
            const communityName =
              input.community?.trim() ||
              imported.community ||
              path.basename(shown(groupFiles[0])).replace(/\.[^.]+$/, "");
            writer.add({
              imported,
              platform: importer.platform,
              community: writer.communityFor(
                communityName,
                importer.platform,
                input.community?.trim() ? [] : imported.formerCommunityNames,
              ),
            });
            if (writer.pendingCount >= CHUNK_SIZE) await writer.flush();
          }
          await writer.flush();
        }
        await writer.finish({
          format: report.formats.join(", "),
          files: files.map((file) => path.basename(shown(file))),
        });
        if (database.engine === "sqlite") await indexImportForSearch(trx, importId);
        // After the index: a post whose quoted words are blanked is re-indexed by the update trigger.
        await reconsiderQuotedPassages(trx, database.engine, project.id, { importId });
        return report;
      } finally {
        if (database.engine === "sqlite") await sql`pragma cache_size = -2000`.execute(trx);
      }
    },
    { lockKey: `corpus:${project.id}` },
  );
}
