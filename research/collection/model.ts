import { z } from "zod";
import type { StoredFileKind } from "../store/index.js";

/** The platforms importers know; `other` covers CSV and feeds whose origin is not a platform. */
export const PlatformSchema = z.enum([
  "reddit",
  "discourse",
  "hackernews",
  "mastodon",
  "stackexchange",
  "mailing-list",
  "telegram",
  "twitter",
  "youtube",
  "rss",
  "csv",
  "other",
]);
export type Platform = z.infer<typeof PlatformSchema>;

/** Platforms whose post ids are only unique within one site or feed; elsewhere ids are platform-wide. */
const IDS_LOCAL_TO_COMMUNITY: ReadonlySet<Platform> = new Set([
  "stackexchange",
  "discourse",
  "csv",
  "rss",
  "other",
]);

/**
 * The separator inside composite keys (source keys, member identity keys). Not NUL, which the earlier
 * release used: PostgreSQL cannot store NUL in text.
 */
export const KEY_SEPARATOR = "\u001f";

/** The key a post's source id is unique under: used to find duplicates and to link replies to parents. */
export function sourceKey(platform: Platform, communityId: string, sourceId: string): string {
  return `${IDS_LOCAL_TO_COMMUNITY.has(platform) ? communityId : platform}${KEY_SEPARATOR}${sourceId}`;
}

export const CommunitySchema = z.object({
  id: z.string(),
  name: z.string(),
  platform: PlatformSchema,
  url: z.string().nullable().default(null),
  createdAt: z.string(),
});
export type Community = z.infer<typeof CommunitySchema>;

export const ThreadSchema = z.object({
  id: z.string(),
  communityId: z.string(),
  sourceId: z.string(),
  title: z.string(),
  url: z.string().nullable(),
  createdAt: z.string().nullable(),
});
export type Thread = z.infer<typeof ThreadSchema>;

export const PostSchema = z.object({
  id: z.string(),
  sourceId: z.string(),
  threadId: z.string(),
  communityId: z.string(),
  /** The platform's id of the parent, kept even when the parent was not collected (see CorpusPost). */
  parentSourceId: z.string().nullable(),
  memberId: z.string().nullable(),
  createdAt: z.string().nullable(),
  title: z.string().nullable().default(null),
  /** Sanitized HTML when the platform gave HTML. */
  html: z.string().nullable(),
  /** The plain text that codings' offsets count into (Unicode code points). */
  text: z.string(),
  url: z.string().nullable(),
  language: z.string().nullable(),
  deletedUpstream: z.boolean().default(false),
});
export type Post = z.infer<typeof PostSchema>;

/** A post as the corpus loader serves it: parents are linked across imports when the corpus is read. */
export type CorpusPost = Post & {
  /** Our id of the post this one replies to, when that post was collected. */
  parentId: string | null;
  /** True when the post replies to a post that was not collected. */
  orphan: boolean;
  depth: number;
};

export const MemberSchema = z.object({
  id: z.string(),
  platform: PlatformSchema,
  /** The platform's user name (or display name when that is all the platform gives). */
  handle: z.string(),
  displayName: z.string().nullable().default(null),
  platformUserId: z.string().nullable().default(null),
  /** What identifies the member on re-import (handle, user id, or community and handle); see memberKeyOf. */
  identityKey: z.string().default(""),
  pseudonym: z.string(),
  postCount: z.number().int().nonnegative(),
  firstPostAt: z.string().nullable(),
  lastPostAt: z.string().nullable(),
  /** Signals by which a member asked for privacy (e.g. Mastodon `noindex`, `discoverable: false`). */
  privacySignals: z.array(z.string()).default([]),
});
export type Member = z.infer<typeof MemberSchema>;

export const CorpusBatchSchema = z.object({
  id: z.string(),
  threads: z.array(ThreadSchema),
  posts: z.array(PostSchema),
});
export type CorpusBatch = z.infer<typeof CorpusBatchSchema>;

export const BatchSummarySchema = z.object({
  id: z.string(),
  /** Batches written by one import share its id. */
  importId: z.string().default(""),
  importedAt: z.string(),
  importedBy: z.string(),
  format: z.string(),
  files: z.array(z.string()),
  communityId: z.string(),
  posts: z.number().int(),
  threads: z.number().int(),
  members: z.number().int(),
  duplicates: z.number().int(),
  skipped: z.number().int(),
  orphans: z.number().int(),
  notCollected: z.number().int().default(0),
});
export type BatchSummary = z.infer<typeof BatchSummarySchema>;

export const CorpusManifestSchema = z.object({
  communities: z.array(CommunitySchema),
  batches: z.array(BatchSummarySchema),
  /** Goes up with every change to the corpus (imports, erasures), so derived views know when to rebuild. */
  revision: z.number().int().default(0),
});
export type CorpusManifest = z.infer<typeof CorpusManifestSchema>;

export const corpusManifestFile: StoredFileKind<CorpusManifest> = {
  description: "corpus manifest",
  schema: CorpusManifestSchema,
  version: 1,
  empty: () => ({ communities: [], batches: [], revision: 0 }),
};

export const corpusBatchFile: StoredFileKind<CorpusBatch> = {
  description: "corpus batch",
  schema: CorpusBatchSchema,
  version: 1,
  empty: () => ({ id: "", threads: [], posts: [] }),
};

export const MembersFileSchema = z.object({ members: z.array(MemberSchema) });
export type MembersFile = z.infer<typeof MembersFileSchema>;
export const membersFile: StoredFileKind<MembersFile> = {
  description: "community members",
  schema: MembersFileSchema,
  version: 1,
  empty: () => ({ members: [] }),
};

export const FieldNoteKindSchema = z.enum([
  "observational",
  "reflective",
  "methodological",
  "theoretical",
]);
export type FieldNoteKind = z.infer<typeof FieldNoteKindSchema>;

export const FieldNoteSchema = z.object({
  id: z.string(),
  kind: FieldNoteKindSchema,
  title: z.string(),
  markdown: z.string(),
  authorId: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  links: z
    .array(z.object({ type: z.enum(["thread", "post", "member"]), id: z.string() }))
    .default([]),
});
export type FieldNote = z.infer<typeof FieldNoteSchema>;

export const FieldNotesFileSchema = z.object({ notes: z.array(FieldNoteSchema) });
export const fieldNotesFile: StoredFileKind<z.infer<typeof FieldNotesFileSchema>> = {
  description: "field notes",
  schema: FieldNotesFileSchema,
  version: 1,
  empty: () => ({ notes: [] }),
};
