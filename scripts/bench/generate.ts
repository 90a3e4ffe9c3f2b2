// Generates a Reddit-style (Arctic Shift) NDJSON dump of submissions and nested comments for benchmarks:
// real-shaped records, English text drawn from a vocabulary of real mailing-list words.
import { createWriteStream, existsSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

const FALLBACK =
  "the van battery solar panel charge controller inverter fridge water pump roof fan insulation wool foam build repair fix broke died works night day morning road trip camp site rules quiet hours fuel price engine tire rust wheel arch weld bolt fuse wire cable amp volt watt lithium lead acid gel shunt monitor meter gauge".split(
    " ",
  );

/** The shared data folder next to the repository, found from this file (not the working directory). */
const SHARED_DATA = path.resolve(
  path.dirname(new URL(import.meta.url).pathname),
  "../../../shared/data",
);

function vocabulary(): string[] {
  const mbox = path.join(SHARED_DATA, "mbox-spamassassin-ham/hard-ham-1.mbox");
  if (!existsSync(mbox)) {
    // Benchmarks on a 60-word vocabulary measure a different corpus: say so rather than fall back silently.
    console.warn(`generate: ${mbox} is missing, so the text uses a 60-word vocabulary.`);
    return FALLBACK;
  }
  const words =
    readFileSync(mbox, "latin1")
      .toLowerCase()
      .match(/\b[a-z]{3,12}\b/g) ?? [];
  return [...new Set(words)].slice(0, 4000).concat(FALLBACK);
}

/** A deterministic pseudo-random generator, so every run benchmarks the same file. */
function random(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

export async function generateRedditDump(file: string, posts: number): Promise<void> {
  const words = vocabulary();
  const rand = random(42);
  const pick = <T>(items: T[]) => items[Math.floor(rand() * items.length)];
  // Real prose is about half function words (Zipf): mix them in so language detection and NLP see real-shaped text.
  const functionWords =
    "the the the and and a a to to of of in is it that i you for this with on be not are have but was as if or my so at can they we do".split(
      " ",
    );
  const sentence = () => {
    const length = 6 + Math.floor(rand() * 14);
    const text = Array.from({ length }, () =>
      rand() < 0.45 ? pick(functionWords) : pick(words),
    ).join(" ");
    return text.charAt(0).toUpperCase() + text.slice(1) + pick([".", ".", ".", "?", "!"]);
  };
  const body = () => Array.from({ length: 1 + Math.floor(rand() * 4) }, sentence).join(" ");
  const authors = Array.from(
    { length: Math.max(50, Math.floor(posts / 8)) },
    (_, i) => `user_${i.toString(36)}`,
  );
  const out = createWriteStream(file);
  let written = 0;
  let thread = 0;
  const base = 1_650_000_000;
  while (written < posts) {
    const submission = `s${(thread++).toString(36)}`;
    const created = base + thread * 600;
    const line = {
      id: submission,
      title: sentence(),
      selftext: body(),
      author: pick(authors),
      created_utc: created,
      subreddit: "vandwellers",
      permalink: `/r/vandwellers/comments/${submission}/x/`,
      num_comments: 0,
    };
    if (!out.write(`${JSON.stringify(line)}\n`))
      await new Promise<void>((resolve) => out.once("drain", () => resolve()));
    written++;
    const ids = [`t3_${submission}`];
    // What each post of the thread says first: replies quote it, as Reddit users do with "> ".
    const openings = new Map<string, string>([[ids[0], line.selftext.split(/(?<=[.?!]) /)[0]]]);
    const comments = Math.min(posts - written, Math.floor(rand() * 20));
    for (let c = 0; c < comments; c++) {
      const id = `c${written.toString(36)}`;
      const parent = rand() < 0.4 ? ids[0] : pick(ids);
      const own = body();
      const text = rand() < 0.15 ? `> ${openings.get(parent) ?? ""}\n\n${own}` : own;
      const comment = {
        id,
        parent_id: parent,
        link_id: `t3_${submission}`,
        author: rand() < 0.03 ? "[deleted]" : pick(authors),
        body: text,
        created_utc: created + c * 60,
        subreddit: "vandwellers",
        permalink: `/r/vandwellers/comments/${submission}/x/${id}/`,
        ...(rand() < 0.01 ? { _meta: { was_deleted_later: true } } : {}),
      };
      if (!out.write(`${JSON.stringify(comment)}\n`))
        await new Promise<void>((resolve) => out.once("drain", () => resolve()));
      ids.push(`t1_${id}`);
      openings.set(`t1_${id}`, own.split(/(?<=[.?!]) /)[0]);
      written++;
    }
  }
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
}

/**
 * The dump a benchmark reads: the file named as its first argument, else a generated one of `--posts N`
 * (100,000 by default) kept in the temporary folder for the next run.
 */
export async function benchmarkDump(
  argv: string[] = process.argv,
): Promise<{ file: string; posts: number }> {
  const postsArg = argv.indexOf("--posts");
  const posts = postsArg > 0 ? Number(argv[postsArg + 1]) : 100_000;
  const named = argv[2] && !argv[2].startsWith("--") ? argv[2] : "";
  if (named) return { file: named, posts };
  const file = path.join(os.tmpdir(), `netno-bench-reddit-${posts}.ndjson`);
  if (!existsSync(file)) {
    process.stderr.write(`Generating ${posts} posts into ${file}…\n`);
    await generateRedditDump(file, posts);
  }
  return { file, posts };
}

// Run directly (`npx tsx scripts/bench/generate.ts --posts 1000000`): makes the dump once and prints its path.
if (import.meta.url === `file://${process.argv[1]}`) {
  const { file } = await benchmarkDump();
  process.stdout.write(`${file}\n`);
}
