import { writeFile } from "node:fs/promises";
import { Option, type Command } from "commander";
import { networkToCsv, networkToGexf, networkToGraphml } from "../../research/analysis/networks.js";
import { exportCodebook, exportProject } from "../../research/exchange/index.js";
import { buildReportData, reportToHtml, reportToJson, reportToMarkdown } from "../../research/reporting/index.js";
import { requireProject } from "../../research/projects/index.js";
import type { DocumentStore } from "../../research/store/index.js";
import { printJson } from "./output.js";

const FORMATS = ["html", "md", "json", "gexf", "graphml", "csv", "qdc", "qdpx"] as const;

/** `netno export <slug> --format html|md|json|gexf|graphml|csv|qdc|qdpx --out FILE`. */
export function registerExportCommands(program: Command, store: () => DocumentStore): void {
  program
    .command("export <slug>")
    .description("export the report (html, md, json), a network (gexf, graphml, csv edge list) or REFI-QDA (qdc, qdpx)")
    .addOption(new Option("--format <format>", "export format").choices([...FORMATS]).makeOptionMandatory())
    .addOption(new Option("--network <network>", "which network for gexf, graphml and csv").choices(["members", "codes", "themes"]).default("members"))
    .requiredOption("--out <file>", "where to write the export")
    .option("--json", "print a summary as JSON")
    .exitOverride()
    .action(async (slug: string, options: { format: (typeof FORMATS)[number]; network: "members" | "codes" | "themes"; out: string; json?: boolean }) => {
      await requireProject({ store: store(), slug });
      const content = await renderExport(store(), slug, options.format, options.network);
      await writeFile(options.out, content);
      const bytes = typeof content === "string" ? Buffer.byteLength(content) : content.byteLength;
      if (options.json) printJson({ format: options.format, out: options.out, bytes });
      else process.stdout.write(`Wrote ${options.out} (${bytes} bytes).\n`);
    });
}

/** Every export goes through the same report data, so the same cloaking and opt-out filter. */
async function renderExport(store: DocumentStore, slug: string, format: (typeof FORMATS)[number], network: "members" | "codes" | "themes"): Promise<string | Uint8Array> {
  if (format === "qdc") return exportCodebook({ store, slug });
  if (format === "qdpx") return exportProject({ store, slug });
  // The report caps its member map at 300 for readability; a network export carries up to 2,000 members.
  const report = await buildReportData({ store, slug, memberNetworkLimit: format === "html" || format === "md" || format === "json" ? 300 : 2000 });
  if (format === "html") return reportToHtml(report);
  if (format === "md") return reportToMarkdown(report);
  if (format === "json") return reportToJson(report);
  const chosen = network === "codes" ? report.maps.codes : network === "themes" ? report.maps.themes : report.maps.members;
  if (!chosen) throw new Error("No network to export.");
  return format === "gexf" ? networkToGexf(chosen) : format === "graphml" ? networkToGraphml(chosen) : networkToCsv(chosen);
}
