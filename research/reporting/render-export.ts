import { networkToCsv, networkToGexf, networkToGraphml } from "../analysis/networks.js";
import { exportCodebook, exportProject } from "../exchange/export-refi.js";
import type { DocumentStore } from "../store/index.js";
import { reportToHtml, reportToJson, reportToMarkdown } from "./exports.js";
import { buildReportData, type ReportData, type ReportQuote } from "./report-data.js";

export const EXPORT_FORMATS = [
  "html",
  "md",
  "json",
  "gexf",
  "graphml",
  "csv",
  "qdc",
  "qdpx",
] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
export type NetworkChoice = "members" | "codes" | "themes";

export const EXPORT_TYPES: Record<ExportFormat, { mime: string; extension: string }> = {
  html: { mime: "text/html; charset=utf-8", extension: "html" },
  md: { mime: "text/markdown; charset=utf-8", extension: "md" },
  json: { mime: "application/json", extension: "json" },
  gexf: { mime: "application/gexf+xml", extension: "gexf" },
  graphml: { mime: "application/graphml+xml", extension: "graphml" },
  csv: { mime: "text/csv; charset=utf-8", extension: "csv" },
  qdc: { mime: "application/xml", extension: "qdc" },
  qdpx: { mime: "application/zip", extension: "qdpx" },
};

/** Renders one export. Every report and network export goes through the same cloaking and opt-out filter. */
export async function renderExport({
  store,
  slug,
  format,
  network = "members",
}: {
  store: DocumentStore;
  slug: string;
  format: ExportFormat;
  network?: NetworkChoice;
}): Promise<string | Uint8Array> {
  if (format === "qdc") return exportCodebook({ store, slug });
  if (format === "qdpx") return exportProject({ store, slug });
  // The report caps its member map at 300 for readability; a network export carries up to 2,000 members.
  const report = withoutSearchLinks(
    await buildReportData({
      store,
      slug,
      memberNetworkLimit: format === "html" || format === "md" || format === "json" ? 300 : 2000,
    }),
  );
  if (format === "html") return reportToHtml(report);
  if (format === "md") return reportToMarkdown(report);
  if (format === "json") return reportToJson(report);
  const chosen =
    network === "codes"
      ? report.maps.codes
      : network === "themes"
        ? report.maps.themes
        : report.maps.members;
  if (!chosen) throw new Error("No network to export.");
  return format === "gexf"
    ? networkToGexf(chosen)
    : format === "graphml"
      ? networkToGraphml(chosen)
      : networkToCsv(chosen);
}

/**
 * A search link carries the verbatim quote in its URL: a reader who clicks it sends the member's words to
 * a search engine. The search test belongs to the researcher's quote log on the reporting page, never to
 * a file that leaves the workbench.
 */
function withoutSearchLinks(report: ReportData): ReportData {
  const unlinked = (quote: ReportQuote): ReportQuote => ({ ...quote, searchUrl: null });
  return {
    ...report,
    themes: report.themes.map((theme) => ({
      ...theme,
      evidence: theme.evidence.map(unlinked),
      counterEvidence: theme.counterEvidence.map(unlinked),
    })),
    quoteLog: report.quoteLog.map((entry) => ({ ...entry, searchUrl: null })),
  };
}
