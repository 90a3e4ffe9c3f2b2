import { reconsiderQuotedPassages } from "../entree/withheld-quotes.js";
import { existsSync } from "node:fs";
import { mkdir, readFile, readdir, rename, rmdir } from "node:fs/promises";
import path from "node:path";
import type { Kysely } from "kysely";
import { bumpCorpusRevision } from "../collection/corpus.js";
import { projectFile, type Project } from "../projects/model.js";
import { ResearchError } from "../shared/errors.js";
import { nowIso } from "../shared/ids.js";
import {
  PostgresDocumentStore,
  SQLITE_FILE_NAME,
  inTransaction,
  sqlFor,
  type Database,
  type DocumentStore,
  type Queryable,
} from "../store/index.js";
import { parseVersioned } from "../store/lowdb-store.js";
import { TABLE_OF, copyProjectRows, zeroCounts, type TableCounts } from "./copy-project.js";
import { isLegacyProjectEntry, isMissing, listFolder } from "./legacy-files.js";

/** What `netno migrate --json` prints: rows written by this run, per kind, and where the old files went. */
export type UpgradeReport = {
  /** Projects this run upgraded (rows written, or the files of an interrupted upgrade moved). */
  projects: number;
} & TableCounts & {
    /** Documents copied into PostgreSQL (0 on the embedded default, where they stay files). */
    documents: number;
    /** The folder holding the old files, or null when nothing was moved. */
    backup: string | null;
    /** What was mended or left out on purpose (duplicates, annotations of erased posts): never content. */
    notes: string[];
  };

export type UpgradeProgress = {
  project: string;
  stage: "reading" | "checking" | "moving" | "done";
  posts: number;
};

/** Moments at which a test can interrupt the upgrade (a crash, a kill -9). */
export type UpgradeMoment = "tables-filled" | "before-move";

/** The audit action that marks a project's rows as written: its presence means only the move is left. */
export const UPGRADE_AUDIT_ACTION = "upgrade-from-files";

export type LegacyPlan = {
  /** Top-level documents (accounts.json) to copy into PostgreSQL. */
  rootDocuments: string[];
  projects: Array<{ slug: string; legacy: string[]; documents: string[] }>;
};

/**
 * What an old data directory still holds: per project, the growing files of the release before the
 * tables; on PostgreSQL also the JSON documents, which move into the database. Lists folders only.
 */
export async function findLegacyData(store: DocumentStore): Promise<LegacyPlan> {
  const toPostgres = store instanceof PostgresDocumentStore;
  const rootDocuments = toPostgres
    ? (await listFolder(store.root)).filter((name) => name.endsWith(".json"))
    : [];
  const projects: LegacyPlan["projects"] = [];
  for (const slug of await listProjectFolders(store.root)) {
    const names = await listFolder(path.join(store.root, "projects", slug));
    const legacy = names.filter(isLegacyProjectEntry);
    const documents = toPostgres
      ? names.filter((name) => name.endsWith(".json") && !isLegacyProjectEntry(name))
      : [];
    if (legacy.length > 0 || documents.length > 0) projects.push({ slug, legacy, documents });
  }
  return { rootDocuments, projects };
}

/** Folders under `projects/` (a stray file there, say `.DS_Store`, is no project). */
async function listProjectFolders(root: string): Promise<string[]> {
  try {
    const entries = await readdir(path.join(root, "projects"), { withFileTypes: true });
    return entries
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
  } catch (error) {
    if (isMissing(error)) return [];
    throw error;
  }
}

export function emptyUpgradeReport(): UpgradeReport {
  return { projects: 0, ...zeroCounts(), documents: 0, backup: null, notes: [] };
}

/**
 * Upgrades a data directory written by the release before the SQL tables: each project's growing JSON
 * files become rows (one transaction per project, counts checked before it commits), then move to
 * `backup/<time>/projects/<slug>/`. An interrupted upgrade resumes: a project whose rows were committed
 * only has its files moved. Running it again changes nothing. On PostgreSQL the JSON documents
 * (accounts, project settings, codebook, ...) are copied into the database and moved to the backup too.
 */
export async function upgradeDataDirectory({
  store,
  onProgress,
  interruptAt,
}: {
  store: DocumentStore;
  onProgress?: (progress: UpgradeProgress) => void;
  /** Tests only: throw from here to simulate a crash at that moment. */
  interruptAt?: (moment: UpgradeMoment, slug: string) => void | Promise<void>;
}): Promise<UpgradeReport> {
  const report = emptyUpgradeReport();
  const plan = await findLegacyData(store);
  if (plan.rootDocuments.length === 0 && plan.projects.length === 0) return report;
  const toPostgres = store instanceof PostgresDocumentStore;
  const hasDocuments =
    plan.rootDocuments.length > 0 || plan.projects.some((p) => p.documents.length > 0);
  if (toPostgres && hasDocuments && existsSync(path.join(store.root, SQLITE_FILE_NAME))) {
    throw new ResearchError(
      "unreadable-file",
      `${store.root} holds ${SQLITE_FILE_NAME}, the tables of the embedded default. Moving a data directory ` +
        "from SQLite to PostgreSQL is not supported: start without NETNO_DATABASE_URL, or point " +
        "NETNO_DATA_DIR at another folder. Nothing was changed.",
      { file: path.join(store.root, SQLITE_FILE_NAME) },
    );
  }
  const database = await sqlFor(store);
  const backup = new BackupFolder(store.root);

  // Accounts first: projects name their owners by account id.
  for (const name of plan.rootDocuments) {
    const copied = await inTransaction(database, (trx) =>
      copyDocument(trx, path.join(store.root, name), name),
    );
    report.documents += copied;
    await backup.move(name);
  }

  for (const { slug, legacy, documents } of plan.projects) {
    const folder = path.join(store.root, "projects", slug);
    const project = await readProjectForUpgrade(store, folder, slug, legacy);
    onProgress?.({ project: slug, stage: "reading", posts: 0 });
    const written = await inTransaction(
      database,
      async (trx) => {
        // Checked inside the transaction: another process may have upgraded this project meanwhile.
        if (await isProjectUpgraded(trx, project.id)) return null;
        await refuseRowsWithoutMarker(trx, project.id, slug, legacy);
        const notes: string[] = [];
        const expected = await copyProjectRows({
          trx,
          projectId: project.id,
          slug,
          folder,
          notes,
          onPosts: (posts) => onProgress?.({ project: slug, stage: "reading", posts }),
        });
        onProgress?.({ project: slug, stage: "checking", posts: expected.posts });
        await checkCounts(trx, project.id, slug, expected);
        // The earlier release showed opted-out members' words quoted in others' posts: no longer.
        const optedOut = await trx
          .selectFrom("members")
          .select("id")
          .where("project_id", "=", project.id)
          .where("consent_status", "=", "opted-out")
          .execute();
        await reconsiderQuotedPassages(trx, database.engine, project.id, {
          members: optedOut.map((member) => member.id),
        });
        let copiedDocuments = 0;
        for (const name of documents) {
          copiedDocuments += await copyDocument(
            trx,
            path.join(folder, name),
            `projects/${slug}/${name}`,
          );
        }
        await interruptAt?.("tables-filled", slug);
        await trx
          .insertInto("audit_events")
          .values({
            project_id: project.id,
            at: nowIso(),
            by: "netno-upgrade",
            action: UPGRADE_AUDIT_ACTION,
            detail: `rows from the files of an earlier release: ${expected.posts} posts, ${expected.codings} codings`,
          })
          .execute();
        await bumpCorpusRevision(trx, project.id);
        return { expected, notes, copiedDocuments };
      },
      { lockKey: `corpus:${project.id}` },
    );
    if (written) {
      for (const key of Object.keys(TABLE_OF) as Array<keyof TableCounts>)
        report[key] += written.expected[key];
      report.documents += written.copiedDocuments;
      report.notes.push(...written.notes);
    }
    await interruptAt?.("before-move", slug);
    onProgress?.({ project: slug, stage: "moving", posts: written?.expected.posts ?? 0 });
    // The growing files first, the documents last: a project whose move was cut short still has its
    // project.json in place (or, on PostgreSQL, in the database) when the move is redone.
    for (const name of [...legacy, ...documents]) await backup.move(`projects/${slug}/${name}`);
    if (toPostgres) await rmdir(folder).catch(() => undefined);
    report.projects++;
    onProgress?.({ project: slug, stage: "done", posts: written?.expected.posts ?? 0 });
  }
  report.backup = backup.used ? backup.folder : null;
  return report;
}

async function readProjectForUpgrade(
  store: DocumentStore,
  folder: string,
  slug: string,
  legacy: string[],
): Promise<Project> {
  const file = path.join(folder, "project.json");
  let project: Project | null = null;
  try {
    project = parseVersioned(JSON.parse(await readFile(file, "utf8")), projectFile, file);
  } catch (error) {
    if (!isMissing(error)) {
      if (error instanceof SyntaxError) {
        throw new ResearchError(
          "corrupt-file",
          `Data file ${file} is not valid JSON. Nothing was upgraded.`,
          {
            file,
          },
        );
      }
      throw error;
    }
  }
  // On PostgreSQL an interrupted move may already have taken project.json into the database.
  if (
    !project &&
    store instanceof PostgresDocumentStore &&
    (await store.exists(`projects/${slug}/project.json`))
  ) {
    project = await store.read(projectFile, `projects/${slug}/project.json`);
  }
  if (!project || !project.id) {
    throw new ResearchError(
      "corrupt-file",
      `projects/${slug} holds files of an earlier release (${legacy.join(", ")}) but no project.json, so ` +
        "its rows cannot be given a project. Nothing was upgraded.",
      { file },
    );
  }
  return project;
}

async function isProjectUpgraded(trx: Queryable, projectId: string): Promise<boolean> {
  const marker = await trx
    .selectFrom("audit_events")
    .select("seq")
    .where("project_id", "=", projectId)
    .where("action", "=", UPGRADE_AUDIT_ACTION)
    .limit(1)
    .executeTakeFirst();
  return marker !== undefined;
}

/**
 * A project with rows of its own and old files beside them was written by both releases: merging the
 * two could duplicate or resurrect data, so the upgrade stops and says so.
 */
async function refuseRowsWithoutMarker(
  trx: Kysely<Database>,
  projectId: string,
  slug: string,
  legacy: string[],
): Promise<void> {
  for (const table of [
    "posts",
    "members",
    "codings",
    "field_notes",
    "memos",
    "audit_events",
  ] as const) {
    const row = await trx
      .selectFrom(table)
      .select("project_id")
      .where("project_id", "=", projectId)
      .limit(1)
      .executeTakeFirst();
    if (row) {
      throw new ResearchError(
        "conflict",
        `Project ${slug} already has ${table.replace("_", " ")} in the database and still has files of an ` +
          `earlier release (${legacy.join(", ")}). Nothing was upgraded; move those files out of ` +
          `projects/${slug} if the database is the copy to keep.`,
        { file: `projects/${slug}` },
      );
    }
  }
}

/** Every table must hold exactly what the old files held; otherwise nothing is kept (the caller rolls back). */
async function checkCounts(
  trx: Kysely<Database>,
  projectId: string,
  slug: string,
  expected: TableCounts,
): Promise<void> {
  const differences: string[] = [];
  for (const [key, table] of Object.entries(TABLE_OF) as Array<
    [keyof TableCounts, keyof Database]
  >) {
    const row = await trx
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("project_id", "=", projectId)
      .executeTakeFirstOrThrow();
    const found = Number(row.n);
    if (found !== expected[key])
      differences.push(`${table}: ${found} rows for ${expected[key]} in the files`);
  }
  if (differences.length > 0) {
    throw new ResearchError(
      "import-failed",
      `The upgrade of project ${slug} stopped: the tables would not hold what the old files hold ` +
        `(${differences.join("; ")}). Nothing was changed; the old files are where they were.`,
      { file: `projects/${slug}` },
    );
  }
}

/**
 * Copies one JSON document file into PostgreSQL's `documents` (as written: the document store checks
 * and migrates it when read). Returns 1 when copied, 0 when the same document is already there.
 */
async function copyDocument(trx: Kysely<Database>, file: string, key: string): Promise<number> {
  let data: string;
  try {
    data = JSON.stringify(JSON.parse(await readFile(file, "utf8")));
  } catch (error) {
    if (isMissing(error)) return 0;
    throw new ResearchError(
      "corrupt-file",
      `Data file ${file} is not valid JSON. Nothing was upgraded.`,
      {
        file,
      },
    );
  }
  const existing = await trx
    .selectFrom("documents")
    .select("data")
    .where("key", "=", key)
    .executeTakeFirst();
  if (existing) {
    if (existing.data === data) return 0;
    throw new ResearchError(
      "conflict",
      `The database already holds a different ${key}. Nothing was copied from ${file}; keep one of the ` +
        "two (move the file away, or use another database).",
      { file },
    );
  }
  await trx
    .insertInto("documents")
    .values({ key, data, version: 1, updated_at: nowIso() })
    .execute();
  return 1;
}

/** `backup/<time>/` under the data directory, made on the first move and never reused by another run. */
class BackupFolder {
  readonly folder: string;
  used = false;

  constructor(private readonly root: string) {
    this.folder = path.join(root, "backup", nowIso().replace(/:/g, "-"));
  }

  /** Moves a file or folder (relative to the data directory) to the same place under the backup. */
  async move(relative: string): Promise<void> {
    const from = path.join(this.root, relative);
    const to = path.join(this.folder, relative);
    if (!this.used) {
      if (existsSync(this.folder)) {
        throw new ResearchError(
          "conflict",
          `The backup folder ${this.folder} exists already. Try again.`,
          {
            file: this.folder,
          },
        );
      }
      this.used = true;
    }
    await mkdir(path.dirname(to), { recursive: true });
    try {
      await rename(from, to);
    } catch (error) {
      // Another process upgrading at the same moment moved it first.
      if (!isMissing(error)) throw error;
    }
  }
}
