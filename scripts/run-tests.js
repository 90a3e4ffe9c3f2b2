#!/usr/bin/env node
// `npm test`: typecheck, lint and formatting; the unit tests on the embedded default (SQLite) and again on
// a throwaway PostgreSQL; the end-to-end tests (Playwright in Debian's Chromium) on SQLite and the storage
// journeys again on PostgreSQL. Every suite runs even when an earlier one failed, and the last line is one
// plain summary `N passed, N failed` over all of them, which CI reads.
//
// NETNO_TEST_DATABASE_URL, when already set, names a PostgreSQL server to use instead of a throwaway one
// (its schema `e2e` is dropped before the end-to-end run).
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { ensurePostgres, startThrowawayPostgres } from "./throwaway-postgres.js";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const reportDir = path.join(root, "test-results");
rmSync(reportDir, { recursive: true, force: true });
mkdirSync(reportDir, { recursive: true });
const CHROMIUM = "/usr/bin/chromium";
const isRoot = typeof process.getuid === "function" && process.getuid() === 0;

// Files already formatted with prettier (100 columns); the rest of the older code is reformatted as it is
// rewritten. A file listed here that is no longer formatted fails the run.
const FORMATTED = [
  "tests/unit/maps-route.test.ts",
  "research/analysis/analysis-cache.ts",
  "research/analysis/analysis-tasks.ts",
  "research/analysis/analysis-worker.ts",
  "research/analysis/off-thread.ts",
  "research/analysis/code-analysis.ts",
  "tests/unit/analysis-cache.test.ts",
  "tests/unit/analysis-worker.test.ts",
  "playwright.config.ts",
  "vitest.config.ts",
  "tests/unit/posts-indexes.test.ts",
  "scripts/run-tests.js",
  "app/server/coding-actions.server.ts",
  "app/server/field-notes.server.ts",
  "app/components/use-scoped-form.ts",
  "app/server/forms.server.ts",
  "app/components/form-state.ts",
  "app/components/confirmed-removal.tsx",
  "app/components/layout-revalidation.ts",
  "tests/unit/layout-revalidation.test.ts",
  "research/reporting/report-scope.ts",
  "tests/unit/report-scope.test.ts",
  "tests/unit/suggestion-reach.test.ts",
  "scripts/bench/suggestion-coverage.ts",
  "scripts/bench/analysis.ts",
  "research/reporting/exports.ts",
  "research/reporting/report-data.ts",
  "research/analysis/coding-queries.ts",
  "tests/unit/codings-in-whole-sources.test.ts",
  "research/analysis/networks.ts",
  "research/nlp/suggestions.ts",
  "tests/unit/report-scope-route.test.ts",
  "app/routes/projects.$slug.reporting.maps.tsx",
  "research/analysis/agreement.ts",
  "research/analysis/agreement-statistics.ts",
  "research/store/sql/word-start.ts",
  "research/store/sql/nul-characters.ts",
  "tests/unit/nul-characters.test.ts",
  "tests/unit/agreement.test.ts",
  "tests/unit/code-cooccurrence.test.ts",
  "research/analysis/segment-agreement.ts",
  "tests/unit/segment-agreement.test.ts",
  "tests/unit/analysis-route.test.ts",
  "app/routes/projects.$slug.coding.analysis.tsx",
  "app/components/field.tsx",
  "app/components/field-note-form.tsx",
  "app/components/memo-panel.tsx",
  "tests/e2e/fixtures.ts",
  "app/routes/projects.$slug.reporting.report.tsx",
  "app/routes/projects.$slug.collection._index.tsx",
  "scripts/throwaway-postgres.js",
  "scripts/cli/main.ts",
  "scripts/cli/migrate-command.ts",
  "scripts/cli/output.ts",
  "scripts/cli/project-commands.ts",
  "tests/factories.ts",
  "tests/setup.ts",
  "tests/helpers/concurrent-writer.ts",
  "tests/unit/sql-store.test.ts",
  "tests/unit/store.test.ts",
  "tests/unit/test-guards.test.ts",
  "tests/unit/cli-engines.test.ts",
  "tests/unit/codebook-route.test.ts",
  "tests/helpers/route-requests.ts",
  "tests/helpers/coding-server.ts",
  "tests/unit/concurrent-coding.test.ts",
  "tests/unit/safe-url.test.ts",
  "research/shared/safe-url.ts",
  "tests/unit/login-throttle.test.ts",
  "research/accounts/login-throttle.ts",
  "app/server/client-address.server.ts",
  "tests/unit/import-limits.test.ts",
  "research/discovery/outbound-hosts.ts",
  "research/accounts/sessions.ts",
  "app/routes/account.sessions.tsx",
  "tests/unit/sessions.test.ts",
  "tests/unit/delete-missing.test.ts",
  "tests/unit/sentences.test.ts",
  "tests/unit/notes-route.test.ts",
  "scripts/netno.js",
  "scripts/build-cli.js",
  "tests/unit/team-route.test.ts",
  "tests/unit/discovery-route.test.ts",
  "research/collection/quoted-passages.ts",
  "research/entree/withheld-quotes.ts",
  "tests/unit/withheld-quotes.test.ts",
  "tests/unit/not-found-route.test.ts",
  "tests/unit/project-overview-route.test.ts",
  "tests/unit/plural.test.ts",
  "research/shared/plural.ts",
  "app/routes/$.tsx",
  "app/routes/projects.$slug.$.tsx",
  "research/accounts/users.ts",
  "tests/unit/upload-route.test.ts",
  "research/collection/remove-import.ts",
  "research/collection/field-notes.ts",
  "tests/unit/remove-import.test.ts",
  "tests/unit/share-route.test.ts",
  "tests/unit/coding-threads-route.test.ts",
  "app/routes/projects.$slug.coding.threads._index.tsx",
  "app/routes/share.$token.tsx",
  "app/routes/projects.$slug.collection.imports.$importId.tsx",
  "tests/unit/project-boundary.test.ts",
  "tests/unit/roles-ethics-route.test.ts",
  "tests/unit/roles-commands.test.ts",
  "tests/unit/disclosure.test.ts",
  "research/collection/browse.ts",
  "research/collection/revision-cache.ts",
  "research/collection/import-files.ts",
  "research/reporting/report-queries.ts",
  "tests/unit/collection-queries.test.ts",
  "scripts/bench/prof-import-sql.mts",
  "research/collection/importers/read.ts",
  "tests/unit/import-encodings.test.ts",
  "tests/unit/import-job-route.test.ts",
  "app/routes/projects.$slug.collection.jobs.$jobId.tsx",
  "research/collection/import-jobs.ts",
  "research/collection/importers/telegram.ts",
  "research/collection/importers/mbox.ts",
  "tests/unit/consent-follows-person.test.ts",
  "research/entree/consent.ts",
  "research/entree/consent-status.ts",
  "research/exchange/import-refi.ts",
  "tests/unit/refi-qda.test.ts",
  "tests/unit/refi-tool-shapes.test.ts",
  "tests/unit/agreement.test.ts",
  "research/analysis/agreement.ts",
  "tests/unit/suggestions.test.ts",
  "tests/unit/suggestion-ranking.test.ts",
  "research/collection/importers/discourse.ts",
  "tests/unit/importers.test.ts",
  "tests/unit/community-names.test.ts",
  "research/collection/importers/community-names.ts",
  "research/exchange/export-refi.ts",
  "tests/unit/networks.test.ts",
  "tests/unit/update-code.test.ts",
  "research/coding/codebook.ts",
  "research/collection/communities.ts",
  "app/routes/projects.$slug.collection.communities.$communityId.tsx",
  "tests/unit/community-rename-route.test.ts",
  "tests/unit/research-roles.test.ts",
  "tests/unit/admin-users-route.test.ts",
  "tests/unit/join-route.test.ts",
  "tests/unit/register-route.test.ts",
  "tests/unit/setup-route.test.ts",
  "tests/unit/coding-thread-route.test.ts",
  "tests/unit/coding-notes-route.test.ts",
  "tests/unit/collection-thread-route.test.ts",
  "tests/unit/reporting-themes-route.test.ts",
  "tests/unit/reporting-guidelines-route.test.ts",
];

/** One line per suite, printed before the summary. */
const results = [];
let passed = 0;
let failed = 0;
function record(name, suitePassed, suiteFailed, note = "") {
  passed += suitePassed;
  failed += suiteFailed;
  results.push(`${name}: ${suitePassed} passed, ${suiteFailed} failed${note ? ` (${note})` : ""}`);
}

let current = null; // the child process running now, so an interrupt can end it
let postgres = null; // { url, stop } of the throwaway server

/** Runs a command; resolves to its exit status. */
function run(command, args, env = {}) {
  return new Promise((resolve) => {
    // Its own process group, so an interrupt ends it with everything it started (npx, vitest and its
    // workers, the web server): ending only npx would leave them running.
    const child = spawn(command, args, {
      cwd: root,
      stdio: "inherit",
      env: { ...process.env, ...env },
      detached: true,
    });
    current = child;
    child.on("error", (error) => {
      console.log(`could not start ${command}: ${error.message}`);
      resolve(1);
    });
    child.on("exit", (code, signal) => {
      current = null;
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return null;
  }
}

function stopPostgres() {
  if (!postgres) return;
  const { stop } = postgres;
  postgres = null;
  stop();
}

function interrupted(signal) {
  if (current?.pid) {
    try {
      process.kill(-current.pid, "SIGTERM");
    } catch {
      // already gone
    }
  }
  stopPostgres();
  console.log(`\nInterrupted (${signal}).`);
  console.log(`${passed} passed, ${failed + 1} failed`);
  process.exit(130);
}
process.on("SIGINT", () => interrupted("SIGINT"));
process.on("SIGTERM", () => interrupted("SIGTERM"));
process.on("SIGHUP", () => interrupted("SIGHUP"));

async function runCheck(name, command, args) {
  console.log(`\n== ${name}`);
  const status = await run(command, args);
  record(name, status === 0 ? 1 : 0, status === 0 ? 0 : 1);
}

async function runVitest(name, env) {
  console.log(`\n== ${name}`);
  const report = path.join(reportDir, `${name.replace(/\W+/g, "-")}.json`);
  const status = await run(
    "npx",
    ["vitest", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`],
    env,
  );
  const unit = readJson(report);
  if (!unit) {
    record(name, 0, 1, "no report");
    return;
  }
  // A file that fails to load has no tests to count: count the file.
  const brokenFiles = (unit.testResults ?? []).filter(
    (file) => file.status === "failed" && (file.assertionResults ?? []).length === 0,
  ).length;
  let suiteFailed = unit.numFailedTests + brokenFiles;
  if (status !== 0 && suiteFailed === 0) suiteFailed = 1;
  record(
    name,
    unit.numPassedTests,
    suiteFailed,
    unit.numPendingTests ? `${unit.numPendingTests} skipped` : "",
  );
}

async function runPlaywright(name, env) {
  console.log(`\n== ${name}`);
  const report = path.join(reportDir, `${name.replace(/\W+/g, "-")}.json`);
  const status = await run("npx", ["playwright", "test", "--reporter=list,json"], {
    PLAYWRIGHT_JSON_OUTPUT_NAME: report,
    ...env,
  });
  const stats = readJson(report)?.stats;
  if (!stats) {
    record(name, 0, 1, "no report");
    return;
  }
  let suiteFailed = stats.unexpected;
  if (status !== 0 && suiteFailed === 0) suiteFailed = 1; // e.g. the web server did not start
  record(name, stats.expected + (stats.flaky ?? 0), suiteFailed);
}

async function ensureChromium() {
  if (existsSync(CHROMIUM)) return true;
  if (!isRoot) {
    console.log(
      `Chromium is missing at ${CHROMIUM}. Install it with: sudo apt-get install -y chromium`,
    );
    return false;
  }
  console.log("Installing Debian's chromium for the end-to-end tests...");
  const env = { DEBIAN_FRONTEND: "noninteractive" };
  await run("apt-get", ["update"], env);
  await run("apt-get", ["install", "-y", "--no-install-recommends", "chromium"], env);
  return existsSync(CHROMIUM);
}

/** The PostgreSQL server for the second runs: the one named by the environment, or a throwaway one. */
async function startPostgres() {
  const given = process.env.NETNO_TEST_DATABASE_URL?.trim();
  if (given) return given;
  if (!ensurePostgres()) return null;
  try {
    postgres = await startThrowawayPostgres();
    return postgres.url;
  } catch (error) {
    console.log(`PostgreSQL did not start: ${error instanceof Error ? error.message : error}`);
    return null;
  }
}

async function dropSchema(url, schema) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end();
  }
}

const SUITES = [
  "typecheck",
  "lint",
  "format",
  "unit-sqlite",
  "unit-postgres",
  "e2e-sqlite",
  "e2e-postgres",
];
// `npm test -- unit-postgres e2e-postgres` runs only those suites (all of them by default).
const chosen = process.argv.slice(2);
for (const name of chosen) {
  if (!SUITES.includes(name)) {
    console.log(`Unknown suite "${name}": choose from ${SUITES.join(", ")}.`);
    console.log("0 passed, 1 failed");
    process.exit(2);
  }
}
const wanted = (name) => chosen.length === 0 || chosen.includes(name);

async function main() {
  if (wanted("typecheck")) await runCheck("typecheck", "npx", ["tsc", "--noEmit"]);
  if (wanted("lint")) await runCheck("lint", "npx", ["eslint", "."]);
  if (wanted("format")) await runCheck("format", "npx", ["prettier", "--check", ...FORMATTED]);

  // The default run must not pick up a developer's PostgreSQL from the environment.
  const onSqlite = {
    NETNO_TEST_DATABASE_URL: "",
    NETNO_DATABASE_URL: "",
    NETNO_E2E_DATABASE_URL: "",
  };
  if (wanted("unit-sqlite")) await runVitest("unit (SQLite)", onSqlite);

  let databaseUrl = null;
  if (wanted("unit-postgres") || wanted("e2e-postgres")) {
    console.log("\n== PostgreSQL");
    databaseUrl = await startPostgres();
    if (databaseUrl) console.log(`PostgreSQL at ${databaseUrl}`);
  }
  const onPostgres = (name, work) =>
    databaseUrl ? work() : record(name, 0, 1, "no PostgreSQL server");

  if (wanted("unit-postgres")) {
    await onPostgres("unit (PostgreSQL)", () =>
      runVitest("unit (PostgreSQL)", {
        NETNO_TEST_DATABASE_URL: databaseUrl,
        NETNO_DATABASE_URL: "",
      }),
    );
  }

  if (!wanted("e2e-sqlite") && !wanted("e2e-postgres")) return;
  if (!(await ensureChromium())) {
    record("e2e", 0, 1, "no Chromium");
    return;
  }
  if (wanted("e2e-sqlite")) await runPlaywright("e2e (SQLite)", onSqlite);
  if (wanted("e2e-postgres")) {
    await onPostgres("e2e (PostgreSQL)", async () => {
      try {
        // A server given by the environment may hold the schema from an earlier run.
        await dropSchema(databaseUrl, "e2e");
      } catch (error) {
        record("e2e (PostgreSQL)", 0, 1, error instanceof Error ? error.message : String(error));
        return;
      }
      await runPlaywright("e2e (PostgreSQL)", {
        NETNO_E2E_DATABASE_URL: databaseUrl,
        NETNO_TEST_DATABASE_URL: "",
      });
    });
  }
}

try {
  await main();
} catch (error) {
  record("test runner", 0, 1, error instanceof Error ? error.message : String(error));
} finally {
  stopPostgres();
}
console.log(`\n${results.join("\n")}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
