import { writeFile } from "node:fs/promises";
import { Option, type Command } from "commander";
import { requireProject } from "../../research/projects/index.js";
import { EXPORT_FORMATS, renderExport, type ExportFormat, type NetworkChoice } from "../../research/reporting/index.js";
import type { DocumentStore } from "../../research/store/index.js";
import { printJson } from "./output.js";

/** `netno export <slug> --format html|md|json|gexf|graphml|csv|qdc|qdpx --out FILE`. */
export function registerExportCommands(program: Command, store: () => DocumentStore): void {
  program
    .command("export <slug>")
    .description("export the report (html, md, json), a network (gexf, graphml, csv edge list) or REFI-QDA (qdc, qdpx)")
    .addOption(new Option("--format <format>", "export format").choices([...EXPORT_FORMATS]).makeOptionMandatory())
    .addOption(new Option("--network <network>", "which network for gexf, graphml and csv").choices(["members", "codes", "themes"]).default("members"))
    .requiredOption("--out <file>", "where to write the export")
    .option("--json", "print a summary as JSON")
    .exitOverride()
    .action(async (slug: string, options: { format: ExportFormat; network: NetworkChoice; out: string; json?: boolean }) => {
      await requireProject({ store: store(), slug });
      const content = await renderExport({ store: store(), slug, format: options.format, network: options.network });
      await writeFile(options.out, content);
      const bytes = typeof content === "string" ? Buffer.byteLength(content) : content.byteLength;
      if (options.json) printJson({ format: options.format, out: options.out, bytes });
      else process.stdout.write(`Wrote ${options.out} (${bytes} bytes).\n`);
    });
}
