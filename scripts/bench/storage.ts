// Benchmark: a project holding 1M posts (and 100k codings), on the embedded default or PostgreSQL.
//  - `netno search` from a fresh process (common word, rare word, phrase, prefix), interleaved with the
//    floor `node -e ""` (an empty script's startup). Aim: under 1.5 s wall.
//  - The built server: time from spawn until a search page answers (aim: under 3 s), then p50/p95 over
//    HTTP of the threads list, one thread page and search pages, logged in as the project owner,
//    interleaved with floors (a static asset, the login page). Aim: p95 under 300 ms.
//  - One opt-out recorded through the CLI while the server runs, then the same again (aim: the same).
// The project is set up once per data directory (import, account, codings) and reused by later runs;
// the opt-out is undone at the end so every run starts alike.
// Usage: npm run build && npx tsx scripts/bench/storage.ts [--engine sqlite|postgres] [--posts 1000000]
//          [--codings 100000] [--rounds 40] [--cli-rounds 5] [--restarts 3] [--data-dir DIR]
//          [--pg-url URL (default: the one scripts/bench/postgres.ts wrote)] [--setup-only]
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { generateRedditDump } from "./generate.js";
import {
  RESULTS_DIR,
  argNumber,
  argString,
  hasFlag,
  interleave,
  log,
  machine,
  ratio,
  startServer,
  fetchRetryingClosedConnection,
  retriesAfterClosedConnection,
  summarize,
  timeProcess,
  timedGet,
  waitUntil,
  type RunningServer,
} from "./lib.js";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const engine = argString("--engine", "sqlite") as "sqlite" | "postgres";
const posts = argNumber("--posts", 1_000_000);
const codingsWanted = argNumber("--codings", 100_000);
const rounds = argNumber("--rounds", 40);
const cliRounds = argNumber("--cli-rounds", 5);
const restarts = argNumber("--restarts", 3);
const dataDir = path.resolve(
  argString("--data-dir", path.join(os.tmpdir(), `netno-bench-storage-${engine}-${posts}`)),
);
const pgUrlFile = path.join(RESULTS_DIR, "postgres-url.txt");
const pgServer =
  engine === "postgres"
    ? argString("--pg-url", existsSync(pgUrlFile) ? readFileSync(pgUrlFile, "utf8").trim() : "")
    : "";
if (engine === "postgres" && !pgServer)
  throw new Error("Start `npx tsx scripts/bench/postgres.ts` first, or give --pg-url.");
const schema = `bench_storage_${posts}`;
const databaseUrl = engine === "postgres" ? `${pgServer}?schema=${schema}` : null;
const SLUG = "bench";
const EMAIL = "owner@bench.example.org";
const PASSWORD = "bench-password-1";

/** The searches, as a researcher types them: syntax of the search box and `netno search`. */
const QUERIES = {
  common: "the",
  rare: "payroll",
  phrase: '"the battery"',
  prefix: "batt*",
};

type Setup = {
  engine: string;
  posts: number;
  projectId: string;
  userId: string;
  threadId: string;
  threadPosts: number;
  optOutHandle: string;
  optOutPosts: number;
  codings: number;
  importSeconds: number;
  codingsSeconds: number | null;
  counts: unknown;
};

// Beside the data directory, not in it: the server moves files it does not know out of the data
// directory into backup/ when it starts (the upgrade keeps an earlier release's files there).
const setupFile = `${dataDir}.bench-setup.json`;

/** Where earlier runs left the setup record: in the data directory, or moved into its backup/. */
function earlierSetupFile(): string | null {
  const inDir = path.join(dataDir, "bench-setup.json");
  if (existsSync(inDir)) return inDir;
  const backup = path.join(dataDir, "backup");
  if (!existsSync(backup)) return null;
  const found = readdirSync(backup, { recursive: true, encoding: "utf8" })
    .filter((entry) => path.basename(entry) === "bench-setup.json")
    .map((entry) => path.join(backup, entry));
  return found[0] ?? null;
}

const childEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env, NETNO_DATA_DIR: dataDir };
  delete env.NETNO_DATABASE_URL;
  if (databaseUrl) env.NETNO_DATABASE_URL = databaseUrl;
  return env;
};

async function setUp(): Promise<Setup> {
  if (existsSync(setupFile)) return JSON.parse(readFileSync(setupFile, "utf8")) as Setup;
  const earlier = earlierSetupFile();
  if (earlier) {
    await writeFile(setupFile, readFileSync(earlier, "utf8"));
    return JSON.parse(readFileSync(setupFile, "utf8")) as Setup;
  }
  const { createFirstAdmin } = await import("../../research/accounts/index.js");
  const { createCodes } = await import("../../research/coding/index.js");
  const { importFiles } = await import("../../research/collection/index.js");
  const { countCorpus, projectSql } = await import("../../research/collection/corpus.js");
  const { createProject } = await import("../../research/projects/index.js");
  const { getStore, inTransaction } = await import("../../research/store/index.js");
  const file = path.join(os.tmpdir(), `netno-bench-reddit-${posts}.ndjson`);
  if (!existsSync(file)) await generateRedditDump(file, posts);
  mkdirSync(dataDir, { recursive: true });
  const store = getStore(dataDir, databaseUrl);
  const owner = await createFirstAdmin({
    store,
    name: "Bench Owner",
    email: EMAIL,
    password: PASSWORD,
  });
  await createProject({ store, slug: SLUG, title: "Bench", ownerId: owner.id });
  log(`importing ${posts} posts into ${engine} (${dataDir})`);
  const importStarted = performance.now();
  await importFiles({ store, slug: SLUG, files: [file], userId: owner.id });
  const importSeconds = Math.round((performance.now() - importStarted) / 10) / 100;
  log(`imported in ${importSeconds} s`);
  const { database, db, projectId } = await projectSql({ store, slug: SLUG });

  // Codings straight into the table, batched, as the coding benchmark does: the pages must stay fast
  // with them stored, whatever wrote them.
  let codings = 0;
  let codingsSeconds: number | null = null;
  if (codingsWanted > 0) {
    const started = performance.now();
    const codes = await createCodes({
      store,
      slug: SLUG,
      userId: owner.id,
      codes: Array.from({ length: 20 }, (_, i) => ({ name: `Bench code ${i + 1}` })),
    });
    const targets = await db
      .selectFrom("posts")
      .select(["id", "text"])
      .where("project_id", "=", projectId)
      .orderBy("seq")
      .limit(codingsWanted)
      .execute();
    const now = new Date().toISOString();
    for (let at = 0; at < targets.length; at += 1000) {
      const batch = targets.slice(at, at + 1000).map((post, i) => {
        const points = [...post.text];
        const end = Math.min(points.length, 12);
        return {
          id: `bench-coding-${at + i}`,
          project_id: projectId,
          code_id: codes[(at + i) % codes.length].id,
          source_type: "post",
          source_id: post.id,
          start_cp: 0,
          end_cp: end,
          quote: points.slice(0, end).join(""),
          coder_id: owner.id,
          created_at: now,
        };
      });
      await inTransaction(database, (trx) => trx.insertInto("codings").values(batch).execute());
      codings += batch.length;
    }
    codingsSeconds = Math.round((performance.now() - started) / 10) / 100;
    log(`${codings} codings inserted in ${codingsSeconds} s`);
  }

  // The biggest thread (the worst single thread page) and the most active member (the opt-out that
  // hides the most posts).
  const thread = await db
    .selectFrom("posts")
    .select(["thread_id", (eb) => eb.fn.countAll<number>().as("n")])
    .where("project_id", "=", projectId)
    .groupBy("thread_id")
    .orderBy("n", "desc")
    .limit(1)
    .executeTakeFirstOrThrow();
  const member = await db
    .selectFrom("members")
    .select(["handle", "post_count"])
    .where("project_id", "=", projectId)
    .orderBy("post_count", "desc")
    .limit(1)
    .executeTakeFirstOrThrow();
  const setup: Setup = {
    engine,
    posts,
    projectId,
    userId: owner.id,
    threadId: thread.thread_id,
    threadPosts: Number(thread.n),
    optOutHandle: member.handle,
    optOutPosts: Number(member.post_count),
    codings,
    importSeconds,
    codingsSeconds,
    counts: await countCorpus({ store, slug: SLUG }),
  };
  await writeFile(setupFile, `${JSON.stringify(setup, null, 2)}\n`);
  return setup;
}

const netno = (args: string[], timeoutMs?: number) =>
  timeProcess(process.execPath, [path.join(root, "scripts/netno.js"), ...args], {
    env: childEnv(),
    cwd: root,
    timeoutMs,
  });

/** `netno search` for every query, interleaved with the empty-script floor, from fresh processes. */
/** A query or page that failed or ran past its time once is skipped for the rest of the run. */
const TIMEOUT_MS = argNumber("--timeout-ms", 60_000);

/** `netno search` for every query, interleaved with the empty-script floor, from fresh processes. */
async function measureCli(roundsHere: number) {
  const hitsOf: Record<string, number> = {};
  const failures: Record<string, string> = {};
  const sides = [
    {
      name: "floor",
      run: async () => (await timeProcess(process.execPath, ["-e", ""])).ms,
    },
    ...Object.entries(QUERIES).map(([kind, query]) => ({
      name: kind,
      run: async () => {
        if (failures[kind]) return Number.NaN;
        const result = await netno(["search", SLUG, query, "--json", "--limit", "20"], TIMEOUT_MS);
        if (result.timedOut || result.code !== 0) {
          failures[kind] = result.timedOut
            ? `killed after ${TIMEOUT_MS} ms (no answer yet)`
            : `exit ${result.code}: ${result.stderr.slice(-500)}`;
          log(`netno search ${query}: ${failures[kind]}`);
          return Number.NaN;
        }
        hitsOf[kind] = result.stdout.trim() ? result.stdout.trim().split("\n").length : 0;
        return result.ms;
      },
    })),
  ];
  const results = await interleave(roundsHere, sides, (name, round, ms) =>
    log(`cli round ${round + 1} ${name}: ${Math.round(ms)} ms`),
  );
  const floor = summarize(results.floor);
  return {
    rounds: roundsHere,
    floorNodeEmptyScriptMs: floor,
    searches: Object.fromEntries(
      Object.entries(QUERIES).map(([kind, query]) => {
        const measured = results[kind].filter((ms) => !Number.isNaN(ms));
        if (!measured.length)
          return [kind, { query, failed: failures[kind], aimUnder1500Ms: false }];
        const summary = summarize(measured);
        return [
          kind,
          {
            query,
            linesPrinted: hitsOf[kind],
            ms: summary,
            ratioToFloor: ratio(summary.median, floor.median),
            ...(failures[kind] ? { failedLater: failures[kind] } : {}),
            aimUnder1500Ms: !failures[kind] && summary.max < 1500,
          },
        ];
      }),
    ),
  };
}

const searchPath = (query: string) =>
  `/projects/${SLUG}/collection/search?q=${encodeURIComponent(query)}`;

async function logIn(server: RunningServer): Promise<string> {
  await waitUntil(async () => (await fetch(`${server.base}/login`)).ok, {
    since: server.startedAt,
    timeoutMs: 600_000,
  });
  const response = await fetch(`${server.base}/login`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: server.base },
    body: new URLSearchParams({ email: EMAIL, password: PASSWORD, redirectTo: "/projects" }),
  });
  const cookie = (response.headers.get("set-cookie") ?? "").split(";")[0];
  if (!cookie) throw new Error(`login failed: HTTP ${response.status}`);
  return cookie;
}

/** Restarts the server `times` times; each time the ms until it listens and until a search page answers. */
async function measureReady(times: number, cookie: string) {
  const listening: number[] = [];
  const ready: number[] = [];
  for (let i = 0; i < times; i++) {
    const server = await startServer({ root, dataDir, databaseUrl });
    try {
      listening.push(
        await waitUntil(
          async () => (await fetch(`${server.base}/login`, { redirect: "manual" })).status < 500,
          { since: server.startedAt },
        ),
      );
      // The probe is a search page for the rare word: the first answer needs the database open and
      // the search working, while a common word's own time would hide the start-up.
      const probe = `${server.base}${searchPath(QUERIES.rare)}`;
      ready.push(
        await waitUntil(
          async () =>
            (await fetch(probe, { headers: { cookie }, redirect: "manual" })).status === 200,
          { since: server.startedAt, timeoutMs: 10 * TIMEOUT_MS },
        ).catch(() => Number.NaN),
      );
    } finally {
      await server.stop();
    }
  }
  log(
    `ready: listening ${listening.map(Math.round)} ms, search answering ${ready.map(Math.round)} ms`,
  );
  return {
    restarts: times,
    listeningMs: summarize(listening),
    searchAnsweringMs: summarize(ready),
    aimUnder3000Ms: Math.max(...ready) < 3000,
  };
}

/** Pages over HTTP, one client, every page once per round in rotating order, with the floors. */
async function measurePages(
  server: RunningServer,
  cookie: string,
  setup: Setup,
  roundsHere: number,
) {
  const login = await (await fetchRetryingClosedConnection(`${server.base}/login`)).text();
  const asset = login.match(/\/build\/[^"']+\.js/)?.[0];
  const targets: Array<{ name: string; path: string; cookie: boolean; floor?: boolean }> = [
    ...(asset ? [{ name: "floor: static asset", path: asset, cookie: false, floor: true }] : []),
    { name: "floor: login page (logged out)", path: "/login", cookie: false, floor: true },
    { name: "threads list", path: `/projects/${SLUG}/collection/threads`, cookie: true },
    {
      name: "one thread",
      path: `/projects/${SLUG}/collection/threads/${setup.threadId}`,
      cookie: true,
    },
    // --no-common-page: leave out the common-word search page (when it is known to outlast the
    // timeout, its request would hold the server while the other pages are measured).
    ...(hasFlag("--no-common-page")
      ? []
      : [{ name: "search page: common word", path: searchPath(QUERIES.common), cookie: true }]),
    { name: "search page: rare word", path: searchPath(QUERIES.rare), cookie: true },
  ];
  const failures: Record<string, string> = {};
  const timed = async (target: (typeof targets)[number]) => {
    if (failures[target.name]) return Number.NaN;
    try {
      const result = await timedGet(
        `${server.base}${target.path}`,
        target.cookie ? { cookie } : {},
        TIMEOUT_MS,
      );
      if (result.status !== 200) throw new Error(`HTTP ${result.status} for ${target.path}`);
      return result.ms;
    } catch (error) {
      failures[target.name] =
        error instanceof Error && error.name === "TimeoutError"
          ? `no answer within ${TIMEOUT_MS} ms`
          : String(error instanceof Error ? error.message : error);
      log(`${target.name}: ${failures[target.name]}; skipped from now on`);
      // A request the server is still working on holds its event loop: wait until it answers again.
      await waitUntil(async () => (await fetch(`${server.base}/login`)).status === 200, {
        since: performance.now(),
      });
      return Number.NaN;
    }
  };
  // One warm-up pass: the first request of each page pays for module loading and connection setup.
  for (const target of targets) await timed(target);
  const results = await interleave(
    roundsHere,
    targets.map((target) => ({ name: target.name, run: () => timed(target) })),
    (name, round, ms) => log(`page round ${round + 1} ${name}: ${Math.round(ms)} ms`),
  );
  const floorName = targets[0].name;
  const floorMedian = summarize(results[floorName].filter((ms) => !Number.isNaN(ms))).median;
  return Object.fromEntries(
    targets.map((target) => {
      const measured = results[target.name].filter((ms) => !Number.isNaN(ms));
      const failed = failures[target.name];
      if (!measured.length)
        return [target.name, { path: target.path, failed, aimP95Under300Ms: false }];
      const summary = summarize(measured);
      return [
        target.name,
        {
          ms: summary,
          ...(failed ? { failedLater: failed } : {}),
          ...(target.floor
            ? {}
            : {
                ratioOfMedianToFloor: ratio(summary.median, floorMedian),
                aimP95Under300Ms: !failed && summary.p95 < 300,
              }),
        },
      ];
    }),
  );
}

/** Peak resident memory of the server process so far (VmHWM), in MB. */
function serverPeakRssMb(server: RunningServer): number {
  try {
    const status = readFileSync(`/proc/${server.child.pid}/status`, "utf8");
    return Math.round(Number(status.match(/VmHWM:\s+(\d+)/)?.[1] ?? 0) / 1024);
  } catch {
    return Number.NaN;
  }
}

async function consent(setup: Setup, status: string) {
  const result = await netno(["member", SLUG, setup.optOutHandle, "--consent", status, "--json"]);
  if (result.code !== 0)
    throw new Error(`netno member --consent ${status} failed: ${result.stderr.slice(-2000)}`);
  return Math.round(result.ms);
}

async function visibleCounts() {
  const { countCorpus } = await import("../../research/collection/corpus.js");
  const { getStore } = await import("../../research/store/index.js");
  return countCorpus({ store: getStore(dataDir, databaseUrl), slug: SLUG });
}

const setup = await setUp();
log(`project ready: ${JSON.stringify(setup)}`);
if (hasFlag("--setup-only")) process.exit(0);
// --no-server: only the CLI figures (before and after the opt-out), when the app does not build yet.
const withServer = !hasFlag("--no-server");
if (withServer && !existsSync(path.join(root, "build/index.js"))) {
  throw new Error("Run `npm run build` first (or give --no-server).");
}
const machineBefore = machine();

log("netno search from fresh processes");
// --cli-rounds 0 skips the CLI figures (when a run before this one measured them).
const cliBefore = cliRounds > 0 ? await measureCli(cliRounds) : null;

let before: Record<string, unknown> = { cli: cliBefore };
let afterOptOut: Record<string, unknown> = {};
let server: RunningServer | null = null;
let cookie = "";
if (withServer) {
  // First start logs in (the session secret is kept in the data directory, so the cookie holds across
  // restarts) and applies any pending migration; then restarts measure the time until search answers.
  server = await startServer({ root, dataDir, databaseUrl });
  cookie = await logIn(server);
  await server.stop();
  log("server restarts");
  const readyBefore = await measureReady(restarts, cookie);
  server = await startServer({ root, dataDir, databaseUrl });
  const running = server;
  await waitUntil(async () => (await fetch(`${running.base}/login`)).ok, {
    since: running.startedAt,
  });
  log("pages over HTTP");
  before = {
    ...before,
    ready: readyBefore,
    pages: await measurePages(server, cookie, setup, rounds),
  };
}

log(`opt-out of ${setup.optOutHandle} (${setup.optOutPosts} posts) through the CLI`);
const optOutCliMs = await consent(setup, "opted-out");
try {
  afterOptOut = { optOutCliMs, counts: await visibleCounts() };
  if (server) {
    const pagesAfter = await measurePages(server, cookie, setup, rounds);
    const serverRss = serverPeakRssMb(server);
    await server.stop();
    const readyAfter = await measureReady(restarts, cookie);
    afterOptOut = {
      ...afterOptOut,
      pages: pagesAfter,
      serverPeakRssMbBeforeRestart: serverRss,
      ready: readyAfter,
    };
  }
  if (cliRounds > 0) afterOptOut.cli = await measureCli(Math.max(1, Math.ceil(cliRounds / 2)));
} finally {
  await server?.stop();
  await consent(setup, "consented");
}

await (
  await import("./lib.js")
).writeResult(`storage-${engine}-${posts}${withServer ? "" : "-cli-only"}`, {
  engine,
  databaseUrl: databaseUrl
    ? "durable bench PostgreSQL (scripts/bench/postgres.ts), own schema"
    : null,
  machine: { ...machineBefore, loadAverage1mAtEnd: machine().loadAverage1m },
  setup,
  queries: QUERIES,
  before,
  afterOneOptOut: afterOptOut,
  requestsSentAgainAfterAClosedIdleConnection: retriesAfterClosedConnection(),
});
const { closeAllSql } = await import("../../research/store/index.js");
await closeAllSql();
process.exit(0);
