#!/usr/bin/env node
// Bundles the netno CLI (scripts/cli/main.ts and the research/ code it calls) into build/cli/main.mjs, so
// `netno` starts without compiling TypeScript on every run (tsx costs seconds on a 2-core machine).
// The packages are bundled too: Node loads one file much faster than the hundreds of small ES modules
// kysely, zod and d3 are made of (a fresh `netno search` spent 1.5 s loading them). Only the native
// better-sqlite3 (and pg's optional native binding) load from node_modules. `npm run build` runs this.
// It also bundles the analysis worker into build/analysis-worker.mjs, which the server starts.
import { build } from "esbuild";
import path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const outfile = process.argv[2]
  ? path.resolve(process.argv[2])
  : path.join(root, "build/cli/main.mjs");
const common = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  external: ["better-sqlite3", "pg-native"],
  // The bundled CommonJS packages call require(); an ES module has none of its own.
  banner: {
    js: 'import { createRequire as createRequireForBundle } from "node:module"; const require = createRequireForBundle(import.meta.url);',
  },
  logLevel: "warning",
};
await build({ ...common, entryPoints: [path.join(root, "scripts/cli/main.ts")], outfile });
// The analysis worker (research/analysis/off-thread.ts) beside the server's bundle, build/index.js.
if (!process.argv[2])
  await build({
    ...common,
    entryPoints: [path.join(root, "research/analysis/analysis-worker.ts")],
    outfile: path.join(root, "build/analysis-worker.mjs"),
  });
