// A durable PostgreSQL for the storage benchmarks that outlives one run, so the 1M-post project is
// imported once: prints its URL, writes it to RESULTS_DIR/postgres-url.txt (storage.ts reads it) and
// stops (removing its folder) on Ctrl-C or SIGTERM.
// Usage: nohup npx tsx scripts/bench/postgres.ts &
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { RESULTS_DIR, startBenchPostgres } from "./lib.js";

const server = await startBenchPostgres();
const urlFile = path.join(RESULTS_DIR, "postgres-url.txt");
mkdirSync(RESULTS_DIR, { recursive: true });
writeFileSync(urlFile, `${server.url}\n`);
process.stdout.write(`${server.url}\n`);
const end = () => {
  server.stop();
  rmSync(urlFile, { force: true });
  process.exit(0);
};
process.on("SIGINT", end);
process.on("SIGTERM", end);
setInterval(() => undefined, 1 << 30);
