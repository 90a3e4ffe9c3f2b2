// Profiling aid: one import into a fresh data directory, nothing else, so a CPU profile shows only it.
// Usage: node --cpu-prof --import tsx scripts/bench/prof-import.mts /tmp/netno-bench-reddit-100000.ndjson
//        (NETNO_DATABASE_URL=postgres://... to profile the PostgreSQL path)
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { importFiles } from "../../research/collection/index.js";
import { createProject } from "../../research/projects/index.js";
import { closeAllSql, getStore } from "../../research/store/index.js";

const store = getStore(await mkdtemp(path.join(os.tmpdir(), "prof-import-")));
await createProject({ store, slug: "bench", title: "Bench" });
const started = performance.now();
const report = await importFiles({
  store,
  slug: "bench",
  files: [process.argv[2] ?? "/tmp/netno-bench-reddit-100000.ndjson"],
});
console.log(`${report.posts} posts in ${Math.round(performance.now() - started)} ms`);
await closeAllSql();
