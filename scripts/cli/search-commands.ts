// `netno search`: full-text search of a project's visible posts from the command line.
import type { Command } from "commander";
import { piecesText, searchProject } from "../../research/collection/index.js";
import type { DocumentStore } from "../../research/store/index.js";
import { UsageError } from "./output.js";

function parseLimit(value: string): number {
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
    throw new UsageError(`--limit takes a whole number from 1 to 500 (got "${value}").`);
  }
  return limit;
}

/**
 * `netno search <slug> <query>`: best matches first. With --json, one JSON line per post:
 * `{"post","sourceId","thread","score","snippet"}` (our post id, the platform's id, our thread id,
 * the engine's score, a plain-text snippet).
 */
export function registerSearchCommands(program: Command, store: () => DocumentStore): void {
  program
    .command("search <slug> <query...>")
    .description('search posts: words, "phrases", prefix*, AND / OR / NOT')
    .option("--limit <n>", "how many posts (1 to 500)", "20")
    .option("--json", "print JSON lines")
    .exitOverride()
    .action(async (slug: string, words: string[], options: { limit: string; json?: boolean }) => {
      const limit = parseLimit(options.limit);
      const result = await searchProject({
        store: store(),
        slug,
        query: words.join(" "),
        limit,
        includeNotes: false,
      });
      if (options.json) {
        const lines = result.hits.map((hit) =>
          JSON.stringify({
            post: hit.id,
            sourceId: hit.sourceId,
            thread: hit.threadId,
            score: hit.score,
            snippet: piecesText(hit.snippet),
          }),
        );
        if (lines.length > 0) process.stdout.write(`${lines.join("\n")}\n`);
        return;
      }
      const count = `${result.total.toLocaleString("en")}${result.totalCapped ? "+" : ""}`;
      process.stdout.write(`${count} matching post${result.total === 1 ? "" : "s"}\n`);
      for (const hit of result.hits) {
        const who = hit.pseudonym ?? "[deleted]";
        const text = hit.snippet
          .map((piece) => (piece.match ? `[${piece.text}]` : piece.text))
          .join("")
          .replace(/\s+/g, " ");
        process.stdout.write(`${hit.threadTitle} (${hit.communityName}) · ${who}\n  ${text}\n`);
      }
    });
}
