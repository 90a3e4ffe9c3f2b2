#!/usr/bin/env node
// Bundles the netno CLI (scripts/cli/main.ts and the research/ code it calls) into build/cli/main.mjs, so
// `netno` starts without compiling TypeScript on every run (tsx costs seconds on a 2-core machine).
// Packages stay external: they load from node_modules as usual. `npm run build` runs this.
import { build } from "esbuild";
import path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const outfile = process.argv[2]
  ? path.resolve(process.argv[2])
  : path.join(root, "build/cli/main.mjs");
await build({
  entryPoints: [path.join(root, "scripts/cli/main.ts")],
  outfile,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  logLevel: "warning",
});
