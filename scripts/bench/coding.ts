// Benchmark: applying a code on a 100k-post project. Reports the 50th and 95th percentile of the
// research-core command (in process) and of the server's action over HTTP (the real built app,
// single-fetch action request, one coder at a time and 4 concurrent). Aim: p95 under 30 ms.
// Usage: npx tsx scripts/bench/coding.ts [--posts 100000] [--requests 300]   (run `npm run build` first)
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createFirstAdmin } from "../../research/accounts/index.js";
import { applyCode, createCodes } from "../../research/coding/index.js";
import { importFiles, loadCorpus } from "../../research/collection/index.js";
import { createProject } from "../../research/projects/index.js";
import { getStore } from "../../research/store/index.js";
import { generateRedditDump } from "./generate.js";

const arg = (name: string, fallback: number) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : fallback);
const posts = arg("--posts", 100_000);
const requests = arg("--requests", 300);
const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))];

const file = path.join(os.tmpdir(), `netno-bench-reddit-${posts}.ndjson`);
if (!existsSync(file)) await generateRedditDump(file, posts);
const dataDir = await mkdtemp(path.join(os.tmpdir(), "bench-coding-"));
const store = getStore(dataDir);
const admin = await createFirstAdmin({ store, name: "Bench", email: "bench@example.org", password: "bench-password-1" });
await createProject({ store, slug: "bench", title: "Bench", ownerId: admin.id });
await importFiles({ store, slug: "bench", files: [file] });
const [code] = await createCodes({ store, slug: "bench", userId: admin.id, codes: [{ name: "Benchmark" }] });
const corpus = await loadCorpus({ store, slug: "bench" });
const sample = corpus.posts.filter((post) => [...post.text].length > 20).slice(0, requests * 2);

// In process: the research command alone.
const inProcess: number[] = [];
for (const post of sample.slice(0, requests)) {
  const started = performance.now();
  await applyCode({ store, slug: "bench", coderId: admin.id, codeIds: [code.id], span: { sourceType: "post", sourceId: post.id, start: 0, end: 10 } });
  inProcess.push(performance.now() - started);
}

// Over HTTP: the built app on loopback.
const port = 3300 + Math.floor(Math.random() * 500);
const server = spawn(process.execPath, [path.resolve("node_modules/@remix-run/serve/dist/cli.js"), path.resolve("build/index.js")], { env: { ...process.env, NETNO_DATA_DIR: dataDir, PORT: String(port), HOST: "127.0.0.1", NODE_ENV: "production" }, stdio: "ignore", detached: true });
const base = `http://127.0.0.1:${port}`;
for (let i = 0; i < 100; i++) {
  try {
    await fetch(`${base}/login`);
    break;
  } catch {
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
const login = await fetch(`${base}/login`, { method: "POST", redirect: "manual", headers: { "content-type": "application/x-www-form-urlencoded", origin: base }, body: new URLSearchParams({ email: "bench@example.org", password: "bench-password-1" }) });
const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0];
const post = async (target: (typeof sample)[number]) => {
  const started = performance.now();
  const response = await fetch(`${base}/projects/bench/coding/threads/${target.threadId}.data`, {
    method: "POST", headers: { cookie, origin: base, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ intent: "apply", sourceType: "post", sourceId: target.id, start: "2", end: "12", codeId: code.id }),
  });
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return performance.now() - started;
};
await post(sample[requests]); // warms the server's corpus cache
const sequential: number[] = [];
for (const target of sample.slice(requests + 1, requests * 2)) sequential.push(await post(target));
const concurrent: number[] = [];
const queue = sample.slice(0, requests);
await Promise.all(Array.from({ length: 4 }, async () => {
  for (let target = queue.shift(); target; target = queue.shift()) concurrent.push(await post(target));
}));
process.kill(-server.pid!);
const summary = (values: number[]) => ({ p50: +percentile(values, 0.5).toFixed(1), p95: +percentile(values, 0.95).toFixed(1), max: +Math.max(...values).toFixed(1) });
process.stdout.write(`${JSON.stringify({ posts: corpus.posts.length, requests, applyCodeInProcessMs: summary(inProcess), httpSequentialMs: summary(sequential), http4ConcurrentMs: summary(concurrent) }, null, 2)}\n`);
process.exit(0);
