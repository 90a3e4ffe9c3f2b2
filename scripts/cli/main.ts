import { Command, CommanderError } from "commander";
import { getStore } from "../../research/store/index.js";
import { registerExportCommands } from "./exchange-commands.js";
import { registerImportCommands } from "./import-commands.js";
import { registerMemberCommands } from "./member-commands.js";
import { registerNlpCommands } from "./nlp-commands.js";
import { registerProjectCommands } from "./project-commands.js";
import { EXIT, reportError } from "./output.js";

/** Builds the netno program; commands are registered by capability so each file stays small. */
export function buildProgram(): Command {
  const program = new Command("netno")
    .description("Netnography Workbench command line. Data directory: NETNO_DATA_DIR (default ./data).")
    .showHelpAfterError("(run netno --help for usage)")
    .exitOverride();
  const store = () => getStore();
  registerProjectCommands(program, store);
  registerImportCommands(program, store);
  registerExportCommands(program, store);
  registerMemberCommands(program, store);
  registerNlpCommands(program, store);
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
    return typeof process.exitCode === "number" ? process.exitCode : EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are not errors; everything else commander rejects is bad usage.
      if (error.code === "commander.helpDisplayed" || error.code === "commander.version" || error.code === "commander.help") return EXIT.ok;
      return EXIT.usage;
    }
    return reportError(error);
  }
}
