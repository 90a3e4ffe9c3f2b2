import { z } from "zod";
import { htmlToPlainText, normalizeText, sanitizeImportedHtml } from "./html.js";
import { isObject, readJsonDocument, toIsoDate } from "./read.js";
import { checkRecord, SourceId } from "./record.js";
import type { Importer } from "./types.js";

const DiscoursePost = z.object({
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
}).loose();

/** A post is known by topic and post number, which is how Discourse replies point at their parent. */
const postKey = (topicId: string, postNumber: number) => `${topicId}#${postNumber}`;

export const discourseImporter: Importer = {
  format: "discourse",
  platform: "discourse",
  label: "Discourse topic JSON (/t/<id>.json) or post list",
  detect({ head }) {
    return /"post_stream"\s*:/.test(head) || (/"latest_posts"\s*:/.test(head) && /"cooked"\s*:/.test(head));
  },
  async *read(files) {
    for (const file of files) {
      const document = await readJsonDocument(file);
      if (!isObject(document)) {
        yield { kind: "invalid", where: { file }, message: "Expected a Discourse topic object." };
        continue;
      }
      const stream = isObject(document.post_stream) ? document.post_stream : null;
      const posts = stream && Array.isArray(stream.posts) ? stream.posts : Array.isArray(document.latest_posts) ? document.latest_posts : null;
      if (!posts) {
        yield { kind: "invalid", where: { file, field: "post_stream.posts" }, message: "No post_stream.posts (or latest_posts) in this file: it is not a Discourse topic." };
        continue;
      }
      const topicTitle = typeof document.title === "string" ? document.title : null;
      const presentIds = new Set<string>();
      for (const [index, raw] of posts.entries()) {
        const where = { file, record: `post_stream.posts[${index}]` };
        const checked = checkRecord(DiscoursePost, raw, where);
        if (!checked.ok) {
          yield checked.event;
          continue;
        }
        const post = checked.data;
        presentIds.add(post.id);
        const html = sanitizeImportedHtml(post.cooked);
        yield {
          kind: "post",
          post: {
            sourceId: postKey(post.topic_id, post.post_number),
            threadSourceId: post.topic_id,
            threadTitle: post.post_number === 1 || topicTitle ? topicTitle : null,
            // Only explicit replies link to a parent: other posts answer the topic as a whole.
            parentSourceId: post.reply_to_post_number ? postKey(post.topic_id, post.reply_to_post_number) : null,
            author: post.user_deleted ? null : { handle: post.username, displayName: post.name || null, platformUserId: post.user_id == null ? null : String(post.user_id) },
            createdAt: toIsoDate(post.created_at),
            html,
            text: normalizeText(htmlToPlainText(html)),
            url: null,
            title: post.post_number === 1 ? topicTitle : null,
            deletedUpstream: Boolean(post.deleted_at),
            community: null,
          },
        };
      }
      // The stream lists every post id of the topic; those not in this page were not collected.
      if (stream && Array.isArray(stream.stream)) {
        let missing = stream.stream.filter((id) => !presentIds.has(String(id))).length;
        // Some captures list post numbers rather than ids: then only the difference in counts is meaningful.
        if (missing === stream.stream.length) missing = Math.max(0, stream.stream.length - presentIds.size);
        if (missing > 0) yield { kind: "not-collected", count: missing, reason: "Discourse post_stream.stream ids without posts (pagination)" };
      }
    }
  },
};
