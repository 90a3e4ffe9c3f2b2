// Benchmark: NLP annotation of 100k posts (`annotateProject`: read the posts from the database in
// batches, annotate, write each batch's annotations in one transaction), in tokens per second, against
// the floor: wink-nlp's own readDoc over the same dump computing the same features (sentences,
// sentiment, entities, token types, stop words, normal forms) with nothing of ours around it. The dump
// is imported once; floor and subject then run interleaved in fresh processes (the subject on a project
// whose annotations were cleared), and the medians are reported. Texts are streamed, never all held.
// Usage: npx tsx scripts/bench/nlp.ts [file.ndjson] [--posts 100000] [--rounds 3]
//        (NETNO_DATABASE_URL=postgres://... runs the subject on PostgreSQL)
import { spawnSync } from "node:child_process";
import { createReadStream, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import pg from "pg";
import { getNlp } from "../../research/nlp/wink.js";
import { benchmarkDump } from "./generate.js";

const SLUG = "bench-nlp";

async function* texts(file: string, limit: number) {
  let count = 0;
  for await (const line of createInterface({
    input: createReadStream(file),
    crlfDelay: Infinity,
  })) {
    if (!line) continue;
    const record = JSON.parse(line) as { body?: string; selftext?: string; title?: string };
    yield [record.title, record.body ?? record.selftext].filter(Boolean).join("\n\n");
    if (++count >= limit) return;
  }
}

const peakRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);
/** CPU milliseconds (user + system) since `since`: the machine is shared, so wall time alone misleads. */
const cpuMs = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};

async function floor(file: string, limit: number) {
  const nlp = getNlp();
  const its = nlp.its;
  let tokens = 0;
  const started = performance.now();
  const cpu = process.cpuUsage();
  for await (const text of texts(file, limit)) {
    const doc = nlp.readDoc(text);
    doc.sentences().out(its.sentiment);
    doc.sentences().out(its.span);
    doc.entities().out(its.detail);
    doc.tokens().out(its.type);
    doc.tokens().out(its.precedingSpaces);
    doc.tokens().out(its.normal);
    doc.tokens().out(its.stopWordFlag);
    tokens += doc.tokens().length();
  }
  return { ms: performance.now() - started, cpuMs: cpuMs(cpu), tokens, peakRssMb: peakRssMb() };
}

async function openBench(dataDir: string) {
  const { getStore, sqlFor } = await import("../../research/store/index.js");
  const store = getStore(dataDir);
  return { store, database: await sqlFor(store) };
}

/** Imports the dump into a fresh project (not timed as annotation: a project has its posts already). */
async function prepare(file: string, dataDir: string) {
  const { importFiles } = await import("../../research/collection/index.js");
  const { createProject } = await import("../../research/projects/index.js");
  const { closeAllSql } = await import("../../research/store/index.js");
  const { store } = await openBench(dataDir);
  await createProject({ store, slug: SLUG, title: "NLP bench" });
  const started = performance.now();
  const report = await importFiles({ store, slug: SLUG, files: [file] });
  const ms = performance.now() - started;
  await closeAllSql();
  return { ms, posts: report.posts };
}

async function ours(dataDir: string) {
  const { annotateProject } = await import("../../research/nlp/annotations.js");
  const { requireProject } = await import("../../research/projects/index.js");
  const { closeAllSql } = await import("../../research/store/index.js");
  const { store, database } = await openBench(dataDir);
  const project = await requireProject({ store, slug: SLUG });
  // Each round annotates the whole project, as a first run does.
  await database.db.deleteFrom("annotations").where("project_id", "=", project.id).execute();
  const started = performance.now();
  const cpu = process.cpuUsage();
  const report = await annotateProject({ store, slug: SLUG });
  const ms = performance.now() - started;
  const cpuUsed = cpuMs(cpu);
  // Counted in the database, so a run that reports annotations it did not store cannot pass.
  const stored = await database.db
    .selectFrom("annotations")
    .select((eb) => eb.fn.countAll().as("n"))
    .where("project_id", "=", project.id)
    .executeTakeFirstOrThrow();
  await closeAllSql();
  return {
    ms,
    cpuMs: cpuUsed,
    tokens: report.tokens,
    annotated: report.annotated,
    notEnglish: report.notEnglish,
    storedRows: Number(stored.n),
    peakRssMb: peakRssMb(),
  };
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const mode = process.argv[2];
if (mode === "--floor" || mode === "--ours" || mode === "--prepare") {
  const [a, b] = process.argv.slice(3);
  const result =
    mode === "--floor"
      ? await floor(a, Number(b))
      : mode === "--prepare"
        ? await prepare(a, b)
        : await ours(a);
  process.stdout.write(JSON.stringify(result));
  process.exit(0);
} else {
  const { file, posts } = await benchmarkDump();
  const roundsAt = process.argv.indexOf("--rounds");
  const rounds = roundsAt > 0 ? Number(process.argv[roundsAt + 1]) : 3;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "bench-nlp-"));
  // On PostgreSQL the run gets a schema of its own, dropped at the end.
  const baseUrl = process.env.NETNO_DATABASE_URL?.trim() || null;
  const schema = `bench_nlp_${process.pid}`;
  const env = { ...process.env };
  if (baseUrl) {
    const url = new URL(baseUrl);
    url.searchParams.set("schema", schema);
    env.NETNO_DATABASE_URL = url.toString();
  }
  const run = (...args: string[]) => {
    const script = new URL(import.meta.url).pathname;
    const child = spawnSync(process.execPath, ["--import", "tsx", script, ...args], {
      encoding: "utf8",
      env,
      maxBuffer: 16 * 1024 * 1024,
    });
    if (child.status !== 0) throw new Error(child.stderr);
    return JSON.parse(child.stdout);
  };
  try {
    const imported = run("--prepare", file, dataDir);
    const floors: Array<{ ms: number; cpuMs: number; tokens: number; peakRssMb: number }> = [];
    const subjects: Array<Awaited<ReturnType<typeof ours>>> = [];
    for (let round = 0; round < rounds; round++) {
      floors.push(run("--floor", file, String(posts)));
      subjects.push(run("--ours", dataDir));
      const s = subjects[subjects.length - 1];
      if (s.storedRows !== s.annotated + s.notEnglish) {
        throw new Error(
          `Stored ${s.storedRows} annotation rows for ${s.annotated + s.notEnglish} posts.`,
        );
      }
    }
    const floorRate = median(floors.map((f) => f.tokens / (f.ms / 1000)));
    const oursRate = median(subjects.map((o) => o.tokens / (o.ms / 1000)));
    const floorCpuRate = median(floors.map((f) => f.tokens / (f.cpuMs / 1000)));
    const oursCpuRate = median(subjects.map((o) => o.tokens / (o.cpuMs / 1000)));
    const o = subjects[0];
    const report = {
      posts,
      engine: process.env.NETNO_DATABASE_URL ? "postgres" : "sqlite",
      rounds,
      importSeconds: +(imported.ms / 1000).toFixed(2),
      tokens: { floor: floors[0].tokens, annotate: o.tokens },
      floor: {
        seconds: +(median(floors.map((f) => f.ms)) / 1000).toFixed(2),
        tokensPerSecond: Math.round(floorRate),
        tokensPerCpuSecond: Math.round(floorCpuRate),
        peakRssMb: Math.max(...floors.map((f) => f.peakRssMb)),
      },
      annotate: {
        seconds: +(median(subjects.map((s) => s.ms)) / 1000).toFixed(2),
        tokensPerSecond: Math.round(oursRate),
        tokensPerCpuSecond: Math.round(oursCpuRate),
        annotated: o.annotated,
        notEnglish: o.notEnglish,
        peakRssMb: Math.max(...subjects.map((s) => s.peakRssMb)),
      },
      shareOfFloor: `${Math.round((oursRate / floorRate) * 100)}%`,
      shareOfFloorCpu: `${Math.round((oursCpuRate / floorCpuRate) * 100)}%`,
      loadAverage: os.loadavg()[0].toFixed(1),
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
    if (baseUrl) {
      const client = new pg.Client({ connectionString: baseUrl });
      await client.connect();
      await client.query(`drop schema if exists ${schema} cascade`);
      await client.end();
    }
  }
}
