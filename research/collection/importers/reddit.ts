import { z } from "zod";
import { decodeEntities, htmlToPlainText, normalizeText, sanitizeImportedHtml } from "./html.js";
import { isObject, looksLikeNdjson, readHead, readJsonDocument, readNdjson, toIsoDate } from "./read.js";
import { AUTHOR_DELETED, checkRecord, SourceId } from "./record.js";
import type { ImportEvent, ImportedPost, Importer } from "./types.js";

const RedditThing = z.object({
  id: SourceId,
  name: z.string().optional(),
  author: z.string().nullable().optional(),
  author_fullname: z.string().nullable().optional(),
  created_utc: z.union([z.number(), z.string()]),
  subreddit: z.string().nullable().optional(),
  permalink: z.string().nullable().optional(),
  parent_id: z.string().nullable().optional(),
  link_id: z.string().nullable().optional(),
  body: z.string().nullable().optional(),
  body_html: z.string().nullable().optional(),
  selftext: z.string().nullable().optional(),
  selftext_html: z.string().nullable().optional(),
  title: z.string().nullable().optional(),
  url: z.string().nullable().optional(),
  _meta: z.object({ was_deleted_later: z.boolean().optional() }).loose().optional(),
}).loose();
type RedditThing = z.infer<typeof RedditThing>;

const REMOVED_BODIES = new Set(["[deleted]", "[removed]"]);

function toPost(thing: RedditThing, isSubmission: boolean): ImportedPost {
  const sourceId = thing.name ?? `${isSubmission ? "t3" : "t1"}_${thing.id}`;
  const threadSourceId = isSubmission ? sourceId : thing.link_id ?? thing.parent_id ?? sourceId;
  const rawHtml = isSubmission ? thing.selftext_html : thing.body_html;
  const html = rawHtml ? sanitizeImportedHtml(decodeEntities(rawHtml)) : null;
  const markdown = (isSubmission ? thing.selftext : thing.body) ?? "";
  const text = normalizeText(html ? htmlToPlainText(html) : decodeEntities(markdown));
  const author = thing.author && !AUTHOR_DELETED.has(thing.author) ? { handle: thing.author, platformUserId: thing.author_fullname ?? null } : null;
  const removed = REMOVED_BODIES.has(markdown.trim());
  return {
    sourceId,
    threadSourceId,
    threadTitle: isSubmission && thing.title ? decodeEntities(thing.title) : null,
    parentSourceId: isSubmission ? null : thing.parent_id ?? null,
    author,
    createdAt: toIsoDate(thing.created_utc),
    html,
    text: isSubmission && thing.title ? (text ? `${decodeEntities(thing.title)}\n\n${text}` : decodeEntities(thing.title)) : text,
    title: isSubmission ? decodeEntities(thing.title ?? "") || null : null,
    url: thing.permalink ? `https://www.reddit.com${thing.permalink}` : null,
    deletedUpstream: Boolean(thing._meta?.was_deleted_later) || removed,
    community: thing.subreddit ? `r/${thing.subreddit}` : null,
  };
}

function isSubmissionRecord(value: Record<string, unknown>): boolean {
  return "title" in value || "selftext" in value || (typeof value.name === "string" && value.name.startsWith("t3_"));
}

/** Walks a listing (thread page, search result) including nested `replies`; "more" stubs count as not collected. */
function* walkListing(listing: unknown, file: string, path: string): Generator<ImportEvent> {
  if (!isObject(listing) || listing.kind !== "Listing" || !isObject(listing.data) || !Array.isArray(listing.data.children)) {
    yield { kind: "invalid", where: { file, record: path, field: "data.children" }, message: "Expected a Reddit Listing with data.children." };
    return;
  }
  for (const [index, child] of listing.data.children.entries()) {
    const where = { file, record: `${path}.data.children[${index}]` };
    if (!isObject(child)) continue;
    if (child.kind === "more") {
      const data = isObject(child.data) ? child.data : {};
      const count = typeof data.count === "number" ? data.count : Array.isArray(data.children) ? data.children.length : 0;
      if (count > 0) yield { kind: "not-collected", count, reason: "Reddit 'more comments' stub" };
      continue;
    }
    if (child.kind !== "t1" && child.kind !== "t3") continue;
    const checked = checkRecord(RedditThing, child.data, where);
    if (!checked.ok) {
      yield checked.event;
      continue;
    }
    yield { kind: "post", post: toPost(checked.data, child.kind === "t3") };
    const replies = isObject(child.data) ? child.data.replies : undefined;
    if (isObject(replies)) yield* walkListing(replies, file, `${where.record}.data.replies`);
  }
}

export const redditImporter: Importer = {
  format: "reddit",
  platform: "reddit",
  label: "Reddit thread JSON or Pushshift / Arctic Shift NDJSON",
  detect({ head }) {
    const start = head.trimStart();
    if (/^\[?\s*\{\s*"kind"\s*:\s*"Listing"/.test(start)) return true;
    return looksLikeNdjson(head) && /"subreddit"\s*:/.test(head) && /"(link_id|selftext|created_utc)"\s*:/.test(head);
  },
  async *read(files) {
    for (const file of files) {
      const probe = await readHead(file, 4096);
      if (/^\s*[[{]\s*"kind"/.test(probe) || /^\s*\[/.test(probe)) {
        const document = await readJsonDocument(file);
        const listings = Array.isArray(document) ? document : [document];
        for (const [index, listing] of listings.entries()) yield* walkListing(listing, file, `[${index}]`);
        continue;
      }
      for await (const item of readNdjson(file)) {
        if ("kind" in item) {
          yield item;
          continue;
        }
        const where = { file, line: item.line };
        if (!isObject(item.value)) {
          yield { kind: "invalid", where, message: "Expected a JSON object on this line." };
          continue;
        }
        const checked = checkRecord(RedditThing, item.value, where);
        if (!checked.ok) {
          yield checked.event;
          continue;
        }
        yield { kind: "post", post: toPost(checked.data, isSubmissionRecord(item.value)) };
      }
    }
  },
};
