// Benchmark: applying a code over HTTP, as a researcher does it in the browser, on a project that already
// holds 1k codings and then 100k codings (pre-filled with batched inserts straight into the table).
// One measured "apply" is the action request (single fetch POST) plus the page reload the browser makes
// after it (GET of the thread page's data: as the browser asks for it, only the thread page's loader, since the
// root, project and coding layouts do not revalidate after a coding action; `--full-reload` asks for every
// loader, as the browser did before session 7). The floor is that reload alone, on another thread: subject and
// floor run in interleaved rounds, medians and p95 are reported, for one coder at a time and for 4 coders
// at once. Afterwards every acknowledged coding is looked up in the table (none missing, none twice).
// Aims on a 2-core machine: p95 < 30 ms at 100k codings, within 1.5x of the p95 at 1k; 4 coders p95 < 60 ms.
// Usage: npm run build && npx tsx scripts/bench/coding.ts [--engine sqlite|postgres] [--posts 100000]
//          [--codings 100000] [--baseline-codings 1000] [--rounds 10] [--per-round 20] [--coders 4] [--full-reload]
//          [--pg-url URL (default: a durable throwaway PostgreSQL started for the run)]
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createAccount, createFirstAdmin } from "../../research/accounts/index.js";
import { createCodes } from "../../research/coding/index.js";
import { projectSql } from "../../research/collection/corpus.js";
import { importFiles } from "../../research/collection/index.js";
import { addProjectMember, createProject } from "../../research/projects/index.js";
import { closeAllSql, getStore, inTransaction } from "../../research/store/index.js";
import { generateRedditDump } from "./generate.js";
import {
  argNumber,
  argString,
  hasFlag,
  interleave,
  log,
  machine,
  ratio,
  startBenchPostgres,
  startServer,
  fetchRetryingClosedConnection as request,
  retriesAfterClosedConnection,
  summarize,
  writeResult,
  type RunningServer,
} from "./lib.js";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const engine = argString("--engine", "sqlite") as "sqlite" | "postgres";
const posts = argNumber("--posts", 100_000);
const codingsTarget = argNumber("--codings", 100_000);
const baselineCodings = argNumber("--baseline-codings", 1_000);
const rounds = argNumber("--rounds", 10);
const perRound = argNumber("--per-round", 20);
const coderCount = argNumber("--coders", 4);
const fullReload = hasFlag("--full-reload");
const SLUG = "bench";
const PASSWORD = "bench-password-1";

if (!existsSync(path.join(root, "build/index.js"))) throw new Error("Run `npm run build` first.");

const pg = engine === "postgres" && !argString("--pg-url", "") ? await startBenchPostgres() : null;
const databaseUrl =
  engine === "postgres"
    ? `${argString("--pg-url", pg?.url ?? "")}?schema=bench_coding_${Date.now()}`
    : null;
const dataDir = await mkdtemp(path.join(os.tmpdir(), "bench-coding-"));
const store = getStore(dataDir, databaseUrl);

// The project: a Reddit-style dump, an owner and researchers (one account per concurrent coder).
const file = path.join(os.tmpdir(), `netno-bench-reddit-${posts}.ndjson`);
if (!existsSync(file)) await generateRedditDump(file, posts);
const owner = await createFirstAdmin({
  store,
  name: "Coder 1",
  email: "coder1@bench.example.org",
  password: PASSWORD,
});
await createProject({ store, slug: SLUG, title: "Bench", ownerId: owner.id });
const coders = [{ id: owner.id, email: "coder1@bench.example.org" }];
for (let i = 2; i <= coderCount; i++) {
  const email = `coder${i}@bench.example.org`;
  const user = await createAccount({ store, name: `Coder ${i}`, email, password: PASSWORD });
  await addProjectMember({ store, slug: SLUG, email, role: "researcher", addedBy: owner.id });
  coders.push({ id: user.id, email });
}
log(`importing ${posts} posts (${engine})`);
await importFiles({ store, slug: SLUG, files: [file], userId: owner.id });
const codes = await createCodes({
  store,
  slug: SLUG,
  userId: owner.id,
  codes: Array.from({ length: 10 }, (_, i) => ({ name: `Prefilled ${i + 1}` })),
});
const [measured] = await createCodes({
  store,
  slug: SLUG,
  userId: owner.id,
  codes: [{ name: "Measured" }],
});
const { database, db, projectId } = await projectSql({ store, slug: SLUG });

// Posts to code: long enough for the measured span [2, 12), each used once per coder.
const postRows = await db
  .selectFrom("posts")
  .select(["id", "thread_id", "text"])
  .where("project_id", "=", projectId)
  .orderBy("seq")
  .execute();
const codable = postRows.filter((row) => [...row.text].length >= 12);
let nextTarget = 0;
const takeTarget = () => codable[(nextTarget++ * 7919) % codable.length];
log(`${postRows.length} posts, ${codable.length} long enough to code`);

/** Codings straight into the table, batched: coding i is on post i mod N, with a code that differs per lap. */
let prefilled = 0;
async function prefill(upTo: number): Promise<void> {
  const started = performance.now();
  const now = new Date().toISOString();
  while (prefilled < upTo) {
    const count = Math.min(2_000, upTo - prefilled);
    const rows = Array.from({ length: count }, (_, k) => {
      const i = prefilled + k;
      const post = codable[i % codable.length];
      const lap = Math.floor(i / codable.length);
      const points = [...post.text];
      return {
        id: `bench-${i}`,
        project_id: projectId,
        code_id: codes[lap % codes.length].id,
        source_type: "post",
        source_id: post.id,
        start_cp: 0,
        end_cp: Math.min(points.length, 12),
        quote: points.slice(0, 12).join(""),
        coder_id: coders[i % coders.length].id,
        created_at: now,
      };
    });
    await inTransaction(database, async (trx) => {
      for (let at = 0; at < rows.length; at += 500) {
        await trx
          .insertInto("codings")
          .values(rows.slice(at, at + 500))
          .execute();
      }
    });
    prefilled += count;
  }
  log(`${prefilled} codings stored (${Math.round(performance.now() - started)} ms)`);
}

async function logIn(server: RunningServer, email: string): Promise<string> {
  const response = await fetch(`${server.base}/login`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: server.base },
    body: new URLSearchParams({ email, password: PASSWORD, redirectTo: "/projects" }),
  });
  const cookie = (response.headers.get("set-cookie") ?? "").split(";")[0];
  if (!cookie) throw new Error(`login of ${email} failed: HTTP ${response.status}`);
  return cookie;
}

type Ack = { postId: string; coderId: string };
const acknowledged: Ack[] = [];
let refused = 0;

const threadData = (threadId: string) => `/projects/${SLUG}/coding/threads/${threadId}.data`;
/**
 * What the browser asks for after the action: Remix's single fetch names the loaders to run (`_routes`)
 * when some matched routes opt out through `shouldRevalidate`, as the layouts do after a coding action.
 */
const reloadData = (threadId: string) =>
  fullReload
    ? threadData(threadId)
    : `${threadData(threadId)}?${new URLSearchParams({ _routes: "routes/projects.$slug.coding.threads.$threadId" })}`;

/** What the browser waits for after "Apply": the action, then the reload of the page's data. */
async function applyAndReload(
  server: RunningServer,
  coder: { id: string; cookie: string },
): Promise<number> {
  const target = takeTarget();
  const started = performance.now();
  const response = await request(`${server.base}${threadData(target.thread_id)}`, {
    method: "POST",
    headers: {
      cookie: coder.cookie,
      origin: server.base,
      "content-type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams({
      intent: "apply",
      sourceType: "post",
      sourceId: target.id,
      start: "2",
      end: "12",
      codeId: measured.id,
    }),
  });
  const body = await response.text();
  const reload = await request(`${server.base}${reloadData(target.thread_id)}`, {
    headers: { cookie: coder.cookie },
  });
  await reload.arrayBuffer();
  const ms = performance.now() - started;
  if (response.ok && body.includes("Coded (1)"))
    acknowledged.push({ postId: target.id, coderId: coder.id });
  else refused++;
  if (!reload.ok) throw new Error(`reload: HTTP ${reload.status}`);
  return ms;
}

/** The floor: the same page's data loaded alone (another thread, nothing written). */
async function reloadOnly(server: RunningServer, coder: { cookie: string }): Promise<number> {
  const target = takeTarget();
  const started = performance.now();
  const response = await request(`${server.base}${reloadData(target.thread_id)}`, {
    headers: { cookie: coder.cookie },
  });
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`floor: HTTP ${response.status}`);
  return performance.now() - started;
}

async function measure(server: RunningServer, signedIn: Array<{ id: string; cookie: string }>) {
  const [first] = signedIn;
  for (let i = 0; i < 10; i++) await applyAndReload(server, first); // warm-up: caches, JIT, page cache
  acknowledged.length = 0;
  refused = 0;
  const many = (run: () => Promise<number>) => async () => {
    const times: number[] = [];
    for (let i = 0; i < perRound; i++) times.push(await run());
    return times;
  };
  const together =
    (run: (coder: { id: string; cookie: string }) => Promise<number>) => async () => {
      const times = await Promise.all(
        signedIn.map(async (coder) => {
          const own: number[] = [];
          for (let i = 0; i < perRound; i++) own.push(await run(coder));
          return own;
        }),
      );
      return times.flat();
    };
  const sequential = await interleave(rounds, [
    { name: "apply", run: many(() => applyAndReload(server, first)) },
    { name: "floor", run: many(() => reloadOnly(server, first)) },
  ]);
  const concurrent = await interleave(rounds, [
    { name: "apply", run: together((coder) => applyAndReload(server, coder)) },
    { name: "floor", run: together((coder) => reloadOnly(server, coder)) },
  ]);
  const report = (results: Record<string, number[][]>) => {
    const apply = summarize(results.apply.flat());
    const floor = summarize(results.floor.flat());
    return {
      apply,
      floor,
      p95RatioToFloor: ratio(apply.p95, floor.p95),
      medianRatioToFloor: ratio(apply.median, floor.median),
    };
  };
  return {
    codingsBefore: prefilled,
    oneCoder: report(sequential),
    concurrentCoders: { coders: signedIn.length, ...report(concurrent) },
  };
}

/** Every acknowledged coding is in the table, once. */
async function verify(expected: Ack[]) {
  const rows = await db
    .selectFrom("codings")
    .select(["source_id", "coder_id"])
    .where("project_id", "=", projectId)
    .where("code_id", "=", measured.id)
    .execute();
  const stored = new Map<string, number>();
  for (const row of rows)
    stored.set(
      `${row.source_id}|${row.coder_id}`,
      (stored.get(`${row.source_id}|${row.coder_id}`) ?? 0) + 1,
    );
  const missing = expected.filter((ack) => !stored.has(`${ack.postId}|${ack.coderId}`)).length;
  const twice = [...stored.values()].filter((n) => n > 1).length;
  return { acknowledged: expected.length, stored: rows.length, missing, storedTwice: twice };
}

await prefill(baselineCodings);
const server = await startServer({ root, dataDir, databaseUrl });
let result: Record<string, unknown>;
try {
  for (let i = 0; i < 400; i++) {
    const ok = await fetch(`${server.base}/login`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const signedIn = [];
  for (const coder of coders)
    signedIn.push({ id: coder.id, cookie: await logIn(server, coder.email) });
  const allAcks: Ack[] = [];
  log(`measuring with ${prefilled} codings`);
  const small = await measure(server, signedIn);
  const smallRefused = refused;
  allAcks.push(...acknowledged);
  log(`with ${small.codingsBefore} codings: ${JSON.stringify(small)}`);
  await prefill(codingsTarget);
  log(`measuring with ${prefilled} codings`);
  const large = await measure(server, signedIn);
  allAcks.push(...acknowledged);
  const check = await verify(allAcks);
  const p95Growth = ratio(large.oneCoder.apply.p95, small.oneCoder.apply.p95);
  result = {
    benchmark: "apply a code over HTTP (action + page reload)",
    engine,
    machine: machine(),
    posts: postRows.length,
    reload: fullReload ? "every loader" : "the thread page's loader (_routes), as the browser asks",
    rounds,
    perRound,
    small,
    large,
    p95GrowthFrom1kTo100k: p95Growth,
    refused: smallRefused + refused,
    socketRetries: retriesAfterClosedConnection(),
    check,
    aims: {
      p95Under30msAt100k: large.oneCoder.apply.p95 < 30,
      within1_5xOf1k: p95Growth <= 1.5,
      concurrentP95Under60ms: large.concurrentCoders.apply.p95 < 60,
      everyAcknowledgedStored: check.missing === 0 && check.storedTwice === 0,
    },
  };
} finally {
  await server.stop();
  await closeAllSql();
  pg?.stop();
  await rm(dataDir, { recursive: true, force: true });
}
await writeResult(`coding-${engine}`, result);
process.exit(0);
