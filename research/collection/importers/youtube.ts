import { z } from "zod";
import { normalizeText } from "./html.js";
import { isObject, readJsonDocument, toIsoDate } from "./read.js";
import { checkRecord } from "./record.js";
import type { ImportEvent, Importer } from "./types.js";

const CommentSnippet = z.object({
  authorDisplayName: z.string().optional(),
  authorChannelId: z.object({ value: z.string() }).optional(),
  textOriginal: z.string().optional(),
  textDisplay: z.string().optional(),
  publishedAt: z.string(),
  parentId: z.string().optional(),
  videoId: z.string().optional(),
}).loose();
const Comment = z.object({ id: z.string(), snippet: CommentSnippet }).loose();
const CommentThread = z.object({
  id: z.string(),
  snippet: z.object({ videoId: z.string().optional(), channelId: z.string().optional(), topLevelComment: Comment, totalReplyCount: z.number().optional() }).loose(),
  replies: z.object({ comments: z.array(z.unknown()) }).optional(),
}).loose();

function post(comment: z.infer<typeof Comment>, videoId: string, parentId: string | null): ImportEvent {
  const snippet = comment.snippet;
  const handle = snippet.authorDisplayName?.trim();
  return {
    kind: "post",
    post: {
      sourceId: comment.id,
      threadSourceId: videoId,
      threadTitle: `YouTube video ${videoId}`,
      threadUrl: `https://www.youtube.com/watch?v=${videoId}`,
      parentSourceId: parentId,
      author: handle ? { handle, displayName: handle, platformUserId: snippet.authorChannelId?.value ?? null } : null,
      createdAt: toIsoDate(snippet.publishedAt),
      html: null,
      text: normalizeText(snippet.textOriginal ?? snippet.textDisplay ?? ""),
      url: `https://www.youtube.com/watch?v=${videoId}&lc=${comment.id}`,
      community: "YouTube",
    },
  };
}

export const youtubeImporter: Importer = {
  format: "youtube",
  platform: "youtube",
  label: "YouTube Data API commentThreads responses",
  detect({ head }) {
    return /youtube#commentThread/.test(head) || (/"topLevelComment"\s*:/.test(head) && /"snippet"/.test(head));
  },
  async *read(files) {
    for (const file of files) {
      const document = await readJsonDocument(file);
      const pages = Array.isArray(document) && document.every((page) => isObject(page) && Array.isArray(page.items)) ? document : [document];
      for (const [pageIndex, page] of pages.entries()) {
        const items = isObject(page) && Array.isArray(page.items) ? page.items : Array.isArray(page) ? page : null;
        if (!items) {
          yield { kind: "invalid", where: { file, record: pageIndex, field: "items" }, message: "Expected a commentThreads response with items[]." };
          continue;
        }
        for (const [index, raw] of items.entries()) {
          const where = { file, record: `${pages.length > 1 ? `[${pageIndex}].` : ""}items[${index}]` };
          const checked = checkRecord(CommentThread, raw, where);
          if (!checked.ok) {
            yield checked.event;
            continue;
          }
          const thread = checked.data;
          const videoId = thread.snippet.videoId ?? thread.snippet.topLevelComment.snippet.videoId ?? thread.snippet.channelId ?? "unknown";
          yield post(thread.snippet.topLevelComment, videoId, null);
          const replies = thread.replies?.comments ?? [];
          for (const [replyIndex, rawReply] of replies.entries()) {
            const reply = checkRecord(Comment, rawReply, { ...where, record: `${where.record}.replies.comments[${replyIndex}]` });
            if (!reply.ok) yield reply.event;
            else yield post(reply.data, videoId, reply.data.snippet.parentId ?? thread.snippet.topLevelComment.id);
          }
          // The API returns at most 5 replies inline; the rest must be fetched with comments.list.
          const missing = (thread.snippet.totalReplyCount ?? replies.length) - replies.length;
          if (missing > 0) yield { kind: "not-collected", count: missing, reason: "YouTube replies beyond those inlined in commentThreads" };
        }
      }
    }
  },
};
