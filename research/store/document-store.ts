import type { z } from "zod";
import type { SqlLocation } from "./sql/database.js";

/**
 * What a kind of stored file holds: its schema (zod, so what is read from disk is checked, since people edit
 * JSON by hand), the current schema version, an empty value for a file that does not exist yet, and the
 * migrations that bring an older file up to date (`migrations[n]` turns version n into version n + 1).
 */
export type StoredFileKind<T> = {
  description: string;
  schema: z.ZodType<T>;
  version: number;
  empty: () => T;
  migrations?: Record<number, (data: Record<string, unknown>) => Record<string, unknown>>;
};

/**
 * The storage interface the rest of the research core uses. Keys are relative slash-separated paths
 * (`projects/my-study/project.json`). Another engine can implement this without touching phases or routes.
 */
export type DocumentStore = {
  readonly root: string;
  /** Where this data directory's tables live (the SQLite file in `root`, or PostgreSQL): see sqlFor. */
  readonly sqlLocation: SqlLocation;
  /** Reads a file, or the kind's empty value when it does not exist. */
  read<T>(kind: StoredFileKind<T>, key: string): Promise<T>;
  /**
   * Applies `mutate` to the file's data and writes it atomically. Updates to one key run one at a time,
   * in the order they were asked for; the promise resolves once the write is on disk.
   */
  update<T, R = void>(kind: StoredFileKind<T>, key: string, mutate: (data: T) => R | Promise<R>): Promise<R>;
  exists(key: string): Promise<boolean>;
  /** Names of the entries directly under a folder key (files and folders), sorted. */
  list(folderKey: string): Promise<string[]>;
  /** Removes a file or a whole folder. */
  remove(key: string): Promise<void>;
  /** Moves a file or folder to another key (used for archival moves and project slugs). */
  move(fromKey: string, toKey: string): Promise<void>;
};
