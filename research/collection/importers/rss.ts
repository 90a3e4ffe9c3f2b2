import { readFile } from "node:fs/promises";
import path from "node:path";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { ResearchError } from "../../shared/errors.js";
import { htmlToPlainText, normalizeText, sanitizeImportedHtml } from "./html.js";
import { isObject, toIsoDate } from "./read.js";
import type { ImportEvent, Importer } from "./types.js";

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@", textNodeName: "#text", removeNSPrefix: false, isArray: (name) => ["item", "entry", "link", "thr:in-reply-to", "author", "category"].includes(name) });

function text(value: unknown): string {
  if (typeof value === "string" || typeof value === "number") return String(value);
  if (isObject(value) && "#text" in value) return String(value["#text"]);
  return "";
}

/** Threads entries by RFC 4685 `thr:in-reply-to`; entries without it start their own thread. */
function rootFinder(parents: Map<string, string | null>) {
  return (id: string) => {
    let current = id;
    for (let hops = 0; hops < 10_000; hops++) {
      const parent = parents.get(current);
      if (!parent) return parent === null ? current : current;
      if (!parents.has(parent)) return parent;
      current = parent;
    }
    return current;
  };
}

type Entry = { id: string; parent: string | null; title: string; html: string | null; body: string; author: string | null; date: string | null; url: string | null };

export const rssImporter: Importer = {
  format: "rss",
  platform: "rss",
  label: "RSS 2.0 or Atom feed (threaded by thr:in-reply-to)",
  detect({ head }) {
    return /<rss[\s>]/.test(head) || /<feed[^>]*xmlns="http:\/\/www\.w3\.org\/2005\/Atom"/.test(head);
  },
  async *read(files) {
    for (const file of files) {
      const xml = (await readFile(file, "utf8")).replace(/^\uFEFF/, "");
      const valid = XMLValidator.validate(xml);
      if (valid !== true) {
        throw new ResearchError("import-failed", `${path.basename(file)} is not well-formed XML at line ${valid.err.line}: ${valid.err.msg}`, { file, line: valid.err.line });
      }
      const document = parser.parse(xml);
      const entries: Entry[] = [];
      let community = path.basename(file);
      if (isObject(document.rss) && isObject(document.rss.channel)) {
        const channel = document.rss.channel;
        community = text(channel.title) || community;
        for (const item of (channel.item as unknown[]) ?? []) {
          if (!isObject(item)) continue;
          const link = Array.isArray(item.link) ? text(item.link[0]) : text(item.link);
          const id = text(item.guid) || link || text(item.title);
          const htmlSource = text(item["content:encoded"]) || text(item.description);
          const html = htmlSource ? sanitizeImportedHtml(htmlSource) : null;
          const reply = Array.isArray(item["thr:in-reply-to"]) && isObject(item["thr:in-reply-to"][0]) ? String(item["thr:in-reply-to"][0]["@ref"] ?? "") : "";
          entries.push({ id, parent: reply || null, title: text(item.title), html, body: html ? htmlToPlainText(html) : "", author: text(item["dc:creator"]) || text(Array.isArray(item.author) ? item.author[0] : item.author) || null, date: toIsoDate(text(item.pubDate) || text(item["dc:date"])), url: link || null });
        }
      } else if (isObject(document.feed)) {
        const feed = document.feed;
        community = text(feed.title) || community;
        for (const entry of (feed.entry as unknown[]) ?? []) {
          if (!isObject(entry)) continue;
          const links = Array.isArray(entry.link) ? entry.link.filter(isObject) : [];
          const alternate = links.find((link) => !link["@rel"] || link["@rel"] === "alternate");
          const content = entry.content ?? entry.summary;
          const type = isObject(content) ? String(content["@type"] ?? "text") : "text";
          const raw = text(content);
          const html = type === "html" || type === "xhtml" ? sanitizeImportedHtml(raw) : null;
          const reply = Array.isArray(entry["thr:in-reply-to"]) && isObject(entry["thr:in-reply-to"][0]) ? String(entry["thr:in-reply-to"][0]["@ref"] ?? "") : "";
          const author = Array.isArray(entry.author) && isObject(entry.author[0]) ? text(entry.author[0].name) : "";
          entries.push({ id: text(entry.id), parent: reply || null, title: text(entry.title), html, body: html ? htmlToPlainText(html) : raw, author: author || null, date: toIsoDate(text(entry.published) || text(entry.updated)), url: alternate ? String(alternate["@href"] ?? "") || null : null });
        }
      } else {
        yield { kind: "invalid", where: { file }, message: "Neither an RSS <channel> nor an Atom <feed>." };
        continue;
      }
      const rootOf = rootFinder(new Map(entries.map((entry) => [entry.id, entry.parent])));
      const titles = new Map(entries.map((entry) => [entry.id, entry.title]));
      for (const [index, entry] of entries.entries()) {
        if (!entry.id) {
          yield { kind: "invalid", where: { file, record: index, field: "id" }, message: "An entry has no id, guid or link." } satisfies ImportEvent;
          continue;
        }
        const root = rootOf(entry.id);
        const body = normalizeText(entry.body);
        yield {
          kind: "post",
          post: {
            sourceId: entry.id,
            threadSourceId: root,
            threadTitle: titles.get(root) || entry.title || null,
            parentSourceId: entry.parent,
            author: entry.author ? { handle: entry.author } : null,
            createdAt: entry.date,
            html: entry.html,
            text: entry.parent ? body : entry.title ? (body ? `${entry.title}\n\n${body}` : entry.title) : body,
            title: entry.title || null,
            url: entry.url,
            community,
          },
        };
      }
    }
  },
};
