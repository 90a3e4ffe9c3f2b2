// Benchmark: NLP annotation of 100k posts, in tokens per second, against the floor: wink-nlp's own
// readDoc over the same texts computing the same features (sentences, sentiment, entities, token types,
// stop words, normal forms) with nothing of ours around it. Texts are streamed, never all held.
// Usage: npx tsx scripts/bench/nlp.ts [file.ndjson] [--posts 100000]
import { spawnSync } from "node:child_process";
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { annotateText } from "../../research/nlp/annotate.js";
import { getNlp } from "../../research/nlp/wink.js";
import { benchmarkDump } from "./generate.js";

async function* texts(file: string, limit: number) {
  let count = 0;
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    if (!line) continue;
    const record = JSON.parse(line) as { body?: string; selftext?: string; title?: string };
    yield [record.title, record.body ?? record.selftext].filter(Boolean).join("\n\n");
    if (++count >= limit) return;
  }
}

async function floor(file: string, limit: number) {
  const nlp = getNlp();
  const its = nlp.its;
  let tokens = 0;
  const started = performance.now();
  for await (const text of texts(file, limit)) {
    const doc = nlp.readDoc(text);
    doc.sentences().out(its.sentiment);
    doc.sentences().out(its.span);
    doc.entities().out(its.detail);
    doc.tokens().out(its.type);
    doc.tokens().out(its.precedingSpaces);
    doc.tokens().out(its.normal);
    doc.tokens().out(its.stopWordFlag);
    tokens += doc.tokens().length();
  }
  return { ms: performance.now() - started, tokens };
}

async function ours(file: string, limit: number) {
  let tokens = 0;
  const started = performance.now();
  for await (const text of texts(file, limit)) tokens += annotateText(text).tokens;
  return { ms: performance.now() - started, tokens };
}

const mode = process.argv[2];
if (mode === "--floor" || mode === "--ours") {
  const result = await (mode === "--floor" ? floor : ours)(process.argv[3], Number(process.argv[4]));
  process.stdout.write(JSON.stringify({ ...result, peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024) }));
} else {
  const { file, posts } = await benchmarkDump();
  const run = (flag: string) => {
    const child = spawnSync(process.execPath, ["--import", "tsx", new URL(import.meta.url).pathname, flag, file, String(posts)], { encoding: "utf8" });
    if (child.status !== 0) throw new Error(child.stderr);
    return JSON.parse(child.stdout);
  };
  const f = run("--floor");
  const o = run("--ours");
  const floorRate = f.tokens / (f.ms / 1000);
  const oursRate = o.tokens / (o.ms / 1000);
  process.stdout.write(`${JSON.stringify({
    posts, tokens: o.tokens,
    floor: { seconds: +(f.ms / 1000).toFixed(2), tokensPerSecond: Math.round(floorRate), peakRssMb: f.peakRssMb },
    annotate: { seconds: +(o.ms / 1000).toFixed(2), tokensPerSecond: Math.round(oursRate), peakRssMb: o.peakRssMb },
    shareOfFloor: `${Math.round((oursRate / floorRate) * 100)}%`,
  }, null, 2)}\n`);
}
