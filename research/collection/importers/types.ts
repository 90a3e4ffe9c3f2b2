import type { Platform } from "../model.js";

/** Who wrote a record; null when the platform says the author is deleted or unknown. */
export type ImportedAuthor = {
  handle: string;
  displayName?: string | null;
  platformUserId?: string | null;
  privacySignals?: string[];
} | null;

/** One post as an importer reads it, before it gets our ids. */
export type ImportedPost = {
  sourceId: string;
  threadSourceId: string;
  threadTitle?: string | null;
  threadUrl?: string | null;
  parentSourceId: string | null;
  author: ImportedAuthor;
  createdAt: string | null;
  html: string | null;
  text: string;
  url: string | null;
  title?: string | null;
  deletedUpstream?: boolean;
  /** The community the record says it belongs to (subreddit, forum, list, channel). */
  community?: string | null;
  /** Names earlier releases gave the same community (a dump's folder): an import joins a community stored so. */
  formerCommunityNames?: string[];
};

export type RecordLocation = { file: string; line?: number; record?: string | number; field?: string };

export type ImportEvent =
  | { kind: "post"; post: ImportedPost }
  | { kind: "invalid"; where: RecordLocation; message: string }
  /** Not a post at all (a mail without headers): counted and listed as skipped, never stops the import. */
  | { kind: "skipped"; where: RecordLocation; message: string }
  | { kind: "not-collected"; count: number; reason: string }
  | { kind: "progress"; file: string; bytesRead: number };

export type FileProbe = { fileName: string; head: string };

export type ReadOptions = {
  /** CSV column mapping: our field → the file's column name. */
  columns?: Partial<Record<CsvField, string>>;
  /** How to read slash dates (02/01/2020) in a CSV: never guessed when the file cannot tell. */
  dateFormat?: SlashDateFormat;
};
export type SlashDateFormat = "DD/MM" | "MM/DD";
export type CsvField = "id" | "thread" | "parent" | "author" | "body" | "timestamp" | "title" | "url";

/** An importer reads one group of files of its format (most formats: one file; Stack Exchange: a dump folder). */
export type Importer = {
  format: string;
  platform: Platform;
  label: string;
  /** Whether a file looks like this format, from its name and first bytes. */
  detect(probe: FileProbe): boolean;
  read(files: string[], options: ReadOptions): AsyncIterable<ImportEvent>;
  /** Formats that need companion files (Stack Exchange Users.xml, Mastodon actor.json) group them here. */
  groupFiles?(files: string[]): string[][];
};
