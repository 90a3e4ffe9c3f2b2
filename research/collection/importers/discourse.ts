import { z } from "zod";
import { htmlToPlainText, normalizeText, sanitizeImportedHtml } from "./html.js";
import { isObject, readJsonDocument, toIsoDate } from "./read.js";
import { checkRecord, SourceId } from "./record.js";
import type { Importer } from "./types.js";

const DiscoursePost = z
  .object({
    id: SourceId,
    username: z.string().min(1),
    name: z.string().nullable().optional(),
    user_id: z.union([z.number(), z.string()]).nullable().optional(),
    cooked: z.string(),
    created_at: z.string(),
    post_number: z.number().int(),
    reply_to_post_number: z.number().int().nullable().optional(),
    topic_id: SourceId,
    topic_slug: z.string().optional(),
    deleted_at: z.string().nullable().optional(),
    user_deleted: z.boolean().optional(),
    /** Given in /posts.json lists, where there is no topic object around the post. */
    topic_title: z.string().nullable().optional(),
  })
  .loose();

/** A post is known by topic and post number, which is how Discourse replies point at their parent. */
const postKey = (topicId: string, postNumber: number) => `${topicId}#${postNumber}`;

export const discourseImporter: Importer = {
  format: "discourse",
  platform: "discourse",
  label: "Discourse topic JSON (/t/<id>.json) or post list",
  detect({ head }) {
    if (
      /"post_stream"\s*:/.test(head) ||
      (/"latest_posts"\s*:/.test(head) && /"cooked"\s*:/.test(head))
    )
      return true;
    // One post (/posts/<id>.json) or a list of posts, as crawlers save them.
    return (
      /"cooked"\s*:/.test(head) && /"post_number"\s*:/.test(head) && /"topic_id"\s*:/.test(head)
    );
  },
  async *read(files) {
    // A topic saved page by page (/t/<id>.json?page=2) lists all its post ids on every page: what was
    // not collected is counted once per topic, over every file of the import.
    const streamIds = new Map<string, Set<string>>();
    const presentIds = new Map<string, Set<string>>();
    for (const file of files) {
      const document = await readJsonDocument(file);
      const found = postsOf(document);
      if (!found) {
        yield {
          kind: "invalid",
          where: { file, field: "post_stream.posts" },
          message:
            "No post_stream.posts (or latest_posts, or a post) in this file: it is not a Discourse topic.",
        };
        continue;
      }
      const topicTitle =
        isObject(document) && typeof document.title === "string" ? document.title : null;
      for (const [index, raw] of found.posts.entries()) {
        const where = { file, record: `${found.where}[${index}]` };
        const checked = checkRecord(DiscoursePost, raw, where);
        if (!checked.ok) {
          yield checked.event;
          continue;
        }
        const post = checked.data;
        const present = presentIds.get(post.topic_id) ?? new Set<string>();
        present.add(post.id);
        presentIds.set(post.topic_id, present);
        const html = sanitizeImportedHtml(post.cooked);
        const title = topicTitle ?? post.topic_title ?? titleFromSlug(post.topic_slug);
        yield {
          kind: "post",
          post: {
            sourceId: postKey(post.topic_id, post.post_number),
            threadSourceId: post.topic_id,
            threadTitle: post.post_number === 1 || title ? title : null,
            // Only explicit replies link to a parent: other posts answer the topic as a whole.
            parentSourceId: post.reply_to_post_number
              ? postKey(post.topic_id, post.reply_to_post_number)
              : null,
            author: post.user_deleted
              ? null
              : {
                  handle: post.username,
                  displayName: post.name || null,
                  platformUserId: post.user_id == null ? null : String(post.user_id),
                },
            createdAt: toIsoDate(post.created_at),
            html,
            text: normalizeText(htmlToPlainText(html)),
            url: null,
            title: post.post_number === 1 ? title : null,
            deletedUpstream: Boolean(post.deleted_at),
            community: null,
          },
        };
      }
      if (found.stream && found.topicId) {
        const ids = streamIds.get(found.topicId) ?? new Set<string>();
        for (const id of found.stream) ids.add(String(id));
        streamIds.set(found.topicId, ids);
      }
    }
    // The stream lists every post id of the topic; those in no file were not collected.
    let missing = 0;
    for (const [topicId, ids] of streamIds) {
      const present = presentIds.get(topicId) ?? new Set<string>();
      let absent = [...ids].filter((id) => !present.has(id)).length;
      // Some captures list post numbers rather than ids: then only the difference in counts is meaningful.
      if (absent === ids.size) absent = Math.max(0, ids.size - present.size);
      missing += absent;
    }
    if (missing > 0)
      yield {
        kind: "not-collected",
        count: missing,
        reason: "Discourse post_stream.stream ids without posts (pagination)",
      };
  },
};

/** A single post names its topic only by slug: "migrating-or-moving" reads as "Migrating or moving". */
function titleFromSlug(slug: string | undefined): string | null {
  if (!slug || /^topic$/i.test(slug)) return null;
  const words = slug.replace(/-+/g, " ").trim();
  return words ? words[0].toUpperCase() + words.slice(1) : null;
}

/** The posts of a Discourse file: a topic's post_stream, a posts list, an array of posts, or one post. */
function postsOf(
  document: unknown,
): { posts: unknown[]; where: string; stream: unknown[] | null; topicId: string | null } | null {
  if (Array.isArray(document))
    return { posts: document, where: "posts", stream: null, topicId: null };
  if (!isObject(document)) return null;
  const stream = isObject(document.post_stream) ? document.post_stream : null;
  if (stream && Array.isArray(stream.posts)) {
    const topicId = document.id === undefined ? null : String(document.id);
    return {
      posts: stream.posts,
      where: "post_stream.posts",
      stream: Array.isArray(stream.stream) ? stream.stream : null,
      topicId,
    };
  }
  if (Array.isArray(document.latest_posts))
    return { posts: document.latest_posts, where: "latest_posts", stream: null, topicId: null };
  if ("cooked" in document && "post_number" in document)
    return { posts: [document], where: "post", stream: null, topicId: null };
  return null;
}
