import { marked } from "marked";
import sanitizeHtml from "sanitize-html";
import { networkToSvg } from "../analysis/networks.js";
import type { CloakedQuote } from "./cloaking.js";
import type { ReportData } from "./report-data.js";

const RESPONSE_LABELS: Record<string, string> = {
  answer: "Answer (reactive)",
  fix: "Fix (reactive)",
  escalate: "Escalate (reactive)",
  "change-product": "Change a product (proactive)",
  "change-process": "Change a process (proactive)",
  "change-message": "Change a message (proactive)",
};
/**
 * Escapes what Markdown would read as markup, and nothing else: emphasis, code, links, HTML and table
 * cells inline; headings, quotes, lists and numbered lists only where a line starts with them. Escaping
 * every punctuation mark left "\(" and "\!" all over the exported findings.
 */
export const escapeMarkdown = (text: string) =>
  text
    .replace(/([\\`*[\]<])/g, "\\$1")
    // An underscore inside a word (snake_case, a URL's path) is never emphasis in CommonMark.
    .replace(/_/g, (underscore, at: number, whole: string) =>
      /[\p{L}\p{N}]/u.test(whole[at - 1] ?? "") && /[\p{L}\p{N}]/u.test(whole[at + 1] ?? "")
        ? underscore
        : "\\_",
    )
    .replace(
      /^([ \t]*)([#>+-]|\d+[.)])(?=[ \t]|$)/gm,
      (_, indent: string, marker: string) =>
        `${indent}${marker.replace(/^(\d+)([.)])$/, "$1\\$2").replace(/^([#>+-])$/, "\\$1")}`,
    );
const md = escapeMarkdown;
/** A table cell: a bare | would end the cell, so it is escaped there (and only there). */
export const escapeTableCell = (text: string) => escapeMarkdown(text).replace(/\|/g, "\\|");
const cell = escapeTableCell;
/** A field typed as a sentence ends the sentence it is put in: its own final full stop is dropped. */
const clause = (text: string) => text.trim().replace(/[.\s]+$/, "");

function quoteMarkdown(quote: CloakedQuote): string {
  if (quote.text === null) return `- *[${quote.ref}] quote withheld: ${quote.note}*`;
  const flag = quote.searchable && !quote.searchTested ? " ⚠ searchable verbatim quote" : "";
  return `> ${md(quote.text).replace(/\n/g, "\n> ")}\n>\n> — ${md(quote.author)} [${quote.ref}${quote.treatment === "paraphrased" ? ", paraphrased" : ""}]${flag}`;
}

/** Which communities the report covers, and on what basis, in one plain sentence. */
export function describeScope(scope: ReportData["scope"]): string {
  const covered = `${scope.communities} ${scope.communities === 1 ? "community" : "communities"}`;
  const basis = {
    selected: `the ${covered} selected in community discovery`,
    chosen: `${covered} chosen by the researchers`,
    "not-rejected": `${covered}: every community not rejected in discovery (none was selected yet)`,
  }[scope.basis];
  const left = scope.leftOut
    ? ` ${scope.leftOut} other ${scope.leftOut === 1 ? "community" : "communities"} of the project ${scope.leftOut === 1 ? "is" : "are"} left out.`
    : "";
  return `This report covers ${basis}.${left}`;
}

const scopeSentence = (scope: ReportData["scope"]) => `*${describeScope(scope)}*`;

/** The report as Markdown (the in-app preview renders it with marked). */
export function reportToMarkdown(report: ReportData): string {
  const lines: string[] = [
    `# ${md(report.project.title)}`,
    "",
    `*Netnography report, ${report.generatedAt.slice(0, 10)}. Cloaking: ${report.cloakingLevel}.*`,
    "",
  ];
  if (!report.ethics.complete)
    lines.push(
      `> **Ethics plan incomplete.** Still missing: ${report.ethics.missing.join("; ")}.`,
      "",
    );
  lines.push(
    "## Objectives",
    "",
    ...report.objectives.questions.map(
      (q) => `- **${md(q.question)}**${q.rationale ? ` — ${md(q.rationale)}` : ""}`,
    ),
    "",
  );
  if (report.objectives.phenomenon) lines.push(md(report.objectives.phenomenon), "");
  lines.push(
    "## Communities",
    "",
    "| Community | Platform | Posts | Members |",
    "|---|---|---:|---:|",
    ...report.communities.map(
      (c) => `| ${cell(c.label)} | ${c.platform} | ${c.posts} | ${c.members} |`,
    ),
    "",
    scopeSentence(report.scope),
    "",
  );
  lines.push(
    "## Method and ethics",
    "",
    `${report.method.posts} posts in ${report.method.threads} threads by ${report.method.members} members were read; ${report.method.codings} segments were coded with ${report.method.codes} codes and grouped into ${report.method.themes} themes. Space: ${md(clause(report.ethics.space) || "not stated")}; consent: ${md(clause(report.ethics.consentApproach) || "not stated")}; ethics approval: ${md(clause(report.ethics.boardReference) || "not recorded")}. Members appear under pseudonyms; members who opted out do not appear.`,
    "",
  );
  lines.push("## Themes", "");
  for (const theme of report.themes) {
    lines.push(
      `### ${md(theme.name)} (confidence: ${theme.confidence})`,
      "",
      md(theme.statement),
      "",
      `*Codes: ${theme.codes.map(md).join(", ")}*`,
      "",
    );
    if (theme.evidence.length)
      lines.push("**Evidence**", "", ...theme.evidence.map(quoteMarkdown).flatMap((q) => [q, ""]));
    if (theme.counterEvidence.length)
      lines.push(
        "**Counter-evidence**",
        "",
        ...theme.counterEvidence.map(quoteMarkdown).flatMap((q) => [q, ""]),
      );
  }
  lines.push("## Engagement guidelines", "");
  for (const theme of report.themes) {
    const g = theme.guideline;
    lines.push(
      `### ${md(theme.name)}${g.priority ? ` — priority ${g.priority}` : ""}`,
      "",
      `- **Insight:** ${md(theme.statement)}`,
      `- **Touchpoint:** ${md(g.touchpoint || "—")}`,
      `- **What customers experience:** ${md(g.experience || "—")}`,
      `- **Response:** ${g.responses.map((r) => RESPONSE_LABELS[r]).join(", ") || "—"}${g.recommendation ? ` — ${md(g.recommendation)}` : ""}`,
      `- **Responsible:** ${md(g.responsible || "—")}; **involved:** ${md(g.involved || "—")}`,
      `- **Measure of success:** ${md(g.successMeasure || "—")}`,
      "",
    );
    if (g.impact.length)
      lines.push(
        "| Event to watch | Responsible | Involved |",
        "|---|---|---|",
        ...g.impact.map(
          (row) => `| ${cell(row.event)} | ${cell(row.responsible)} | ${cell(row.involved)} |`,
        ),
        "",
      );
  }
  lines.push(
    "## Limitations",
    "",
    md(report.limitations || "Not stated."),
    "",
    "## Self-assessment (Kozinets' criteria)",
    "",
    "| Criterion | Score | Note |",
    "|---|---:|---|",
    ...report.selfAssessment.map((s) => `| ${s.criterion} | ${s.score ?? "—"} | ${cell(s.note)} |`),
    "",
  );
  lines.push(
    "## Quote log",
    "",
    "| Quote | Theme | Treatment | Searchable | Search test |",
    "|---|---|---|---|---|",
    ...report.quoteLog.map(
      (q) =>
        `| ${q.ref} | ${cell(q.theme)} | ${q.treatment} | ${q.searchable ? "yes" : "no"} | ${q.searchTested ? "run" : q.searchable ? "not run" : "—"} |`,
    ),
    "",
  );
  return lines.join("\n");
}

const PRINT_CSS = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2430;max-width:860px;margin:2rem auto;padding:0 1rem;line-height:1.55}
h1{font-size:1.9rem}h2{border-bottom:2px solid #1f3550;padding-bottom:.2rem;margin-top:2.2rem}h3{margin-top:1.6rem}
blockquote{border-left:4px solid #2f5d8c;margin:.8rem 0;padding:.3rem .9rem;background:#f4f6f9}
table{border-collapse:collapse;width:100%;margin:.8rem 0}th,td{border:1px solid #d8dde6;padding:.35rem .5rem;text-align:left;vertical-align:top}
figure{margin:1rem 0}figcaption{font-size:.85rem;color:#5a6475}svg{width:100%;height:auto;border:1px solid #d8dde6}
.warning{border-left:4px solid #a3620a;background:#fff6e5;padding:.5rem .9rem}
@media print{body{margin:0;max-width:none}h2{break-before:page}h2:first-of-type{break-before:auto}figure,blockquote,table{break-inside:avoid}a{color:inherit;text-decoration:none}}
`;

/** A self-contained HTML report: inline CSS and SVG maps, print stylesheet for a browser's print to PDF. */
export function reportToHtml(report: ReportData): string {
  const body = sanitizeHtml(marked.parse(reportToMarkdown(report), { async: false, gfm: true }), {
    allowedTags: sanitizeHtml.defaults.allowedTags.concat(["h1", "h2"]),
    allowedAttributes: { a: ["href"], td: ["align"], th: ["align"] },
    allowedSchemes: ["https"],
  });
  const maps = [
    report.maps.themes,
    report.maps.codes,
    ...(report.maps.members ? [report.maps.members] : []),
  ]
    .filter((network) => network.nodes.length > 0)
    .map(
      (network) =>
        `<figure>${networkToSvg(network)}<figcaption>${network.title}: ${network.nodes.length} nodes, ${network.edges.length} links.</figcaption></figure>`,
    )
    .join("\n");
  const withMaps = body.replace(
    /<h2>Engagement guidelines<\/h2>/,
    `<h2>Maps</h2>\n${maps}\n<h2>Engagement guidelines</h2>`,
  );
  const title = report.project.title.replace(/[<>&"]/g, "");
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title><style>${PRINT_CSS}</style></head><body>\n${withMaps}\n</body></html>\n`;
}

/** The JSON export: the report data itself (schema "netnography-workbench/report@1", documented in docs/report-json.md). */
export function reportToJson(report: ReportData): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
