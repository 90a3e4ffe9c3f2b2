import { z } from "zod";
import { htmlToPlainText, normalizeText, sanitizeImportedHtml } from "./html.js";
import { isObject, looksLikeNdjson, readHead, readJsonDocument, readNdjson, toIsoDate } from "./read.js";
import { checkRecord, SourceId } from "./record.js";
import type { ImportEvent, Importer } from "./types.js";

/** Firebase item: https://github.com/HackerNews/API */
const FirebaseItem = z.object({
  id: z.number(),
  type: z.enum(["story", "comment", "job", "poll", "pollopt"]),
  by: z.string().optional(),
  text: z.string().nullable().optional(),
  time: z.number().optional(),
  parent: z.number().optional(),
  kids: z.array(z.number()).optional(),
  title: z.string().nullable().optional(),
  url: z.string().nullable().optional(),
  deleted: z.boolean().optional(),
  dead: z.boolean().optional(),
}).loose();

/** Algolia items API (/api/v1/items/:id): nested `children`. */
const AlgoliaItem = z.object({
  id: z.number(),
  type: z.string(),
  author: z.string().nullable().optional(),
  text: z.string().nullable().optional(),
  created_at: z.string().optional(),
  created_at_i: z.number().optional(),
  parent_id: z.number().nullable().optional(),
  story_id: z.number().nullable().optional(),
  title: z.string().nullable().optional(),
  children: z.array(z.unknown()).optional(),
}).loose();

/** Algolia search hits (/api/v1/search). */
const AlgoliaHit = z.object({
  objectID: SourceId,
  author: z.string().nullable().optional(),
  created_at: z.string().optional(),
  created_at_i: z.number().optional(),
  title: z.string().nullable().optional(),
  story_text: z.string().nullable().optional(),
  comment_text: z.string().nullable().optional(),
  story_id: z.number().nullable().optional(),
  parent_id: z.number().nullable().optional(),
}).loose();

const itemUrl = (id: string | number) => `https://news.ycombinator.com/item?id=${id}`;

function textOf(html: string | null | undefined) {
  const clean = html ? sanitizeImportedHtml(html) : null;
  return { html: clean, text: clean ? normalizeText(htmlToPlainText(clean)) : "" };
}

/**
 * Firebase items carry only their parent, not their story: the story is found by following parents
 * among the items of the same file.
 */
function firebaseEvents(items: Array<{ item: z.infer<typeof FirebaseItem> }>): ImportEvent[] {
  const byId = new Map(items.map(({ item }) => [item.id, item]));
  const storyOf = (item: z.infer<typeof FirebaseItem>): number => {
    let current = item;
    for (let hops = 0; hops < 1000 && current.parent !== undefined; hops++) {
      const parent = byId.get(current.parent);
      if (!parent) return current.parent;
      current = parent;
    }
    return current.id;
  };
  const events: ImportEvent[] = [];
  let missingKids = 0;
  for (const { item } of items) {
    if (item.type === "pollopt") continue;
    const story = item.type === "comment" ? storyOf(item) : item.id;
    const storyItem = byId.get(story);
    const { html, text } = textOf(item.text);
    events.push({
      kind: "post",
      post: {
        sourceId: String(item.id),
        threadSourceId: String(story),
        threadTitle: storyItem?.title ?? null,
        parentSourceId: item.parent !== undefined ? String(item.parent) : null,
        author: item.by && !item.deleted ? { handle: item.by } : null,
        createdAt: toIsoDate(item.time),
        html,
        text: item.title ? (text ? `${item.title}\n\n${text}` : item.title) : text,
        title: item.title ?? null,
        url: itemUrl(item.id),
        deletedUpstream: Boolean(item.deleted || item.dead),
        community: "Hacker News",
      },
    });
    missingKids += (item.kids ?? []).filter((kid) => !byId.has(kid)).length;
  }
  if (missingKids > 0) events.push({ kind: "not-collected", count: missingKids, reason: "Hacker News kids not in the file" });
  return events;
}

function* algoliaTree(node: z.infer<typeof AlgoliaItem>, storyId: number, storyTitle: string | null, file: string, path: string): Generator<ImportEvent> {
  const { html, text } = textOf(node.text);
  const title = node.title ?? null;
  yield {
    kind: "post",
    post: {
      sourceId: String(node.id),
      threadSourceId: String(storyId),
      threadTitle: storyTitle,
      parentSourceId: node.parent_id != null && node.id !== storyId ? String(node.parent_id) : null,
      author: node.author ? { handle: node.author } : null,
      createdAt: toIsoDate(node.created_at_i ?? node.created_at),
      html,
      text: title ? (text ? `${title}\n\n${text}` : title) : text,
      title,
      url: itemUrl(node.id),
      community: "Hacker News",
    },
  };
  for (const [index, child] of (node.children ?? []).entries()) {
    const checked = checkRecord(AlgoliaItem, child, { file, record: `${path}.children[${index}]` });
    if (!checked.ok) yield checked.event;
    else yield* algoliaTree(checked.data, storyId, storyTitle, file, `${path}.children[${index}]`);
  }
}

const looksLikeItem = (value: unknown) => isObject(value) && "id" in value && "type" in value;

/**
 * Firebase items wherever a crawler put them: one item, an array of items, or a wrapper object whose
 * fields hold the story and its comments (`{"story": {...}, "comments": [...]}` and the like).
 */
function firebaseRecordsIn(document: unknown): Array<{ raw: unknown; record: string | number }> {
  if (Array.isArray(document)) return document.map((raw, index) => ({ raw, record: index }));
  if (!isObject(document) || looksLikeItem(document)) return [{ raw: document, record: 0 }];
  const found: Array<{ raw: unknown; record: string | number }> = [];
  for (const [key, value] of Object.entries(document)) {
    if (looksLikeItem(value)) found.push({ raw: value, record: key });
    else if (Array.isArray(value) && value.some(looksLikeItem))
      for (const [index, raw] of value.entries()) found.push({ raw, record: `${key}[${index}]` });
  }
  return found.length > 0 ? found : [{ raw: document, record: 0 }];
}

export const hnImporter: Importer = {
  format: "hn",
  platform: "hackernews",
  label: "Hacker News items (Firebase API) or Algolia search / items JSON",
  detect({ head }) {
    if (/"hits"\s*:/.test(head) && /"objectID"\s*:/.test(head)) return true;
    if (/"story_id"\s*:/.test(head) && /"children"\s*:/.test(head)) return true;
    return /"by"\s*:/.test(head) && /"type"\s*:\s*"(story|comment|job|poll)"/.test(head) && /"time"\s*:/.test(head);
  },
  async *read(files) {
    for (const file of files) {
      const head = await readHead(file, 4096);
      const lineCount = head.trim().split("\n").length;
      if (looksLikeNdjson(head) && lineCount > 1) {
        const items: Array<{ item: z.infer<typeof FirebaseItem> }> = [];
        for await (const entry of readNdjson(file)) {
          if ("kind" in entry) {
            yield entry;
            continue;
          }
          const checked = checkRecord(FirebaseItem, entry.value, { file, line: entry.line });
          if (checked.ok) items.push({ item: checked.data });
          else yield checked.event;
        }
        yield* firebaseEvents(items);
        continue;
      }
      const document = await readJsonDocument(file);
      if (isObject(document) && Array.isArray(document.hits)) {
        for (const [index, hit] of document.hits.entries()) {
          const checked = checkRecord(AlgoliaHit, hit, { file, record: `hits[${index}]` });
          if (!checked.ok) {
            yield checked.event;
            continue;
          }
          const h = checked.data;
          const isStory = h.story_id == null || String(h.story_id) === h.objectID;
          const { html, text } = textOf(h.comment_text ?? h.story_text);
          yield {
            kind: "post",
            post: {
              sourceId: h.objectID,
              threadSourceId: String(h.story_id ?? h.objectID),
              threadTitle: h.title ?? null,
              parentSourceId: isStory ? null : h.parent_id != null ? String(h.parent_id) : null,
              author: h.author ? { handle: h.author } : null,
              createdAt: toIsoDate(h.created_at_i ?? h.created_at),
              html,
              text: isStory && h.title ? (text ? `${h.title}\n\n${text}` : h.title) : text,
              title: isStory ? h.title ?? null : null,
              url: itemUrl(h.objectID),
              community: "Hacker News",
            },
          };
        }
        continue;
      }
      if (isObject(document) && "children" in document) {
        const checked = checkRecord(AlgoliaItem, document, { file, record: "item" });
        if (!checked.ok) yield checked.event;
        else yield* algoliaTree(checked.data, checked.data.story_id ?? checked.data.id, checked.data.title ?? null, file, "item");
        continue;
      }
      const items: Array<{ item: z.infer<typeof FirebaseItem> }> = [];
      for (const { raw, record } of firebaseRecordsIn(document)) {
        const checked = checkRecord(FirebaseItem, raw, { file, record });
        if (checked.ok) items.push({ item: checked.data });
        else yield checked.event;
      }
      yield* firebaseEvents(items);
    }
  },
};
