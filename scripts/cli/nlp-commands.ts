import { Option, type Command } from "commander";
import cliProgress from "cli-progress";
import { annotateProject, computeSuggestions, runSuggestions } from "../../research/nlp/index.js";
import { requireProject } from "../../research/projects/index.js";
import type { DocumentStore } from "../../research/store/index.js";
import { printJson, UsageError } from "./output.js";

type Progress = { done: number; total: number; label: string };

/**
 * Progress for a terminal (a bar on stderr) or for the web app (`--progress-ndjson`: JSON lines on
 * stderr, at most every 200 ms; the web server stores them as the job's progress).
 */
function progressReporter(ndjson: boolean | undefined, format: string) {
  const bar =
    !ndjson && process.stderr.isTTY
      ? new cliProgress.SingleBar(
          { format, stream: process.stderr, clearOnComplete: true },
          cliProgress.Presets.shades_classic,
        )
      : null;
  let started = false;
  let lastLine = 0;
  return {
    update(progress: Progress) {
      if (ndjson) {
        const now = Date.now();
        if (now - lastLine < 200 && progress.done < progress.total) return;
        lastLine = now;
        process.stderr.write(`${JSON.stringify({ progress })}\n`);
      } else if (bar) {
        if (!started) bar.start(progress.total, 0, { label: progress.label });
        started = true;
        bar.setTotal(progress.total);
        bar.update(progress.done, { label: progress.label });
      }
    },
    stop() {
      bar?.stop();
    },
  };
}

/**
 * `netno annotate <slug>`, `netno suggest <slug> [--code NAME] [--limit N] --json`, and the hidden
 * `netno suggest-run <slug>` the web app starts as a background job to store a run of suggestions.
 */
export function registerNlpCommands(program: Command, store: () => DocumentStore): void {
  program
    .command("annotate <slug>")
    .description(
      "annotate every post not annotated yet (sentences, sentiment, entities, key terms)",
    )
    .option("--json", "print the report as JSON")
    .addOption(
      new Option("--progress-ndjson", "progress as JSON lines on stderr (web app)").hideHelp(),
    )
    .exitOverride()
    .action(async (slug: string, options: { json?: boolean; progressNdjson?: boolean }) => {
      await requireProject({ store: store(), slug });
      const progress = progressReporter(
        options.progressNdjson,
        "Annotating [{bar}] {value}/{total} posts",
      );
      const report = await annotateProject({
        store: store(),
        slug,
        onProgress: ({ done, total }) =>
          progress.update({ done, total, label: `${done} of ${total} posts` }),
      });
      progress.stop();
      if (options.json || options.progressNdjson) printJson(report);
      else {
        process.stdout.write(
          `Annotated ${report.annotated} posts (${report.tokens} tokens); ${report.alreadyAnnotated} already done; ` +
            `${report.notEnglish} not in English, flagged.\n`,
        );
      }
    });

  program
    .command("suggest <slug>")
    .description("print pending coding suggestions, best first")
    .option("--code <name>", "only suggestions for this code")
    .option("--limit <n>", "at most this many suggestions", "100")
    .option(
      "--json",
      "one JSON object per line: source, sourceName, start, end, code, score, reason",
    )
    .exitOverride()
    .action(async (slug: string, options: { code?: string; limit: string; json?: boolean }) => {
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1)
        throw new UsageError("--limit takes a whole number above 0.");
      await requireProject({ store: store(), slug });
      // Computed now from the current corpus, codings and decisions, so the answer is never stale.
      const suggestions = await computeSuggestions({
        store: store(),
        slug,
        codeName: options.code,
        limit,
      });
      for (const s of suggestions) {
        if (options.json) {
          printJson({
            source: s.sourceId,
            sourceName: s.sourceName,
            start: s.start,
            end: s.end,
            code: s.codeName,
            score: s.score,
            reason: s.reason,
          });
        } else {
          process.stdout.write(
            `${s.score.toFixed(3)}\t${s.codeName}\t${s.sourceName}[${s.start},${s.end})\t${s.reason}\n`,
          );
        }
      }
    });

  program
    .command("suggest-run <slug>", { hidden: true })
    .description(
      "compute suggestions for every code and store them for the Suggestions page (web app)",
    )
    .addOption(
      new Option("--progress-ndjson", "progress as JSON lines on stderr (web app)").hideHelp(),
    )
    .exitOverride()
    .action(async (slug: string, options: { progressNdjson?: boolean }) => {
      await requireProject({ store: store(), slug });
      const progress = progressReporter(options.progressNdjson, "{label} [{bar}]");
      const report = await runSuggestions({
        store: store(),
        slug,
        onProgress: (p) => progress.update(p),
      });
      progress.stop();
      printJson(report);
    });
}
