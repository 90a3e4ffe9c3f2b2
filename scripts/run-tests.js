#!/usr/bin/env node
// `npm test`: unit tests (vitest), then end-to-end tests (Playwright in Debian's Chromium), then one plain
// summary line `N passed, N failed` with the totals of both suites, which CI reads.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const reportDir = path.join(root, "test-results");
rmSync(reportDir, { recursive: true, force: true });
mkdirSync(reportDir, { recursive: true });
const CHROMIUM = "/usr/bin/chromium";

function run(command, args, env = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit", env: { ...process.env, ...env } });
  return result.status ?? 1;
}

function ensureChromium() {
  if (existsSync(CHROMIUM)) return true;
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  if (!isRoot) {
    console.error(`Chromium is missing at ${CHROMIUM}. Install it with: sudo apt-get install -y chromium`);
    return false;
  }
  console.log("Installing Debian's chromium for the end-to-end tests...");
  run("apt-get", ["update"], { DEBIAN_FRONTEND: "noninteractive" });
  run("apt-get", ["install", "-y", "--no-install-recommends", "chromium"], { DEBIAN_FRONTEND: "noninteractive" });
  return existsSync(CHROMIUM);
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return null;
  }
}

// Unit tests
const unitReport = path.join(reportDir, "vitest.json");
const unitStatus = run("npx", ["vitest", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${unitReport}`]);
const unit = readJson(unitReport);
let passed = unit?.numPassedTests ?? 0;
let failed = unit ? unit.numFailedTests + (unitStatus !== 0 && unit.numFailedTests === 0 ? 1 : 0) : 1;

// End-to-end tests
const e2eReport = path.join(reportDir, "playwright.json");
if (ensureChromium()) {
  const e2eStatus = run("npx", ["playwright", "test", "--reporter=list,json"], { PLAYWRIGHT_JSON_OUTPUT_NAME: e2eReport });
  const e2e = readJson(e2eReport);
  const stats = e2e?.stats;
  if (stats) {
    passed += stats.expected + (stats.flaky ?? 0);
    failed += stats.unexpected;
    if (e2eStatus !== 0 && stats.unexpected === 0) failed += 1; // e.g. the web server did not start
  } else failed += 1;
} else {
  failed += 1;
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
