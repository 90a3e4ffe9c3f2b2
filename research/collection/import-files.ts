import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { consentFile } from "../entree/model.js";
import { erasedMemberHash } from "../entree/consent-status.js";
import { detectLanguage } from "../nlp/language.js";
import { projectKeys } from "../projects/model.js";
import { requireProject } from "../projects/projects.js";
import { ResearchError, type ErrorLocation } from "../shared/errors.js";
import { newId, nowIso } from "../shared/ids.js";
import type { DocumentStore } from "../store/index.js";
import { IMPORT_FORMATS, detectImporter, getImporter, type CsvField, type Importer } from "./importers/index.js";
import { readHead } from "./importers/read.js";
import {
  corpusBatchFile, corpusManifestFile, membersFile, sourceKey,
  type BatchSummary, type Community, type Member, type Platform, type Post, type Thread,
} from "./model.js";
import { pseudonymFor } from "./pseudonyms.js";

/**
 * Platforms where display names are not unique (or can change) identify members by their user id;
 * elsewhere the handle is the identity, which also holds when older exports lack the user id.
 */
const KEYED_BY_USER_ID: ReadonlySet<Platform> = new Set(["stackexchange", "telegram", "twitter", "youtube"]);

/** Generic sources (CSV, feeds) say nothing about identity across communities: a handle is local to one. */
const HANDLE_LOCAL_TO_COMMUNITY: ReadonlySet<Platform> = new Set(["csv", "rss", "other"]);

export function memberKeyOf(platform: Platform, author: { handle: string; platformUserId?: string | null }, communityName: string): string {
  if (KEYED_BY_USER_ID.has(platform) && author.platformUserId) return author.platformUserId;
  return HANDLE_LOCAL_TO_COMMUNITY.has(platform) ? `${communityName}\u0000${author.handle}` : author.handle;
}

/** Posts per batch file: small enough to rewrite quickly when one member is erased. */
const BATCH_SIZE = 20_000;
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
};

export type ImportFilesInput = {
  store: DocumentStore;
  slug: string;
  files: string[];
  format?: string;
  community?: string;
  skipInvalid?: boolean;
  userId?: string;
  columns?: Partial<Record<CsvField, string>>;
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
      throw new ResearchError("import-failed", `Cannot read ${file}: no such file or folder.`, { file });
    }
    if (info.isDirectory()) {
      const entries = (await readdir(file)).filter((name) => !name.startsWith(".")).sort();
      const dump = entries.filter((name) => ["Posts.xml", "Comments.xml", "Users.xml"].includes(name));
      const chosen = dump.length > 0 ? dump : entries.filter((name) => /\.(json|ndjson|jsonl|xml|mbox|csv|tsv|rss|atom)$/i.test(name));
      if (chosen.length === 0) throw new ResearchError("import-failed", `The folder ${file} holds no file to import.`, { file });
      expanded.push(...chosen.map((name) => path.join(file, name)));
    } else {
      if (info.size === 0) throw new ResearchError("import-failed", `${path.basename(file)} is empty (0 bytes): nothing to import.`, { file });
      expanded.push(file);
    }
  }
  return expanded;
}

async function chooseImporters(files: string[], format: string | undefined): Promise<Array<{ importer: Importer; files: string[] }>> {
  const forced = format ? getImporter(format) : undefined;
  if (format && !forced) {
    throw new ResearchError("invalid-input", `Unknown format "${format}". Formats: ${IMPORT_FORMATS.join(", ")}.`, { field: "format" });
  }
  const groups = new Map<Importer, string[]>();
  for (const file of files) {
    const head = await readHead(file);
    let importer = forced;
    if (!importer) {
      importer = detectImporter(file, head);
      if (!importer) {
        throw new ResearchError("import-failed", `Cannot tell which platform ${path.basename(file)} comes from. Give its format (one of ${IMPORT_FORMATS.join(", ")}).`, { file });
      }
    } else if (!forced!.detect({ fileName: path.basename(file), head })) {
      const other = detectImporter(file, head);
      if (other && other !== forced) {
        throw new ResearchError("import-failed", `${path.basename(file)} looks like a ${other.format} file, not ${forced!.format}. Check the format.`, { file, field: "format" });
      }
    }
    groups.set(importer, [...(groups.get(importer) ?? []), file]);
  }
  return [...groups].flatMap(([importer, group]) => (importer.groupFiles ? importer.groupFiles(group) : [group]).map((files) => ({ importer, files })));
}

/** Existing post and thread keys of the corpus, so a re-import adds nothing twice. */
async function loadExistingKeys(store: DocumentStore, slug: string, batches: BatchSummary[], communities: Community[]) {
  const postIds = new Map<string, string>();
  const threadIds = new Map<string, string>();
  const platformOf = new Map(communities.map((community) => [community.id, community.platform]));
  for (const batch of batches) {
    const data = await store.read(corpusBatchFile, projectKeys.corpusBatch(slug, batch.id));
    for (const thread of data.threads) threadIds.set(`${thread.communityId}\u0000${thread.sourceId}`, thread.id);
    for (const post of data.posts) postIds.set(sourceKey(platformOf.get(post.communityId) ?? "other", post.communityId, post.sourceId), post.id);
  }
  return { postIds, threadIds };
}

/**
 * Imports community data files into a project: all-or-nothing by default (the first invalid record stops
 * the import and nothing changes), or skipping and listing invalid records with `skipInvalid`.
 * Posts are streamed into batch files that only count once the manifest lists them, so a failure at any
 * point leaves the project exactly as it was.
 */
export async function importFiles(input: ImportFilesInput): Promise<ImportReport> {
  const { store, slug, skipInvalid = false, userId = "cli", onProgress } = input;
  const project = await requireProject({ store, slug });
  const shown = (file: string) => input.displayNames?.get(file) ?? file;
  const files = input.groups ? input.groups.flatMap((group) => group.files) : await expandInputs(input.files);
  const groups = input.groups ?? (await chooseImporters(files, input.format));
  const sizes = new Map<string, number>();
  for (const file of files) sizes.set(file, (await stat(file)).size);
  const totalBytes = [...sizes.values()].reduce((a, b) => a + b, 0);

  const manifest = structuredClone(await store.read(corpusManifestFile, projectKeys.corpusManifest(slug)));
  const membersBefore = structuredClone(await store.read(membersFile, projectKeys.members(slug)));
  const consent = await store.read(consentFile, projectKeys.consent(slug));
  const erased = new Set(consent.purgedMembers.map((entry) => entry.handleHash));
  const wasErased = (platform: string, memberKey: string) => erased.size > 0 && erased.has(erasedMemberHash(platform, memberKey));
  const existing = await loadExistingKeys(store, slug, manifest.batches, manifest.communities);

  const importId = newId();
  const report: ImportReport = {
    importId, formats: [...new Set(groups.map((group) => group.importer.format))], communities: [], posts: 0, threads: 0, members: 0,
    skipped: 0, duplicates: 0, orphans: 0, notCollected: 0, erasedExcluded: 0, deletedUpstream: 0, invalid: [],
  };
  const members = new Map<string, Member>(membersBefore.members.map((member) => [`${member.platform}\u0000${member.identityKey || member.platformUserId || member.handle}`, structuredClone(member)]));
  const pseudonyms = new Set(membersBefore.members.map((member) => member.pseudonym));
  const newCommunities: Community[] = [];
  const newPostKeys = new Set<string>();
  const parentRefs: string[] = [];
  const writtenBatches: BatchSummary[] = [];
  let batch: { threads: Thread[]; posts: Post[] } = { threads: [], posts: [] };
  const batchCommunities = new Set<string>();
  const bytesDone = new Map<string, number>();

  const communities = new Map(manifest.communities.map((community) => [`${community.platform}\u0000${community.name}`, community]));
  const communityFor = (name: string, platform: Platform): Community => {
    const key = `${platform}\u0000${name}`;
    let community = communities.get(key);
    if (!community) {
      community = { id: newId(), name, platform, url: null, createdAt: nowIso() };
      newCommunities.push(community);
      communities.set(key, community);
    }
    return community;
  };

  const flush = async (format: string, groupFiles: string[]) => {
    if (batch.posts.length === 0 && batch.threads.length === 0) return;
    const id = `batch-${Date.now().toString(36)}-${newId().slice(0, 8)}`;
    await store.update(corpusBatchFile, projectKeys.corpusBatch(slug, id), (data) => {
      data.id = id;
      data.threads = batch.threads;
      data.posts = batch.posts;
    });
    writtenBatches.push({
      id, importId, importedAt: nowIso(), importedBy: userId, format, files: groupFiles.map((file) => path.basename(shown(file))),
      communityId: [...batchCommunities][0] ?? "", posts: batch.posts.length, threads: batch.threads.length, members: 0,
      duplicates: 0, skipped: 0, orphans: 0, notCollected: 0,
    });
    batch = { threads: [], posts: [] };
    batchCommunities.clear();
  };

  try {
    for (const { importer, files: groupFiles } of groups) {
      for await (const event of importer.read(groupFiles, { columns: input.columns })) {
        if (event.kind === "progress") {
          bytesDone.set(event.file, event.bytesRead);
          onProgress?.({ file: shown(event.file), bytesRead: [...bytesDone.values()].reduce((a, b) => a + b, 0), totalBytes, posts: report.posts });
          continue;
        }
        if (event.kind === "not-collected") {
          report.notCollected += event.count;
          continue;
        }
        if (event.kind === "invalid") {
          const where = { ...event.where, file: shown(event.where.file) };
          if (!skipInvalid) {
            const place = [path.basename(where.file), where.line !== undefined ? `line ${where.line}` : where.record !== undefined ? `record ${where.record}` : null, where.field ? `field ${where.field}` : null].filter(Boolean).join(", ");
            throw new ResearchError("import-failed", `Import stopped, nothing was changed: ${place}: ${event.message} (Use --skip-invalid to skip bad records.)`, where);
          }
          report.skipped++;
          if (report.invalid.length < MAX_LISTED_INVALID) report.invalid.push({ ...where, message: event.message });
          continue;
        }
        const imported = event.post;
        const communityName = input.community?.trim() || imported.community || path.basename(shown(groupFiles[0])).replace(/\.[^.]+$/, "");
        const community = communityFor(communityName, importer.platform);
        const postKey = sourceKey(importer.platform, community.id, imported.sourceId);
        if (existing.postIds.has(postKey) || newPostKeys.has(postKey)) {
          report.duplicates++;
          continue;
        }
        let memberId: string | null = null;
        if (imported.author) {
          const memberKey = memberKeyOf(importer.platform, imported.author, community.name);
          if (wasErased(importer.platform, memberKey)) {
            report.erasedExcluded++;
            continue;
          }
          const key = `${importer.platform}\u0000${memberKey}`;
          let member = members.get(key);
          if (!member) {
            member = {
              id: newId(), platform: importer.platform, handle: imported.author.handle, displayName: imported.author.displayName ?? null,
              platformUserId: imported.author.platformUserId ?? null,
              identityKey: memberKey,
              pseudonym: pseudonymFor(project.pseudonymSalt || project.id, importer.platform, memberKey, pseudonyms),
              postCount: 0, firstPostAt: null, lastPostAt: null, privacySignals: [],
            };
            pseudonyms.add(member.pseudonym);
            members.set(key, member);
            report.members++;
          }
          member.postCount++;
          const at = imported.createdAt;
          if (at && (!member.firstPostAt || at < member.firstPostAt)) member.firstPostAt = at;
          if (at && (!member.lastPostAt || at > member.lastPostAt)) member.lastPostAt = at;
          for (const signal of imported.author.privacySignals ?? []) if (!member.privacySignals.includes(signal)) member.privacySignals.push(signal);
          memberId = member.id;
        }
        const threadKey = `${community.id}\u0000${imported.threadSourceId}`;
        let threadId = existing.threadIds.get(threadKey);
        if (!threadId) {
          threadId = newId();
          existing.threadIds.set(threadKey, threadId);
          const title = imported.threadTitle || imported.title || imported.text.split("\n")[0].slice(0, 90) || "(untitled thread)";
          batch.threads.push({ id: threadId, communityId: community.id, sourceId: imported.threadSourceId, title, url: imported.threadUrl ?? null, createdAt: imported.createdAt });
          report.threads++;
        } else if (imported.threadTitle) {
          const pending = batch.threads.find((thread) => thread.id === threadId);
          if (pending && pending.title.startsWith("(untitled")) pending.title = imported.threadTitle;
        }
        const post: Post = {
          id: newId(), sourceId: imported.sourceId, threadId, communityId: community.id, parentSourceId: imported.parentSourceId,
          memberId, createdAt: imported.createdAt, title: imported.title ?? null, html: imported.html, text: imported.text,
          url: imported.url, language: detectLanguage(imported.text), deletedUpstream: imported.deletedUpstream ?? false,
        };
        if (post.deletedUpstream) report.deletedUpstream++;
        newPostKeys.add(postKey);
        if (imported.parentSourceId) parentRefs.push(sourceKey(importer.platform, community.id, imported.parentSourceId));
        batch.posts.push(post);
        batchCommunities.add(community.id);
        report.posts++;
        if (batch.posts.length >= BATCH_SIZE) await flush(importer.format, groupFiles);
      }
      await flush(importer.format, groupFiles);
    }
    report.orphans = parentRefs.filter((key) => !existing.postIds.has(key) && !newPostKeys.has(key)).length;
    report.communities = [...new Set([...newCommunities.map((c) => c.name)])];

    // Commit: members first, then the manifest, which is what makes the new batches part of the corpus.
    if (report.posts > 0 || report.members > 0) {
      await store.update(membersFile, projectKeys.members(slug), (data) => {
        data.members = [...members.values()];
      });
    }
    if (writtenBatches.length > 0) {
      const totals = { duplicates: report.duplicates, skipped: report.skipped, orphans: report.orphans, notCollected: report.notCollected, members: report.members };
      Object.assign(writtenBatches[0], totals);
      try {
        await store.update(corpusManifestFile, projectKeys.corpusManifest(slug), (data) => {
          data.communities.push(...newCommunities.filter((c) => !data.communities.some((d) => d.id === c.id)));
          data.batches.push(...writtenBatches);
          data.revision += 1;
        });
      } catch (error) {
        await store.update(membersFile, projectKeys.members(slug), (data) => {
          data.members = membersBefore.members;
        });
        throw error;
      }
    }
    return report;
  } catch (error) {
    for (const written of writtenBatches) await store.remove(projectKeys.corpusBatch(slug, written.id));
    throw error;
  }
}
