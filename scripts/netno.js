#!/usr/bin/env node
// The `netno` command. It runs the prebuilt bundle (build/cli/main.mjs, made by `npm run build`) when that
// is newer than every source file it was made from (and than the installed packages it holds); otherwise it registers tsx and runs the TypeScript
// itself, so a fresh clone or an edited source never runs stale code.
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const bundle = path.join(root, "build/cli/main.mjs");

function newestSource() {
  let newest = 0;
  for (const folder of ["research", "scripts/cli"]) {
    for (const entry of readdirSync(path.join(root, folder), {
      recursive: true,
      withFileTypes: true,
    })) {
      if (!entry.isFile() || !/\.(ts|js|json)$/.test(entry.name)) continue;
      const file = path.join(entry.parentPath ?? entry.path, entry.name);
      newest = Math.max(newest, statSync(file).mtimeMs);
    }
  }
  // The bundle holds the packages too: an install or upgrade makes it stale.
  for (const file of ["package-lock.json", "node_modules/.package-lock.json"]) {
    try {
      newest = Math.max(newest, statSync(path.join(root, file)).mtimeMs);
    } catch {
      // not there: nothing to compare
    }
  }
  return newest;
}

function bundleIsCurrent() {
  if (process.env.NETNO_CLI_FROM_SOURCE === "1") return false;
  try {
    return statSync(bundle).mtimeMs >= newestSource();
  } catch {
    return false;
  }
}

let main;
if (bundleIsCurrent()) {
  ({ main } = await import(pathToFileURL(bundle).href));
} else {
  const { register } = await import("tsx/esm/api");
  register();
  ({ main } = await import("./cli/main.ts"));
}
process.exitCode = await main(process.argv.slice(2));
