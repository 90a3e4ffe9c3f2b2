import type { Command } from "commander";
import { sqlFor, type DocumentStore } from "../../research/store/index.js";
import { upgradeDataDirectory, type UpgradeReport } from "../../research/upgrade/index.js";
import { printJson } from "./output.js";

/** `netno migrate [--json]`: brings the data directory (or the PostgreSQL database) to the current schema. */
export function registerMigrateCommand(program: Command, store: () => DocumentStore): void {
  program
    .command("migrate")
    .description(
      "upgrade the data directory (or the database named by NETNO_DATABASE_URL) to the current schema; " +
        "the old files are kept in a backup folder, and running it again changes nothing",
    )
    .option("--json", "print the upgrade report as one JSON object")
    .exitOverride()
    .action(async (options: { json?: boolean }) => {
      // Opening the database applies its schema migrations; the upgrade then moves old files into it.
      await sqlFor(store());
      const report = await upgradeDataDirectory({
        store: store(),
        // Progress goes to stderr, so stdout holds only the report.
        onProgress: (progress) => {
          if (!options.json && process.stderr.isTTY) {
            process.stderr.write(
              `${progress.project}: ${progress.stage} (${progress.posts} posts)\n`,
            );
          }
        },
      });
      if (options.json) printJson(report);
      else process.stdout.write(describeReport(report));
    });
}

function describeReport(report: UpgradeReport): string {
  if (report.projects === 0 && report.documents === 0) {
    return "The data directory is up to date: nothing to upgrade.\n";
  }
  const rows = `${report.posts} posts, ${report.members} members, ${report.codings} codings`;
  const lines = [`Upgraded ${report.projects} project(s): ${rows}.`];
  if (report.documents > 0) lines.push(`Copied ${report.documents} document(s) into PostgreSQL.`);
  if (report.backup) lines.push(`The old files are in ${report.backup}.`);
  for (const note of report.notes) lines.push(`Note: ${note}`);
  return `${lines.join("\n")}\n`;
}
