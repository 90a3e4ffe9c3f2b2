// Benchmark: the analysis and reporting pages on a project full of codings, over HTTP as a researcher
// opens them. The project: a Reddit-style dump (100k posts by default), two coders who coded the same
// posts (100k codings by default: mostly the same code on the same span, some with another code, some on
// a shifted span, so agreement per post and per segment has real disagreements to find), eight codes, two
// themes citing passages, one opted-out member, and a report scope of one community.
// Pages, each a full HTML GET logged in as the owner, interleaved round by round with the floors (a static
// asset and the logged-out login page), medians and p95 reported:
//   - agreement per post and per segment (coding analysis with both coders chosen),
//   - Report & exports, the report preview, and the relationship maps.
// No aim is set in the issue for these pages; the collection pages' aim (p95 < 300 ms) is the yardstick.
// Then, per heavy page and round: a coding is applied (or removed again) from this process, as the CLI or
// another app server would, and the page is viewed twice: the first view after the change and a repeat
// view. While the first view runs, a cheap page (one collection thread) is asked for again and again; its
// times are compared with the same page asked alone in the same round (medians and p95).
// Usage: npm run build && npx tsx scripts/bench/analysis.ts [--engine sqlite|postgres] [--posts 100000]
//          [--codings 100000] [--rounds 10] [--pg-url URL (default: a durable throwaway PostgreSQL)]
//          [--dump DIR (each heavy page's loader data, to compare two builds)]
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createAccount, createFirstAdmin } from "../../research/accounts/index.js";
import { applyCode, createCodes, removeCoding } from "../../research/coding/index.js";
import { projectSql } from "../../research/collection/corpus.js";
import { importFiles } from "../../research/collection/index.js";
import { recordConsent } from "../../research/entree/index.js";
import { addProjectMember, createProject } from "../../research/projects/index.js";
import { createTheme } from "../../research/reporting/themes.js";
import { saveReportScope } from "../../research/reporting/report-scope.js";
import { closeAllSql, getStore, inTransaction } from "../../research/store/index.js";
import { generateRedditDump } from "./generate.js";
import {
  argNumber,
  argString,
  interleave,
  log,
  machine,
  ratio,
  startBenchPostgres,
  startServer,
  summarize,
  timedGet,
  writeResult,
} from "./lib.js";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const engine = argString("--engine", "sqlite") as "sqlite" | "postgres";
const posts = argNumber("--posts", 100_000);
const codingsTarget = argNumber("--codings", 100_000);
const rounds = argNumber("--rounds", 10);
const SLUG = "bench";
const PASSWORD = "bench-password-1";

if (!existsSync(path.join(root, "build/index.js"))) throw new Error("Run `npm run build` first.");

const pg = engine === "postgres" && !argString("--pg-url", "") ? await startBenchPostgres() : null;
const databaseUrl =
  engine === "postgres"
    ? `${argString("--pg-url", pg?.url ?? "")}?schema=bench_analysis_${Date.now()}`
    : null;
const dataDir = await mkdtemp(path.join(os.tmpdir(), "bench-analysis-"));
const store = getStore(dataDir, databaseUrl);

const file = path.join(os.tmpdir(), `netno-bench-reddit-${posts}.ndjson`);
if (!existsSync(file)) await generateRedditDump(file, posts);
const owner = await createFirstAdmin({
  store,
  name: "Coder A",
  email: "a@bench.example.org",
  password: PASSWORD,
});
await createProject({ store, slug: SLUG, title: "Bench", ownerId: owner.id });
const second = await createAccount({
  store,
  name: "Coder B",
  email: "b@bench.example.org",
  password: PASSWORD,
});
await addProjectMember({
  store,
  slug: SLUG,
  email: "b@bench.example.org",
  role: "researcher",
  addedBy: owner.id,
});
log(`importing ${posts} posts (${engine})`);
await importFiles({ store, slug: SLUG, files: [file], userId: owner.id });
const codes = await createCodes({
  store,
  slug: SLUG,
  userId: owner.id,
  codes: Array.from({ length: 8 }, (_, i) => ({ name: `Code ${i + 1}` })),
});
const { database, db, projectId } = await projectSql({ store, slug: SLUG });

const postRows = await db
  .selectFrom("posts")
  .select(["id", "text", "community_id", "member_id", "thread_id"])
  .where("project_id", "=", projectId)
  .orderBy("seq")
  .execute();
const codable = postRows.filter((row) => [...row.text].length >= 16);
const perCoder = Math.min(codable.length, Math.floor(codingsTarget / 2));
log(`${postRows.length} posts, ${codable.length} long enough; ${perCoder} coded by each coder`);

// Coder A codes post i with code i mod 8 on [0, 12). Coder B agrees on 8 in 10, picks another code on
// 1 in 10 and a span shifted by 2 on 1 in 10 (still 83% overlap, under the default 90%).
const started = performance.now();
const now = new Date().toISOString();
const rowsFor = (coder: "a" | "b", i: number) => {
  const post = codable[i];
  const points = [...post.text];
  const variant = coder === "a" ? 0 : i % 10;
  const code = codes[(i + (variant === 8 ? 1 : 0)) % codes.length];
  const start = variant === 9 ? 2 : 0;
  return {
    id: `bench-${coder}-${i}`,
    project_id: projectId,
    code_id: code.id,
    source_type: "post",
    source_id: post.id,
    start_cp: start,
    end_cp: start + 12,
    quote: points.slice(start, start + 12).join(""),
    coder_id: coder === "a" ? owner.id : second.id,
    created_at: now,
  };
};
for (let from = 0; from < perCoder; from += 2_000) {
  const rows: Array<ReturnType<typeof rowsFor>> = [];
  for (let i = from; i < Math.min(perCoder, from + 2_000); i++)
    rows.push(rowsFor("a", i), rowsFor("b", i));
  await inTransaction(database, async (trx) => {
    for (let at = 0; at < rows.length; at += 500)
      await trx
        .insertInto("codings")
        .values(rows.slice(at, at + 500))
        .execute();
  });
}
log(`${perCoder * 2} codings stored (${Math.round(performance.now() - started)} ms)`);

// Two themes citing passages, one community in scope, one member opted out (whose codings drop out).
for (const [n, themeCodes] of [
  [1, [codes[0], codes[1]]],
  [2, [codes[2], codes[3], codes[4]]],
] as const)
  await createTheme({
    store,
    slug: SLUG,
    userId: owner.id,
    name: `Theme ${n}`,
    statement: `What the coders saw under ${themeCodes.map((code) => code.name).join(", ")}.`,
    codeIds: themeCodes.map((code) => code.id),
    evidenceCodingIds: [`bench-a-${n}`, `bench-a-${n + 8}`, `bench-a-${n + 16}`],
    confidence: "medium",
  });
const communities = [...new Set(postRows.map((row) => row.community_id))];
await saveReportScope({ store, slug: SLUG, userId: owner.id, communityIds: [communities[0]] });
const active = new Map<string, number>();
for (const row of postRows)
  if (row.member_id) active.set(row.member_id, (active.get(row.member_id) ?? 0) + 1);
const [optedOut] = [...active].sort((a, b) => b[1] - a[1])[0];
await recordConsent({
  store,
  slug: SLUG,
  memberId: optedOut,
  status: "opted-out",
  userId: owner.id,
});
await closeAllSql();

const server = await startServer({ root, dataDir, databaseUrl });
const ready = async () => (await fetch(`${server.base}/login`)).ok;
for (let i = 0; i < 400 && !(await ready().catch(() => false)); i++)
  await new Promise((resolve) => setTimeout(resolve, 50));
const login = await fetch(`${server.base}/login`, {
  method: "POST",
  redirect: "manual",
  headers: { "content-type": "application/x-www-form-urlencoded", origin: server.base },
  body: new URLSearchParams({
    email: "a@bench.example.org",
    password: PASSWORD,
    redirectTo: "/projects",
  }),
});
const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0];
if (!cookie) throw new Error(`login failed: HTTP ${login.status}`);

const coders = `coder=${owner.id}&coder=${second.id}`;
const asset = await (async () => {
  const html = await (await fetch(`${server.base}/login`)).text();
  const match =
    /href="(\/build\/[^"]+\.css)"/.exec(html) ?? /src="(\/build\/[^"]+\.js)"/.exec(html);
  if (!match) throw new Error("no build asset found on the login page");
  return match[1];
})();
const pages = {
  "agreement per post": `/projects/${SLUG}/coding/analysis?${coders}&unit=post`,
  "agreement per segment": `/projects/${SLUG}/coding/analysis?${coders}&unit=segment`,
  "report & exports": `/projects/${SLUG}/reporting`,
  "report preview": `/projects/${SLUG}/reporting/report`,
  "relationship maps": `/projects/${SLUG}/reporting/maps`,
};
const floors = { "floor: static asset": asset, "floor: login page": "/login" };
const statuses: Record<string, number[]> = {};
const timed = (headers: Record<string, string>) => async (url: string) => {
  const result = await timedGet(`${server.base}${url}`, headers);
  (statuses[url] ??= []).push(result.status);
  return result.ms;
};
const sides = [
  ...Object.entries(pages).map(([name, url]) => ({
    name,
    run: () => timed({ cookie })(url),
  })),
  ...Object.entries(floors).map(([name, url]) => ({ name, run: () => timed({})(url) })),
];
// One warm-up pass (first views fill the per-revision caches), not recorded.
for (const side of sides) await side.run();
const results = await interleave(rounds, sides);

// A change, then the first view and a repeat view of each heavy page; the cheap page alone and beside the
// first view. The change alternates: a coding applied by coder A to a post it left uncoded, then removed.
const cheapUrl = `/projects/${SLUG}/collection/threads/${codable[codable.length - 1].thread_id}`;
const coded = new Set(codable.slice(0, perCoder).map((row) => row.id));
const spare =
  postRows.find(
    (row) => row.member_id !== optedOut && [...row.text].length >= 16 && !coded.has(row.id),
  ) ?? codable[0];
let applied: string | null = null;
const change = async () => {
  if (applied) {
    await removeCoding({ store, slug: SLUG, codingId: applied, userId: owner.id });
    applied = null;
  } else {
    const [coding] = await applyCode({
      store,
      slug: SLUG,
      span: { sourceType: "post", sourceId: spare.id, start: 0, end: 8 },
      codeIds: [codes[0].id],
      coderId: owner.id,
    });
    applied = coding.id;
  }
};
const cheapAlone = async () => {
  const times: number[] = [];
  for (let i = 0; i < 10; i++) times.push(await timed({ cookie })(cheapUrl));
  return times;
};
const afterChange: Record<
  string,
  { first: number[]; repeat: number[]; cheapBeside: number[]; cheapAlone: number[] }
> = {};
for (let round = 0; round < rounds; round++) {
  for (const [name, url] of Object.entries(pages)) {
    const entry = (afterChange[name] ??= {
      first: [],
      repeat: [],
      cheapBeside: [],
      cheapAlone: [],
    });
    entry.cheapAlone.push(...(await cheapAlone()));
    await change();
    let heavyDone = false;
    const heavy = timed({ cookie })(url).finally(() => (heavyDone = true));
    // Give the heavy request a head start so the cheap ones arrive while it computes.
    await new Promise((resolve) => setTimeout(resolve, 20));
    while (!heavyDone) entry.cheapBeside.push(await timed({ cookie })(cheapUrl));
    entry.first.push(await heavy);
    entry.repeat.push(await timed({ cookie })(url));
  }
}
if (applied) await change();
// --dump DIR: each heavy page's loader data (Remix's .data form) as it stands after the rounds, to compare
// two builds' results on the same project.
const dump = argString("--dump", "");
if (dump) {
  await mkdir(dump, { recursive: true });
  for (const [name, url] of Object.entries(pages)) {
    const [pathname, search = ""] = url.split("?");
    const response = await fetch(`${server.base}${pathname}.data?${search}`, {
      headers: { cookie },
    });
    await writeFile(
      path.join(dump, `${name.replace(/[^a-z]+/g, "-")}.data`),
      await response.text(),
    );
  }
}
await closeAllSql();
await server.stop();
await pg?.stop();

const loginFloor = summarize(results["floor: login page"]);
const summary = Object.fromEntries(
  Object.entries(results).map(([name, values]) => {
    const stats = summarize(values);
    return [
      name,
      {
        ...stats,
        p95RatioToLoginFloor: ratio(stats.p95, loginFloor.p95),
        aimP95Under300: stats.p95 < 300,
      },
    ];
  }),
);
const bad = Object.entries(statuses).filter(([, codes]) => codes.some((code) => code !== 200));
const out = await writeResult(`analysis-${engine}`, {
  machine: machine(),
  engine,
  posts,
  codings: perCoder * 2,
  rounds,
  summary,
  afterChange: Object.fromEntries(
    Object.entries(afterChange).map(([name, entry]) => [
      name,
      {
        firstView: summarize(entry.first),
        repeatView: summarize(entry.repeat),
        cheapPageAlone: summarize(entry.cheapAlone),
        cheapPageBesideFirstView: summarize(entry.cheapBeside),
      },
    ]),
  ),
  non200: bad,
});
for (const [name, stats] of Object.entries(summary))
  log(`${name}: median ${Math.round(stats.median)} ms, p95 ${Math.round(stats.p95)} ms`);
for (const [name, entry] of Object.entries(afterChange)) {
  const [first, repeat, alone, beside] = [
    entry.first,
    entry.repeat,
    entry.cheapAlone,
    entry.cheapBeside,
  ].map(summarize);
  log(
    `${name} after a change: first view median ${Math.round(first.median)} ms, repeat view median ` +
      `${Math.round(repeat.median)} ms; thread page alone median ${Math.round(alone.median)} / p95 ` +
      `${Math.round(alone.p95)} ms, beside the first view median ${Math.round(beside.median)} / p95 ` +
      `${Math.round(beside.p95)} ms (n ${beside.n})`,
  );
}
if (bad.length > 0) log(`pages that did not answer 200: ${JSON.stringify(bad)}`);
log(`results in ${out}`);
