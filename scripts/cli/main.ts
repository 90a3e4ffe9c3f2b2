import { Command, CommanderError } from "commander";
import { closeAllSql, getStore } from "../../research/store/index.js";
import { ensureUpgraded } from "../../research/upgrade/index.js";
import { registerExportCommands } from "./exchange-commands.js";
import { registerImportCommands } from "./import-commands.js";
import { registerMemberCommands } from "./member-commands.js";
import { registerMigrateCommand } from "./migrate-command.js";
import { registerNlpCommands } from "./nlp-commands.js";
import { registerProjectCommands } from "./project-commands.js";
import { registerSearchCommands } from "./search-commands.js";
import { recordOwnJobOutcome } from "../../research/shared/background-jobs.js";
import { EXIT, lastPrintedJson, reportError } from "./output.js";

/** Builds the netno program; commands are registered by capability so each file stays small. */
export function buildProgram(): Command {
  const program = new Command("netno")
    .description(
      "Netnography Workbench command line. Data directory: NETNO_DATA_DIR (default ./data); " +
        "with NETNO_DATABASE_URL=postgres://... documents and tables live in PostgreSQL, as for the server.",
    )
    .showHelpAfterError("(run netno --help for usage)")
    .exitOverride();
  // getStore reads NETNO_DATA_DIR and NETNO_DATABASE_URL exactly as the web server does.
  const store = () => getStore();
  // A data directory of the release before the tables is upgraded before any command uses it, as the
  // server does at start (`netno migrate` does it explicitly and prints the report).
  program.hook("preAction", async (_program, command) => {
    if (command.name() !== "migrate") await ensureUpgraded(store());
  });
  registerProjectCommands(program, store);
  registerImportCommands(program, store);
  registerExportCommands(program, store);
  registerMemberCommands(program, store);
  registerNlpCommands(program, store);
  registerMigrateCommand(program, store);
  registerSearchCommands(program, store);
  return program;
}

/** Runs the CLI and returns its exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  if (argv.length === 0) {
    program.outputHelp({ error: true });
    return EXIT.usage;
  }
  try {
    await program.parseAsync(argv, { from: "user" });
    const code = typeof process.exitCode === "number" ? process.exitCode : EXIT.ok;
    if (code === EXIT.ok) await recordOwnJobOutcome(getStore(), lastPrintedJson());
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are not errors; everything else commander rejects is bad usage.
      const notErrors = ["commander.helpDisplayed", "commander.version", "commander.help"];
      return notErrors.includes(error.code) ? EXIT.ok : EXIT.usage;
    }
    return reportError(error);
  } finally {
    // Open database connections (a PostgreSQL pool) would keep the process alive after the command.
    await closeAllSql().catch(() => undefined);
  }
}
