import { readFile, readdir } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { ResearchError } from "../shared/errors.js";
import type { StoredFileKind } from "../store/index.js";
import { parseVersioned } from "../store/lowdb-store.js";

/**
 * The growing files of the release before the SQL tables (commit c869662), as that release wrote them.
 * Their schemas are copied here, not imported, so an old data directory can still be read after the rest
 * of the code dropped these files. Change nothing here but to read more of what that release wrote.
 */

export const LegacyPlatformSchema = z.enum([
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

const CommunitySchema = z.object({
  id: z.string(),
  name: z.string(),
  platform: LegacyPlatformSchema,
  url: z.string().nullable().default(null),
  createdAt: z.string(),
});

const ThreadSchema = z.object({
  id: z.string(),
  communityId: z.string(),
  sourceId: z.string(),
  title: z.string(),
  url: z.string().nullable(),
  createdAt: z.string().nullable(),
});

const PostSchema = z.object({
  id: z.string(),
  sourceId: z.string(),
  threadId: z.string(),
  communityId: z.string(),
  parentSourceId: z.string().nullable(),
  memberId: z.string().nullable(),
  createdAt: z.string().nullable(),
  title: z.string().nullable().default(null),
  html: z.string().nullable(),
  text: z.string(),
  url: z.string().nullable(),
  language: z.string().nullable(),
  deletedUpstream: z.boolean().default(false),
});
export type LegacyPost = z.infer<typeof PostSchema>;

const MemberSchema = z.object({
  id: z.string(),
  platform: LegacyPlatformSchema,
  handle: z.string(),
  displayName: z.string().nullable().default(null),
  platformUserId: z.string().nullable().default(null),
  identityKey: z.string().default(""),
  pseudonym: z.string(),
  postCount: z.number().int().nonnegative(),
  firstPostAt: z.string().nullable(),
  lastPostAt: z.string().nullable(),
  privacySignals: z.array(z.string()).default([]),
});
export type LegacyMember = z.infer<typeof MemberSchema>;

const BatchSummarySchema = z.object({
  id: z.string(),
  /** Batches written by one import share its id (empty in files older than that field). */
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
export type LegacyBatchSummary = z.infer<typeof BatchSummarySchema>;

const CorpusManifestSchema = z.object({
  communities: z.array(CommunitySchema),
  batches: z.array(BatchSummarySchema),
  revision: z.number().int().default(0),
});

export const legacyManifestFile: StoredFileKind<z.infer<typeof CorpusManifestSchema>> = {
  description: "corpus manifest",
  schema: CorpusManifestSchema,
  version: 1,
  empty: () => ({ communities: [], batches: [], revision: 0 }),
};

const CorpusBatchSchema = z.object({
  id: z.string(),
  threads: z.array(ThreadSchema),
  posts: z.array(PostSchema),
});
export const legacyBatchFile: StoredFileKind<z.infer<typeof CorpusBatchSchema>> = {
  description: "corpus batch",
  schema: CorpusBatchSchema,
  version: 1,
  empty: () => ({ id: "", threads: [], posts: [] }),
};

export const legacyMembersFile: StoredFileKind<{ members: LegacyMember[] }> = {
  description: "community members",
  schema: z.object({ members: z.array(MemberSchema) }),
  version: 1,
  empty: () => ({ members: [] }),
};

const FieldNoteSchema = z.object({
  id: z.string(),
  kind: z.enum(["observational", "reflective", "methodological", "theoretical"]),
  title: z.string(),
  markdown: z.string(),
  authorId: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  links: z
    .array(z.object({ type: z.enum(["thread", "post", "member"]), id: z.string() }))
    .default([]),
});
export const legacyFieldNotesFile: StoredFileKind<{ notes: z.infer<typeof FieldNoteSchema>[] }> = {
  description: "field notes",
  schema: z.object({ notes: z.array(FieldNoteSchema) }),
  version: 1,
  empty: () => ({ notes: [] }),
};

const CodingSchema = z.object({
  id: z.string(),
  codeId: z.string(),
  sourceType: z.enum(["post", "fieldnote"]),
  sourceId: z.string(),
  start: z.number().int().nonnegative(),
  end: z.number().int().nonnegative(),
  quote: z.string(),
  coderId: z.string(),
  createdAt: z.string(),
});
export const legacyCodingsFile: StoredFileKind<{ codings: z.infer<typeof CodingSchema>[] }> = {
  description: "codings",
  schema: z.object({ codings: z.array(CodingSchema) }),
  version: 1,
  empty: () => ({ codings: [] }),
};

const MemoSchema = z.object({
  id: z.string(),
  target: z.object({ type: z.enum(["code", "post", "thread", "project"]), id: z.string() }),
  markdown: z.string(),
  authorId: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export const legacyMemosFile: StoredFileKind<{ memos: z.infer<typeof MemoSchema>[] }> = {
  description: "memos",
  schema: z.object({ memos: z.array(MemoSchema) }),
  version: 1,
  empty: () => ({ memos: [] }),
};

const ConsentEntrySchema = z.object({
  id: z.string(),
  memberId: z.string(),
  status: z.enum(["consented", "declined", "opted-out", "paraphrase-only"]),
  date: z.string(),
  evidence: z.string().default(""),
  recordedBy: z.string(),
});
const ConsentFileSchema = z.object({
  entries: z.array(ConsentEntrySchema),
  purgedMembers: z
    .array(z.object({ platform: z.string(), handleHash: z.string(), purgedAt: z.string() }))
    .default([]),
});
export const legacyConsentFile: StoredFileKind<z.infer<typeof ConsentFileSchema>> = {
  description: "consent log",
  schema: ConsentFileSchema,
  version: 1,
  empty: () => ({ entries: [], purgedMembers: [] }),
};

const AuditEntrySchema = z.object({
  at: z.string(),
  by: z.string(),
  action: z.string(),
  detail: z.string(),
});
export const legacyAuditFile: StoredFileKind<{ entries: z.infer<typeof AuditEntrySchema>[] }> = {
  description: "audit log",
  schema: z.object({ entries: z.array(AuditEntrySchema) }),
  version: 1,
  empty: () => ({ entries: [] }),
};

/** One post's annotation as the old NLP run stored it (code point spans, wink's sentiment). */
const AnnotationSchema = z.object({
  sentences: z.array(
    z.object({ start: z.number().int(), end: z.number().int(), sentiment: z.number() }),
  ),
  entities: z.array(
    z.object({
      type: z.string(),
      value: z.string(),
      start: z.number().int(),
      end: z.number().int(),
    }),
  ),
  hashtags: z.array(z.string()),
  mentions: z.array(z.string()),
  emojis: z.array(z.string()),
  keyTerms: z.array(z.string()),
  tokens: z.number().int(),
});
const AnnotationsFileSchema = z.object({
  annotations: z.record(z.string(), AnnotationSchema),
  skipped: z.array(z.string()).default([]),
});
export const legacyAnnotationsFile: StoredFileKind<z.infer<typeof AnnotationsFileSchema>> = {
  description: "NLP annotations",
  schema: AnnotationsFileSchema,
  version: 1,
  empty: () => ({ annotations: {}, skipped: [] }),
};

const DecisionSchema = z.object({
  suggestionId: z.string(),
  kind: z.enum(["similar", "keyword", "sentiment"]),
  codeId: z.string(),
  sourceId: z.string(),
  start: z.number().int(),
  end: z.number().int(),
  score: z.number(),
  decision: z.enum(["accepted", "rejected"]),
  decidedBy: z.string(),
  at: z.string(),
});
export const legacySuggestionsFile: StoredFileKind<{
  decisions: z.infer<typeof DecisionSchema>[];
}> = {
  description: "suggestion decisions",
  schema: z.object({ decisions: z.array(DecisionSchema) }),
  version: 1,
  empty: () => ({ decisions: [] }),
};

const ShareLinkSchema = z.object({
  id: z.string(),
  tokenHash: z.string(),
  themeIds: z.array(z.string()),
  label: z.string().default(""),
  createdBy: z.string(),
  createdAt: z.string(),
  expiresAt: z.string(),
  revokedAt: z.string().nullable().default(null),
});
const MemberResponseSchema = z.object({
  id: z.string(),
  linkId: z.string(),
  themeId: z.string(),
  rating: z.enum(["rings-true", "partly", "does-not-ring-true"]),
  comment: z.string().default(""),
  quoteRef: z.string().nullable().default(null),
  at: z.string(),
  handledAt: z.string().nullable().default(null),
  handledBy: z.string().nullable().default(null),
  handling: z.string().default(""),
});
const MemberCheckFileSchema = z.object({
  links: z.array(ShareLinkSchema),
  responses: z.array(MemberResponseSchema),
});
export const legacyMemberChecksFile: StoredFileKind<z.infer<typeof MemberCheckFileSchema>> = {
  description: "member checks",
  schema: MemberCheckFileSchema,
  version: 1,
  empty: () => ({ links: [], responses: [] }),
};

/** Where the old release kept each growing file, relative to `projects/<slug>/`. */
export const legacyPaths = {
  consent: "consent.json",
  audit: "audit.json",
  fieldNotes: "fieldnotes.json",
  codings: "codings.json",
  memos: "memos.json",
  suggestions: "suggestions.json",
  memberChecks: "member-checks.json",
  corpusFolder: "corpus",
  manifest: "corpus/manifest.json",
  members: "corpus/members.json",
  batch: (batchId: string) => `corpus/${batchId}.json`,
  nlpFolder: "nlp",
} as const;

/**
 * The entries of a project folder that hold growing data in the old release. Everything else there
 * (project.json, objectives.json, codebook.json, themes.json, ...) is a document and stays a document.
 */
export const LEGACY_PROJECT_ENTRIES: readonly string[] = [
  legacyPaths.consent,
  legacyPaths.audit,
  legacyPaths.fieldNotes,
  legacyPaths.codings,
  legacyPaths.memos,
  legacyPaths.suggestions,
  legacyPaths.memberChecks,
  legacyPaths.corpusFolder,
  legacyPaths.nlpFolder,
];

/** True for a name in a project folder that belongs to the old growing files (with their lock or temp files). */
export function isLegacyProjectEntry(name: string): boolean {
  // Lock folders are `<file>.lock`, temporary files `<file>.<pid>.<hex>.tmp` (see atomic-json-file.ts).
  const bare = name.replace(/\.lock$/, "").replace(/(\.\d+\.[0-9a-f]+)?\.tmp$/, "");
  return LEGACY_PROJECT_ENTRIES.includes(bare);
}

/**
 * Reads one old file from disk, whatever the store's engine (on PostgreSQL the store reads documents from
 * the database, but an old data directory is always files). A missing file reads as the kind's empty value.
 */
export async function readLegacyFile<T>(file: string, kind: StoredFileKind<T>): Promise<T> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if (isMissing(error)) return kind.empty();
    throw error;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ResearchError(
      "corrupt-file",
      `Data file ${file} is not valid JSON (${error instanceof Error ? error.message : String(error)}). ` +
        "Nothing was upgraded; mend or remove the file and start again.",
      { file },
    );
  }
  return parseVersioned(raw, kind, file);
}

/** Names in a folder, or none when the folder does not exist. */
export async function listFolder(folder: string): Promise<string[]> {
  try {
    return (await readdir(folder)).sort();
  } catch (error) {
    if (isMissing(error)) return [];
    throw error;
  }
}

/** The batch files of a corpus folder (every `<id>.json` but the manifest and the members file). */
export async function listBatchFiles(projectFolder: string): Promise<string[]> {
  const names = await listFolder(path.join(projectFolder, legacyPaths.corpusFolder));
  return names
    .filter((name) => name.endsWith(".json") && name !== "manifest.json" && name !== "members.json")
    .map((name) => name.slice(0, -".json".length));
}

export function isMissing(error: unknown): boolean {
  return typeof error === "object" && error !== null && "code" in error && error.code === "ENOENT";
}
