import { realpath, writeFile } from "node:fs/promises";
import path from "node:path";
import { Option, type Command } from "commander";
import { requireProject } from "../../research/projects/index.js";
import { EXPORT_FORMATS, renderExport, type ExportFormat, type NetworkChoice } from "../../research/reporting/index.js";
import type { DocumentStore } from "../../research/store/index.js";
import { UsageError, printJson } from "./output.js";

/** The path with every existing folder's symlinks resolved (the file itself may not exist yet). */
async function resolvedPath(target: string): Promise<string> {
  const absolute = path.resolve(target);
  try {
    return await realpath(absolute);
  } catch {
    const parent = path.dirname(absolute);
    if (parent === absolute) return absolute;
    return path.join(await resolvedPath(parent), path.basename(absolute));
  }
}

/** An export must never overwrite the workbench's own files (accounts, documents, the database). */
async function refuseInsideDataDirectory(out: string, dataDir: string): Promise<void> {
  const [target, root] = await Promise.all([resolvedPath(out), resolvedPath(dataDir)]);
  const relative = path.relative(root, target);
  if (relative === "" || (!relative.startsWith("..") && !path.isAbsolute(relative))) {
    throw new UsageError(
      `--out ${out} is inside the data directory ${dataDir}; write the export somewhere else.`,
    );
  }
}

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
      await refuseInsideDataDirectory(options.out, store().root);
      const content = await renderExport({ store: store(), slug, format: options.format, network: options.network });
      await writeFile(options.out, content);
      const bytes = typeof content === "string" ? Buffer.byteLength(content) : content.byteLength;
      if (options.json) printJson({ format: options.format, out: options.out, bytes });
      else process.stdout.write(`Wrote ${options.out} (${bytes} bytes).\n`);
    });
}
