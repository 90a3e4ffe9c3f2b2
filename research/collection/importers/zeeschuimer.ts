import { z } from "zod";
import he from "he";
import { htmlToPlainText, normalizeText, sanitizeImportedHtml } from "./html.js";
import { isObject, readNdjson, toIsoDate } from "./read.js";
import { checkRecord } from "./record.js";
import type { ImportedPost, Importer } from "./types.js";

const Envelope = z.object({
  item_id: z.union([z.string(), z.number()]).transform(String),
  source_platform: z.string(),
  source_platform_url: z.string().optional(),
  timestamp_collected: z.union([z.number(), z.string()]),
  data: z.record(z.string(), z.unknown()),
}).loose();

type Extracted = Omit<ImportedPost, "community"> | null;

const get = (value: unknown, ...keys: string[]): unknown => keys.reduce<unknown>((current, key) => (isObject(current) ? current[key] : undefined), value);
const str = (value: unknown) => (typeof value === "string" ? value : typeof value === "number" ? String(value) : "");
/** Plain text as the platforms send it: X and LinkedIn escape `&`, `<` and `>` as HTML entities. */
const plain = (value: unknown) => normalizeText(he.decode(str(value)));

/** Pulls author and text out of the platform payloads Zeeschuimer captures; other payloads are reported. */
function extract(platform: string, id: string, data: Record<string, unknown>): Extracted {
  const base = { sourceId: id, html: null as string | null, url: null as string | null, parentSourceId: null as string | null, threadSourceId: id };
  if (platform.includes("tiktok")) {
    const handle = str(get(data, "author", "uniqueId")) || str(data.author);
    return handle ? { ...base, author: { handle, displayName: str(get(data, "author", "nickname")) || null }, createdAt: toIsoDate(data.createTime), text: plain(data.desc), url: `https://www.tiktok.com/@${handle}/video/${id}` } : null;
  }
  if (platform.includes("instagram")) {
    const handle = str(get(data, "user", "username")) || str(get(data, "owner", "username"));
    const caption = str(get(data, "caption", "text")) || str(get(data, "edge_media_to_caption", "edges", "0", "node", "text"));
    return handle ? { ...base, author: { handle }, createdAt: toIsoDate(data.taken_at ?? data.taken_at_timestamp), text: normalizeText(he.decode(caption)), url: data.code ? `https://www.instagram.com/p/${str(data.code)}/` : null } : null;
  }
  if (platform.includes("threads")) {
    const post = isObject(data.post) ? data.post : data;
    const handle = str(get(post, "user", "username"));
    return handle ? { ...base, author: { handle }, createdAt: toIsoDate(post.taken_at), text: plain(get(post, "caption", "text")) } : null;
  }
  if (platform.includes("twitter") || platform === "x.com") {
    const legacy = get(data, "legacy");
    const handle = str(get(data, "core", "user_results", "result", "legacy", "screen_name")) || str(get(data, "core", "user_results", "result", "core", "screen_name"));
    if (!handle || !isObject(legacy)) return null;
    return {
      ...base,
      threadSourceId: str(legacy.conversation_id_str) || id,
      parentSourceId: str(legacy.in_reply_to_status_id_str) || null,
      author: { handle },
      createdAt: toIsoDate(legacy.created_at),
      text: plain(legacy.full_text),
      url: `https://x.com/${handle}/status/${id}`,
    };
  }
  if (platform.includes("linkedin")) {
    // Voyager feed updates: the author is the actor, their handle the /in/<name> of their profile link.
    const target = str(get(data, "actor", "navigationContext", "actionTarget"));
    const name = str(get(data, "actor", "name", "text"));
    const handle = /linkedin\.com\/(?:in|company)\/([^/?#]+)/.exec(target)?.[1] ?? name;
    const text = plain(get(data, "commentary", "text", "text"));
    return handle && text ? { ...base, author: { handle: decodeURIComponent(handle), displayName: name || null }, createdAt: null, text, url: str(get(data, "socialContent", "shareUrl")) || null } : null;
  }
  if (platform.includes("truthsocial") || (isObject(data.account) && "acct" in data.account)) {
    const html = sanitizeImportedHtml(str(data.content));
    const handle = str(get(data, "account", "acct"));
    return handle ? { ...base, parentSourceId: str(data.in_reply_to_id) || null, author: { handle }, createdAt: toIsoDate(data.created_at), html, text: normalizeText(htmlToPlainText(html)), url: str(data.url) || null } : null;
  }
  const handle = str(get(data, "author", "username")) || str(get(data, "user", "username")) || str(data.author) || str(data.username);
  const body = str(data.text) || str(data.body) || str(data.description) || str(data.title);
  return handle && body ? { ...base, author: { handle }, createdAt: toIsoDate(data.created_at ?? data.timestamp), text: normalizeText(he.decode(body)) } : null;
}

export const zeeschuimerImporter: Importer = {
  format: "zeeschuimer",
  platform: "other",
  label: "Zeeschuimer NDJSON (TikTok, Instagram, Threads, X, Truth Social, ...)",
  detect({ head }) {
    return /"source_platform"\s*:/.test(head) && /"timestamp_collected"\s*:/.test(head) && /"item_id"\s*:/.test(head);
  },
  async *read(files) {
    for (const file of files) {
      for await (const entry of readNdjson(file)) {
        if ("kind" in entry) {
          yield entry;
          continue;
        }
        const where = { file, line: entry.line };
        const checked = checkRecord(Envelope, entry.value, where);
        if (!checked.ok) {
          yield checked.event;
          continue;
        }
        const envelope = checked.data;
        const post = extract(envelope.source_platform, envelope.item_id, envelope.data);
        if (!post) {
          // One capture mixes whatever the researcher scrolled past: an item that is not a post the
          // importer can read (an ad, a profile card, another platform) is skipped and listed.
          yield { kind: "skipped", where: { ...where, field: "data" }, message: `No author and text found in this ${envelope.source_platform} item: the platform's payload is not a post this importer knows.` };
          continue;
        }
        yield { kind: "post", post: { ...post, community: envelope.source_platform } };
      }
    }
  },
};
