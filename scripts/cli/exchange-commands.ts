import { writeFile } from "node:fs/promises";
import { Option, type Command } from "commander";
import { exportCodebook, exportProject } from "../../research/exchange/index.js";
import { requireProject } from "../../research/projects/index.js";
import type { DocumentStore } from "../../research/store/index.js";
import { printJson } from "./output.js";

/** `netno export <slug> --format qdc|qdpx --out FILE`. */
export function registerExportCommands(program: Command, store: () => DocumentStore): void {
  program
    .command("export <slug>")
    .description("export the codebook (.qdc) or the whole project (.qdpx) in the REFI-QDA standard")
    .addOption(new Option("--format <format>", "export format").choices(["qdc", "qdpx"]).makeOptionMandatory())
    .requiredOption("--out <file>", "where to write the export")
    .option("--json", "print a summary as JSON")
    .exitOverride()
    .action(async (slug: string, options: { format: "qdc" | "qdpx"; out: string; json?: boolean }) => {
      await requireProject({ store: store(), slug });
      const content = options.format === "qdc" ? await exportCodebook({ store: store(), slug }) : await exportProject({ store: store(), slug });
      await writeFile(options.out, content);
      const bytes = typeof content === "string" ? Buffer.byteLength(content) : content.byteLength;
      if (options.json) printJson({ format: options.format, out: options.out, bytes });
      else process.stdout.write(`Wrote ${options.out} (${bytes} bytes).\n`);
    });
}
