import { Option, type Command } from "commander";
import cliProgress from "cli-progress";
import { annotateProject, computeSuggestions } from "../../research/nlp/index.js";
import { requireProject } from "../../research/projects/index.js";
import type { DocumentStore } from "../../research/store/index.js";
import { printJson, UsageError } from "./output.js";

/** `netno annotate <slug>` and `netno suggest <slug> [--code NAME] [--limit N] --json`. */
export function registerNlpCommands(program: Command, store: () => DocumentStore): void {
  program
    .command("annotate <slug>")
    .description("annotate every post not annotated yet (sentences, sentiment, entities, key terms)")
    .option("--json", "print the report as JSON")
    .addOption(new Option("--progress-ndjson", "progress as JSON lines on stderr (web app)").hideHelp())
    .exitOverride()
    .action(async (slug: string, options: { json?: boolean; progressNdjson?: boolean }) => {
      await requireProject({ store: store(), slug });
      const bar = !options.progressNdjson && process.stderr.isTTY ? new cliProgress.SingleBar({ format: "Annotating [{bar}] {value}/{total} posts", stream: process.stderr, clearOnComplete: true }, cliProgress.Presets.shades_classic) : null;
      let started = false;
      const report = await annotateProject({
        store: store(), slug,
        onProgress: ({ done, total }) => {
          if (options.progressNdjson) process.stderr.write(`${JSON.stringify({ progress: { done, total, label: `${done} of ${total} posts` } })}\n`);
          else if (bar) {
            if (!started) bar.start(total, 0);
            started = true;
            bar.update(done);
          }
        },
      });
      bar?.stop();
      if (options.json || options.progressNdjson) printJson(report);
      else process.stdout.write(`Annotated ${report.annotated} posts (${report.tokens} tokens); ${report.alreadyAnnotated} already done; ${report.notEnglish} not in English, flagged.\n`);
    });

  program
    .command("suggest <slug>")
    .description("print pending coding suggestions, best first")
    .option("--code <name>", "only suggestions for this code")
    .option("--limit <n>", "at most this many suggestions", "100")
    .option("--json", "one JSON object per line: source, sourceName, start, end, code, score, reason")
    .exitOverride()
    .action(async (slug: string, options: { code?: string; limit: string; json?: boolean }) => {
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new UsageError("--limit takes a whole number above 0.");
      await requireProject({ store: store(), slug });
      const suggestions = await computeSuggestions({ store: store(), slug, codeName: options.code, limit });
      for (const s of suggestions) {
        if (options.json) printJson({ source: s.sourceId, sourceName: s.sourceName, start: s.start, end: s.end, code: s.codeName, score: s.score, reason: s.reason });
        else process.stdout.write(`${s.score.toFixed(3)}\t${s.codeName}\t${s.sourceName}[${s.start},${s.end})\t${s.reason}\n`);
      }
    });
}
