import he from "he";
import { Parser } from "htmlparser2";
import sanitizeHtml from "sanitize-html";

/**
 * Imported HTML is cleaned on the way in: formatting, links and quotes stay; scripts, event handlers,
 * styles, iframes and `javascript:` URLs go. Links open safely and carry no referrer.
 */
export function sanitizeImportedHtml(html: string): string {
  return sanitizeHtml(html, {
    allowedTags: [
      "p", "br", "a", "b", "strong", "i", "em", "u", "s", "del", "code", "pre", "blockquote", "ul", "ol", "li",
      "h1", "h2", "h3", "h4", "h5", "h6", "hr", "span", "sup", "sub", "table", "thead", "tbody", "tr", "th", "td", "aside", "details", "summary",
    ],
    allowedAttributes: { a: ["href", "title"], span: ["class"], code: ["class"] },
    allowedSchemes: ["http", "https", "mailto"],
    allowProtocolRelative: false,
    transformTags: { a: sanitizeHtml.simpleTransform("a", { rel: "nofollow noopener noreferrer", target: "_blank" }) },
    allowedClasses: { span: ["mention", "hashtag", "h-card"], code: ["lang-*", "language-*"] },
  });
}

const BLOCK_TAGS = new Set(["p", "div", "blockquote", "pre", "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "tr", "hr", "aside", "details", "summary", "section", "article", "header", "footer", "figure"]);
const SKIPPED_TAGS = new Set(["script", "style", "template", "noscript", "img"]);

/**
 * Plain text of HTML, with paragraphs and line breaks kept: codings' offsets count into this text.
 * A streaming parse (htmlparser2, which also decodes entities) keeps imports fast on large corpora.
 */
export function htmlToPlainText(html: string): string {
  let out = "";
  let skipping = 0;
  const newline = (count: number) => {
    const trailing = /\n*$/.exec(out)?.[0].length ?? 0;
    if (out.length > 0 && trailing < count) out += "\n".repeat(count - trailing);
  };
  const parser = new Parser(
    {
      onopentag(name) {
        if (SKIPPED_TAGS.has(name)) skipping++;
        else if (name === "br") out += "\n";
        else if (name === "li") newline(1);
        else if (name === "td" || name === "th") out += out.endsWith("\n") || out === "" ? "" : "\t";
        else if (BLOCK_TAGS.has(name)) newline(name === "tr" ? 1 : 2);
      },
      ontext(text) {
        if (skipping === 0) out += text.replace(/[ \t\r\n]+/g, " ");
      },
      onclosetag(name) {
        if (SKIPPED_TAGS.has(name)) skipping = Math.max(0, skipping - 1);
        else if (name === "li" || name === "tr") newline(1);
        else if (BLOCK_TAGS.has(name)) newline(2);
      },
    },
    { decodeEntities: true },
  );
  parser.write(html);
  parser.end();
  return out
    .split("\n")
    .map((line) => line.trim())
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

/** Decodes entities in text that platforms send HTML-escaped (Reddit `&amp;`, `&gt;`). */
export function decodeEntities(text: string): string {
  return text.includes("&") ? he.decode(text) : text;
}

/** Normalises line endings and Unicode so offsets are stable across platforms. */
export function normalizeText(text: string): string {
  const lines = text.includes("\r") ? text.replace(/\r\n?/g, "\n") : text;
  // Pure ASCII is already in NFC: skip the normalisation pass, which dominates on large imports.
  return (/[^\x00-\x7f]/.test(lines) ? lines.normalize("NFC") : lines).trim();
}
