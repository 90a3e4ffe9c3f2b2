import type { ColumnType, Generated } from "kysely";

/**
 * The tables for what grows, as Kysely sees them. Both engines hold the same columns (see migrations.ts);
 * booleans are stored as 0/1 integers and JSON as text, so rows read back the same on SQLite and PostgreSQL.
 * Every row carries the project's id (not its slug, which can change).
 */

/** A 0/1 flag: SQLite has no boolean type, and PostgreSQL stores the same integer. */
export type Flag = number;
/** JSON kept as text, parsed by the module that owns the table. */
export type JsonText = string;
/**
 * A count or sequence from the database: PostgreSQL's `bigint` comes back as a string through `pg`, so
 * reads of these columns go through `Number()`.
 */
export type DbInteger = ColumnType<number, number | undefined, number>;

export type CommunitiesTable = {
  id: string;
  project_id: string;
  platform: string;
  name: string;
  url: string | null;
  created_at: string;
};

export type ImportsTable = {
  id: string;
  project_id: string;
  imported_at: string;
  imported_by: string;
  format: string;
  /** JSON array of the file names (as the researcher named them, never a server path). */
  files: JsonText;
  /** JSON array of community ids the import added posts to. */
  community_ids: JsonText;
  posts: number;
  threads: number;
  members: number;
  duplicates: number;
  skipped: number;
  orphans: number;
  not_collected: number;
};

export type ThreadsTable = {
  id: string;
  project_id: string;
  community_id: string;
  source_id: string;
  title: string;
  url: string | null;
  created_at: string | null;
  import_id: string;
  /** The latest post ever collected in the thread (migration 003), for sorting; set by imports. */
  last_post_at: ColumnType<string | null, string | null | undefined, string | null>;
};

export type MembersTable = {
  id: string;
  project_id: string;
  platform: string;
  /** What identifies the person on re-import (handle, user id, or community and handle). */
  identity_key: string;
  handle: string;
  display_name: string | null;
  platform_user_id: string | null;
  pseudonym: string;
  post_count: number;
  first_post_at: string | null;
  last_post_at: string | null;
  /** JSON array of privacy signals (Mastodon `noindex`, ...). */
  privacy_signals: JsonText;
  /** The latest recorded consent status, or null: kept with every consent entry, read by every visibility check. */
  consent_status: string | null;
};

export type PostsTable = {
  /** Row order and the full-text index's key (FTS5 rowid); never shown. */
  seq: Generated<number>;
  id: string;
  project_id: string;
  thread_id: string;
  community_id: string;
  /** The platform's id, unique under `source_key` (see sourceKey in collection/model.ts). */
  source_id: string;
  source_key: string;
  parent_source_id: string | null;
  /** The parent's `source_key`, to link replies whose parent arrives in a later import. */
  parent_source_key: string | null;
  /** Our id of the parent once it is collected; null with a parent_source_key means an orphan. */
  parent_id: string | null;
  member_id: string | null;
  created_at: string | null;
  title: string | null;
  html: string | null;
  text: string;
  url: string | null;
  language: string | null;
  deleted_upstream: Flag;
  import_id: string;
};

export type ConsentEntriesTable = {
  /** Recording order: the current status is the latest entry recorded, whatever date it states. */
  seq: Generated<number>;
  id: string;
  project_id: string;
  member_id: string;
  status: string;
  /** The date the researcher states (evidence), not the order of entries. */
  stated_date: string;
  evidence: string;
  recorded_by: string;
  recorded_at: string;
};

export type ErasedMembersTable = {
  project_id: string;
  platform: string;
  handle_hash: string;
  purged_at: string;
};

export type CodingsTable = {
  id: string;
  project_id: string;
  code_id: string;
  source_type: string;
  source_id: string;
  /** [start, end) in Unicode code points of the source's stored plain text. */
  start_cp: number;
  end_cp: number;
  quote: string;
  coder_id: string;
  created_at: string;
};

export type MemosTable = {
  id: string;
  project_id: string;
  target_type: string;
  target_id: string;
  markdown: string;
  author_id: string;
  created_at: string;
  updated_at: string;
};

export type FieldNotesTable = {
  id: string;
  project_id: string;
  kind: string;
  title: string;
  markdown: string;
  author_id: string;
  created_at: string;
  updated_at: string;
  /** JSON array of `{ type, id }` links to threads, posts and members. */
  links: JsonText;
};

export type AnnotationsTable = {
  post_id: string;
  project_id: string;
  /** `annotated`, or `skipped` for posts the English model does not read. */
  state: string;
  /** The annotation as JSON (null when skipped). */
  data: JsonText | null;
};

export type SuggestionsTable = {
  id: string;
  project_id: string;
  /** The background run that produced it: a page reads the latest finished run. */
  run_id: string;
  kind: string;
  code_id: string;
  source_id: string;
  source_name: string;
  start_cp: number;
  end_cp: number;
  score: number;
  reason: string;
  quote: string;
};

export type SuggestionDecisionsTable = {
  suggestion_id: string;
  project_id: string;
  kind: string;
  code_id: string;
  source_id: string;
  start_cp: number;
  end_cp: number;
  score: number;
  decision: string;
  decided_by: string;
  at: string;
};

export type AuditEventsTable = {
  seq: Generated<number>;
  project_id: string;
  at: string;
  by: string;
  action: string;
  /** Never content: ids, counts and reasons only. */
  detail: string;
};

export type ShareLinksTable = {
  id: string;
  project_id: string;
  /** The project's slug (migration 002), so the public view finds link and project in one query. */
  project_slug: string | null;
  token_hash: string;
  /** JSON array of theme ids. */
  theme_ids: JsonText;
  label: string;
  created_by: string;
  created_at: string;
  expires_at: string;
  revoked_at: string | null;
};

export type MemberResponsesTable = {
  id: string;
  project_id: string;
  link_id: string;
  theme_id: string;
  rating: string;
  comment: string;
  quote_ref: string | null;
  at: string;
  handled_at: string | null;
  handled_by: string | null;
  handling: string;
  /** SHA-256 of the link id and the reviewer's browser cookie (migration 024), or null (no cookie). */
  reviewer_key: ColumnType<string | null, string | null | undefined, string | null>;
  /** When the reviewer last changed this response; null while it is as first sent. */
  changed_at: ColumnType<string | null, string | null | undefined, string | null>;
};

export type JobsTable = {
  id: string;
  project_id: string;
  kind: string;
  user_id: string;
  title: string;
  state: string;
  started_at: string;
  finished_at: string | null;
  /** JSON `{ done, total, label }` or null. */
  progress: JsonText | null;
  report: JsonText | null;
  error: string | null;
  /** The process doing the work, so a job whose process died can be told from one still running. */
  pid: number | null;
  /** The machine of that process (`os.hostname()`): a pid is only checked there. */
  host: string | null;
};

/** Goes up with every change to what a project's corpus shows (imports, erasures, opt-outs). */
export type CorpusRevisionsTable = {
  project_id: string;
  revision: number;
};

/** Documents (settings, codebook, ...) when they live in PostgreSQL; versioned for optimistic concurrency. */
export type DocumentsTable = {
  key: string;
  data: JsonText;
  version: number;
  updated_at: string;
};

/**
 * A signed-in browser. The cookie holds a random token; only its SHA-256 is stored, so a copy of the
 * database cannot be replayed as a login. Deleting the row ends the session everywhere at once.
 */
export type SessionsTable = {
  id: string;
  user_id: string;
  created_at: string;
  expires_at: string;
  last_seen_at: string;
  user_agent: string;
};

/**
 * Posts whose stored text has an opted-out member's quoted words blanked out: the original text and HTML
 * (restored when every member named in `member_ids`, a JSON array, consents again).
 */
export type WithheldQuotesTable = {
  post_id: string;
  project_id: string;
  original_text: string;
  original_html: string | null;
  member_ids: JsonText;
};

export type Database = {
  communities: CommunitiesTable;
  imports: ImportsTable;
  threads: ThreadsTable;
  members: MembersTable;
  posts: PostsTable;
  withheld_quotes: WithheldQuotesTable;
  consent_entries: ConsentEntriesTable;
  erased_members: ErasedMembersTable;
  codings: CodingsTable;
  memos: MemosTable;
  field_notes: FieldNotesTable;
  annotations: AnnotationsTable;
  suggestions: SuggestionsTable;
  suggestion_decisions: SuggestionDecisionsTable;
  audit_events: AuditEventsTable;
  share_links: ShareLinksTable;
  member_responses: MemberResponsesTable;
  jobs: JobsTable;
  corpus_revisions: CorpusRevisionsTable;
  documents: DocumentsTable;
  sessions: SessionsTable;
};
