// Benchmark: importing a 100k-post Reddit-style NDJSON file, against the floor (bare JSON.parse of every
// line of the same file plus writing the result). Reports posts per second, peak memory and the ratio.
// Usage: npx tsx scripts/bench/import.ts [file.ndjson] [--posts 100000]
import { spawnSync } from "node:child_process";
import { createReadStream } from "node:fs";
import { mkdtemp, rm, writeFile, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { importFiles, searchProject } from "../../research/collection/index.js";
import { createProject } from "../../research/projects/index.js";
import { LowdbDocumentStore } from "../../research/store/index.js";
import { benchmarkDump } from "./generate.js";

const mode = process.argv[2];

async function floor(file: string) {
  const started = performance.now();
  const parsed: unknown[] = [];
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) if (line) parsed.push(JSON.parse(line));
  const out = path.join(await mkdtemp(path.join(os.tmpdir(), "floor-")), "out.json");
  await writeFile(out, JSON.stringify(parsed));
  return { ms: performance.now() - started, posts: parsed.length };
}

async function ours(file: string) {
  const dir = await mkdtemp(path.join(os.tmpdir(), "bench-import-"));
  const store = new LowdbDocumentStore(dir);
  await createProject({ store, slug: "bench", title: "Bench" });
  const started = performance.now();
  const report = await importFiles({ store, slug: "bench", files: [file] });
  const ms = performance.now() - started;
  // Full-text search on the imported corpus: first query builds the index, later ones use it.
  const indexStarted = performance.now();
  await searchProject({ store, slug: "bench", query: "battery" });
  const indexMs = performance.now() - indexStarted;
  const queries = ["solar charge", "fridge", "insulation wool", "rust wheel", "price", "night camp", "engine", "water pump", "fuse", "lithium"];
  const times: number[] = [];
  for (const query of queries) {
    const t = performance.now();
    await searchProject({ store, slug: "bench", query });
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  await rm(dir, { recursive: true, force: true });
  return { ms, posts: report.posts, searchIndexMs: indexMs, searchMedianMs: times[Math.floor(times.length / 2)], searchMaxMs: times.at(-1) };
}

if (mode === "--floor" || mode === "--ours") {
  const file = process.argv[3];
  const result = mode === "--floor" ? await floor(file) : await ours(file);
  process.stdout.write(JSON.stringify({ ...result, peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024) }));
} else {
  const { file } = await benchmarkDump();
  const size = (await stat(file)).size;
  // Each side runs in its own process so peak memory is its own.
  const run = (flag: string) => {
    const child = spawnSync(process.execPath, ["--import", "tsx", new URL(import.meta.url).pathname, flag, file], { encoding: "utf8", maxBuffer: 1 << 20 });
    if (child.status !== 0) throw new Error(child.stderr);
    return JSON.parse(child.stdout);
  };
  const floorResult = run("--floor");
  const oursResult = run("--ours");
  const table = {
    file, sizeMb: Math.round(size / 1024 / 1024),
    floor: { seconds: +(floorResult.ms / 1000).toFixed(2), postsPerSecond: Math.round(floorResult.posts / (floorResult.ms / 1000)), peakRssMb: floorResult.peakRssMb },
    import: { seconds: +(oursResult.ms / 1000).toFixed(2), posts: oursResult.posts, postsPerSecond: Math.round(oursResult.posts / (oursResult.ms / 1000)), peakRssMb: oursResult.peakRssMb },
    ratioToFloor: +(oursResult.ms / floorResult.ms).toFixed(2),
    search: { indexBuildSeconds: +(oursResult.searchIndexMs / 1000).toFixed(2), medianQueryMs: +oursResult.searchMedianMs.toFixed(1), maxQueryMs: +oursResult.searchMaxMs.toFixed(1) },
  };
  process.stdout.write(`${JSON.stringify(table, null, 2)}\n`);
}
