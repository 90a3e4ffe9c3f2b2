// Benchmark: importing a Reddit-style NDJSON dump (1M posts by default) into a fresh project, against
// floors measured in the same run, floor and subject interleaved round by round, each in its own process
// so its peak memory is its own.
//   SQLite floor:     JSON.parse of every line + a bare better-sqlite3 insert of the same rows (the posts
//                     table's columns, no index, one transaction, one prepared statement) into a fresh file.
//   SQLite subject:   importFiles on the embedded default (fresh data directory).
//   PostgreSQL floor: JSON.parse of every line + bare `pg` multi-row inserts in one transaction.
//   PostgreSQL subject: importFiles with NETNO_DATABASE_URL (a fresh schema per run).
// PostgreSQL is a durable throwaway server started here (fsync on), or --pg-url.
// Aim: at most 3x the floor and under 1 GB peak.
// Usage: npx tsx scripts/bench/import.ts [file.ndjson] [--posts 1000000] [--rounds 1]
//          [--engines sqlite,postgres] [--pg-url URL] [--indexed-floor]
import { createReadStream, mkdtempSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { randomUUID } from "node:crypto";
import BetterSqlite3 from "better-sqlite3";
import pg from "pg";
import { benchmarkDump } from "./generate.js";
import {
  argNumber,
  argString,
  hasFlag,
  interleave,
  log,
  machine,
  median,
  peakRssMb,
  ratio,
  runChild,
  startBenchPostgres,
  writeResult,
} from "./lib.js";

const script = new URL(import.meta.url).pathname;

type ChildResult = {
  ms: number;
  /** CPU time of this process (user + system) over the same span: steadier than wall time on a busy machine. */
  cpuMs: number;
  posts: number;
  peakRssMb: number;
  sqlPosts?: number;
  error?: string;
};

/** Starts a measured span: wall and CPU time of this process. */
function span() {
  const wall = performance.now();
  const cpu = process.cpuUsage();
  return () => {
    const used = process.cpuUsage(cpu);
    return { ms: performance.now() - wall, cpuMs: (used.user + used.system) / 1000 };
  };
}

/** The posts table's columns, in insert order (seq is the row id, filled by the engine). */
const COLUMNS = [
  "id",
  "project_id",
  "thread_id",
  "community_id",
  "source_id",
  "source_key",
  "parent_source_id",
  "parent_source_key",
  "parent_id",
  "member_id",
  "created_at",
  "title",
  "html",
  "text",
  "url",
  "language",
  "deleted_upstream",
  "import_id",
] as const;

type Raw = Record<string, unknown>;

/**
 * One dump record as a posts row, with as little work as a row can take: no validation, no language,
 * no members or threads bookkeeping beyond a lookup of the submission's id.
 */
function toRow(record: Raw, ids: { project: string; community: string; import: string }) {
  const isSubmission = record.parent_id === undefined;
  const linkId = String(record.link_id ?? `t3_${record.id}`).replace(/^t3_/, "");
  const parent = isSubmission ? null : String(record.parent_id).slice(3);
  const text = isSubmission
    ? `${record.title}\n\n${record.selftext ?? ""}`
    : String(record.body ?? "");
  return [
    randomUUID(),
    ids.project,
    `thread-${linkId}`,
    ids.community,
    String(record.id),
    `reddit:${record.id}`,
    parent,
    parent ? `reddit:${parent}` : null,
    null,
    record.author === "[deleted]" ? null : String(record.author),
    new Date(Number(record.created_utc) * 1000).toISOString(),
    isSubmission ? String(record.title) : null,
    null,
    text,
    record.permalink ? `https://www.reddit.com${record.permalink}` : null,
    null,
    (record._meta as Raw | undefined)?.was_deleted_later ? 1 : 0,
    ids.import,
  ];
}

const floorIds = () => ({ project: randomUUID(), community: randomUUID(), import: randomUUID() });

async function* lines(file: string): AsyncGenerator<string> {
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity }))
    if (line) yield line;
}

async function floorSqlite(file: string, indexed: boolean): Promise<ChildResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "bench-floor-sqlite-"));
  const db = new BetterSqlite3(path.join(dir, "floor.sqlite"));
  // The embedded default's settings, so the floor pays the same journal and sync costs.
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.exec(
    `create table posts (seq integer primary key autoincrement, ${COLUMNS.map((c) => `${c} ${c === "deleted_upstream" ? "integer" : "text"}`).join(", ")})`,
  );
  if (indexed) {
    // The same indexes as the posts table after migration 025, and the FTS5 trigger of migration 001,
    // to show what the indexes alone cost.
    db.exec(`create unique index posts_id on posts(id);
      create unique index posts_source on posts(project_id, source_key);
      create index posts_thread_order on posts(thread_id, created_at, seq, member_id, project_id);
      create index posts_member on posts(member_id, created_at);
      create index posts_unlinked_replies on posts(project_id, parent_source_key)
        where parent_id is null and parent_source_key is not null;
      create index posts_replies on posts(parent_id) where parent_id is not null;
      create index posts_community_created on posts(community_id, created_at);
      create index posts_project_ids on posts(project_id, seq, member_id, community_id, thread_id, parent_id, created_at);
      create index posts_import on posts(import_id);
      create virtual table posts_fts using fts5(title, text, content='posts', content_rowid='seq', tokenize='unicode61 remove_diacritics 2');
      create trigger posts_fts_insert after insert on posts begin
        insert into posts_fts(rowid, title, text) values (new.seq, new.title, new.text); end;`);
  }
  const insert = db.prepare(
    `insert into posts (${COLUMNS.join(", ")}) values (${COLUMNS.map(() => "?").join(", ")})`,
  );
  const ids = floorIds();
  const end = span();
  let posts = 0;
  db.exec("begin immediate");
  for await (const line of lines(file)) {
    insert.run(toRow(JSON.parse(line) as Raw, ids));
    posts++;
  }
  db.exec("commit");
  const measured = end();
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return { ...measured, posts, peakRssMb: peakRssMb() };
}

/** Rows per multi-row insert: 1,000 x 18 parameters stays far under PostgreSQL's 65,535. */
const PG_BATCH = 1000;

async function floorPostgres(file: string, url: string, schema: string): Promise<ChildResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`create schema ${schema}`);
  await client.query(`set search_path to ${schema}`);
  await client.query(
    `create table posts (seq integer generated always as identity primary key, ${COLUMNS.map((c) => `${c} ${c === "deleted_upstream" ? "integer" : "text"}`).join(", ")})`,
  );
  const ids = floorIds();
  const end = span();
  let posts = 0;
  let batch: unknown[][] = [];
  const flush = async () => {
    if (!batch.length) return;
    const values = batch
      .map(
        (_, row) => `(${COLUMNS.map((__, col) => `$${row * COLUMNS.length + col + 1}`).join(",")})`,
      )
      .join(",");
    await client.query(`insert into posts (${COLUMNS.join(",")}) values ${values}`, batch.flat());
    batch = [];
  };
  await client.query("begin");
  for await (const line of lines(file)) {
    batch.push(toRow(JSON.parse(line) as Raw, ids));
    posts++;
    if (batch.length === PG_BATCH) await flush();
  }
  await flush();
  await client.query("commit");
  const measured = end();
  await client.query(`drop schema ${schema} cascade`);
  await client.end();
  return { ...measured, posts, peakRssMb: peakRssMb() };
}

async function subject(file: string, databaseUrl: string | null): Promise<ChildResult> {
  const { importFiles } = await import("../../research/collection/index.js");
  const { createProject } = await import("../../research/projects/index.js");
  const { closeAllSql, getStore, sqlFor } = await import("../../research/store/index.js");
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "bench-import-"));
  const store = getStore(dataDir, databaseUrl);
  const project = await createProject({ store, slug: "bench", title: "Bench" });
  const end = span();
  const report = await importFiles({ store, slug: "bench", files: [file] });
  const measured = end();
  // Counted in the database, so a run that reports posts it did not store cannot pass.
  const database = await sqlFor(store);
  const counted = await database.db
    .selectFrom("posts")
    .select((eb) => eb.fn.countAll().as("n"))
    .where("project_id", "=", project.id)
    .executeTakeFirst();
  await closeAllSql();
  rmSync(dataDir, { recursive: true, force: true });
  return {
    ...measured,
    posts: report.posts,
    sqlPosts: Number(counted?.n ?? 0),
    peakRssMb: peakRssMb(),
  };
}

async function dropSchema(url: string, schema: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`drop schema if exists ${schema} cascade`);
  await client.end();
}

if (process.argv[2] === "--child") {
  const [side, file, url = "", schema = ""] = process.argv.slice(3);
  const result =
    side === "floor-sqlite" || side === "floor-sqlite-indexed"
      ? await floorSqlite(file, side === "floor-sqlite-indexed")
      : side === "floor-postgres"
        ? await floorPostgres(file, url, schema)
        : side === "import-sqlite"
          ? await subject(file, null)
          : await subject(file, `${url}?schema=${schema}`);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
} else {
  const { file, posts } = await benchmarkDump(
    hasFlag("--posts") ? process.argv : [...process.argv, "--posts", "1000000"],
  );
  const rounds = argNumber("--rounds", posts <= 100_000 ? 3 : 1);
  const engines = argString("--engines", "sqlite,postgres").split(",");
  const givenUrl = argString("--pg-url", "");
  const postgres = engines.includes("postgres") && !givenUrl ? await startBenchPostgres() : null;
  const url = givenUrl || postgres?.url || "";
  // A run stopped by hand still removes its PostgreSQL server.
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      postgres?.stop();
      process.exit(1);
    });
  }
  const before = machine();
  let runs = 0;
  // A failed run is recorded and the others go on, so one engine's failure never hides the rest.
  const guarded = async (name: string, run: () => Promise<ChildResult>): Promise<ChildResult> => {
    try {
      return await run();
    } catch (error) {
      log(
        `${name} failed: ${error instanceof Error ? error.message.slice(0, 2000) : String(error)}`,
      );
      const message = error instanceof Error ? error.message : String(error);
      return {
        ms: Number.NaN,
        cpuMs: Number.NaN,
        posts: 0,
        peakRssMb: 0,
        error: message.slice(-600),
      };
    }
  };
  const sides: Array<{ name: string; run: (round: number) => Promise<ChildResult> }> = [];
  const add = (name: string, run: () => Promise<ChildResult>) =>
    sides.push({ name, run: () => guarded(name, run) });
  if (engines.includes("sqlite")) {
    add("floor-sqlite", () => runChild(script, ["floor-sqlite", file]));
    if (hasFlag("--indexed-floor")) {
      add("floor-sqlite-indexed", () => runChild(script, ["floor-sqlite-indexed", file]));
    }
    add("import-sqlite", () => runChild(script, ["import-sqlite", file]));
  }
  if (engines.includes("postgres")) {
    const schema = (name: string) => `bench_${name}_${process.pid}_${runs++}`;
    add("floor-postgres", () => runChild(script, ["floor-postgres", file, url, schema("floor")]));
    add("import-postgres", async () => {
      const name = schema("import");
      try {
        return await runChild(script, ["import-postgres", file, url, name]);
      } finally {
        await dropSchema(url, name).catch(() => undefined);
      }
    });
  }
  const loads: number[] = [];
  try {
    const results = await interleave(rounds, sides, (name, round, result) => {
      loads.push(machine().loadAverage1m);
      log(
        `round ${round + 1}/${rounds} ${name}: ${(result.ms / 1000).toFixed(2)} s wall, ` +
          `${(result.cpuMs / 1000).toFixed(2)} s CPU, ${result.posts} posts, ${result.peakRssMb} MB peak` +
          `${result.error ? " FAILED" : ""} (load ${loads.at(-1)})`,
      );
    });
    const seconds = (ms: number) => Math.round(ms / 10) / 100;
    const ok = (name: string) => (results[name] ?? []).filter((r) => !r.error);
    const of = (name: string, key: "ms" | "cpuMs" = "ms") => median(ok(name).map((r) => r[key]));
    const side = (name: string) => {
      const all = results[name];
      if (!all) return undefined;
      const good = ok(name);
      const errors = all.filter((r) => r.error).map((r) => r.error);
      if (!good.length) return { rounds: all.length, failed: all.length, errors };
      return {
        rounds: all.length,
        ...(errors.length ? { failed: errors.length, errors } : {}),
        medianSeconds: seconds(of(name)),
        secondsEachRound: good.map((r) => seconds(r.ms)),
        medianCpuSeconds: seconds(of(name, "cpuMs")),
        postsPerSecond: Math.round(good[0].posts / (of(name) / 1000)),
        posts: good[0].posts,
        ...(good[0].sqlPosts !== undefined
          ? { postsCountedInDatabase: good.map((r) => r.sqlPosts) }
          : {}),
        peakRssMb: Math.max(...good.map((r) => r.peakRssMb)),
      };
    };
    const ratios = (subject: string, floor: string) => ({
      ratioToFloor: ratio(of(subject), of(floor)),
      cpuRatioToFloor: ratio(of(subject, "cpuMs"), of(floor, "cpuMs")),
    });
    await writeResult(`import-${posts}`, {
      file,
      sizeMb: Math.round(statSync(file).size / 2 ** 20),
      machine: { ...before, loadAverage1mDuringRounds: loads },
      postgres: engines.includes("postgres")
        ? givenUrl
          ? "given --pg-url"
          : "durable throwaway server (fsync on, defaults)"
        : null,
      sqlite: engines.includes("sqlite")
        ? {
            floor: side("floor-sqlite"),
            ...(results["floor-sqlite-indexed"]
              ? { floorWithIndexesAndFts: side("floor-sqlite-indexed") }
              : {}),
            import: side("import-sqlite"),
            ...ratios("import-sqlite", "floor-sqlite"),
          }
        : null,
      postgresql: engines.includes("postgres")
        ? {
            floor: side("floor-postgres"),
            import: side("import-postgres"),
            ...ratios("import-postgres", "floor-postgres"),
          }
        : null,
      aim: "import at most 3x the floor (wall, medians), peak RSS under 1 GB",
      note: "CPU times are of the Node process only (a PostgreSQL server's own work is not in them)",
    });
  } finally {
    postgres?.stop();
  }
  process.exit(0);
}
