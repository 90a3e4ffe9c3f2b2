import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { defineConfig } from "@playwright/test";

// Each run serves the built app on loopback with its own empty data directory.
const dataDir = process.env.E2E_DATA_DIR ?? mkdtempSync(path.join(os.tmpdir(), "netno-e2e-"));
process.env.E2E_DATA_DIR = dataDir;

// With NETNO_E2E_DATABASE_URL (npm test sets it for its second run) the server keeps documents and tables
// in PostgreSQL, in the schema `e2e`, and only the journeys that exercise storage the most run again.
// The tests' own helpers (tests/e2e/helpers.ts, getStore) read NETNO_DATABASE_URL, so they see the same data.
const postgresBase = process.env.NETNO_E2E_DATABASE_URL?.trim() || null;
const databaseUrl = postgresBase ? withSchema(postgresBase, "e2e") : null;
if (databaseUrl) process.env.NETNO_DATABASE_URL = databaseUrl;
else delete process.env.NETNO_DATABASE_URL;
const POSTGRES_JOURNEYS = ["01-foundation", "04-collection", "05-coding"];

const port = Number(process.env.E2E_PORT ?? (databaseUrl ? 3198 : 3199));

function withSchema(url: string, schema: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set("schema", schema);
  return parsed.toString();
}

export default defineConfig({
  testDir: "tests/e2e",
  testMatch: databaseUrl ? POSTGRES_JOURNEYS.map((name) => `${name}.spec.ts`) : undefined,
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 120_000,
  expect: { timeout: 10_000 },
  outputDir: databaseUrl ? "test-results/e2e-postgres" : "test-results/e2e",
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: "/usr/bin/chromium",
      args: [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--no-first-run",
      ],
    },
  },
  webServer: {
    // The header limit of `npm start` (a find sends a theme's whole draft in its link).
    command:
      "npx remix build && NODE_OPTIONS=--max-http-header-size=65536 npx remix-serve ./build/index.js",
    url: `http://127.0.0.1:${port}/login`,
    reuseExistingServer: false,
    timeout: 120_000,
    env: {
      NETNO_DATA_DIR: dataDir,
      PORT: String(port),
      HOST: "127.0.0.1",
      NODE_ENV: "production",
      ...(databaseUrl ? { NETNO_DATABASE_URL: databaseUrl } : {}),
    },
  },
});
