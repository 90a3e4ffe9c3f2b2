import { marked } from "marked";
import sanitizeHtml from "sanitize-html";

/** Renders Markdown written in the workbench (field notes, memos) and sanitizes the result on the way out. */
export function renderMarkdown(markdown: string): string {
  const html = marked.parse(markdown, { async: false, gfm: true, breaks: true });
  return sanitizeHtml(html, {
    allowedTags: sanitizeHtml.defaults.allowedTags.concat(["h1", "h2", "del", "input"]),
    allowedAttributes: { a: ["href", "title"], code: ["class"], input: ["type", "checked", "disabled"], ol: ["start"] },
    allowedSchemes: ["http", "https", "mailto"],
    transformTags: { a: sanitizeHtml.simpleTransform("a", { rel: "nofollow noopener noreferrer" }) },
  });
}
