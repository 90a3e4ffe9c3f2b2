// Profiling aid: one import into a fresh data directory, with the time spent in each SQL statement
// (by its first 90 characters), to see which statement an import's time goes into.
// Usage: npx tsx scripts/bench/prof-import-sql.mts /tmp/netno-bench-reddit-100000.ndjson
import { createRequire } from "node:module";
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

const require = createRequire(import.meta.url);
const Database = require("better-sqlite3");
const statementTimes = new Map<string, { ms: number; calls: number }>();
const probe = new Database(":memory:");
const Statement = Object.getPrototypeOf(probe.prepare("select 1"));
probe.close();
for (const method of ["run", "all", "get", "iterate"] as const) {
  const original = Statement[method];
  Statement[method] = function (this: { source: string }, ...args: unknown[]) {
    const started = performance.now();
    try {
      return original.apply(this, args);
    } finally {
      const key = this.source.replace(/\s+/g, " ").slice(0, 90);
      const entry = statementTimes.get(key) ?? { ms: 0, calls: 0 };
      entry.ms += performance.now() - started;
      entry.calls++;
      statementTimes.set(key, entry);
    }
  };
}

const { importFiles } = await import("../../research/collection/index.js");
const { createProject } = await import("../../research/projects/index.js");
const { closeAllSql, getStore } = await import("../../research/store/index.js");
const store = getStore(await mkdtemp(path.join(os.tmpdir(), "prof-import-")));
await createProject({ store, slug: "bench", title: "Bench" });
const started = performance.now();
const report = await importFiles({
  store,
  slug: "bench",
  files: [process.argv[2] ?? "/tmp/netno-bench-reddit-100000.ndjson"],
});
const usage = process.resourceUsage();
console.log(
  `${report.posts} posts in ${Math.round(performance.now() - started)} ms; ` +
    `user ${Math.round(usage.userCPUTime / 1000)} ms, system ${Math.round(usage.systemCPUTime / 1000)} ms, ` +
    `written ${usage.fsWrite} blocks, peak ${Math.round(usage.maxRSS / 1024)} MB`,
);
for (const [key, { ms, calls }] of [...statementTimes]
  .sort((a, b) => b[1].ms - a[1].ms)
  .slice(0, 15))
  console.log(
    `${Math.round(ms).toString().padStart(7)} ms ${calls.toString().padStart(6)}× ${key}`,
  );
await closeAllSql();
