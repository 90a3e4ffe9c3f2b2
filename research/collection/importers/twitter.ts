import { z } from "zod";
import { normalizeText } from "./html.js";
import { isObject, looksLikeNdjson, readHead, readJsonDocument, readNdjson, toIsoDate } from "./read.js";
import { checkRecord } from "./record.js";
import type { ImportEvent, Importer } from "./types.js";

const Tweet = z.object({
  id: z.string(),
  text: z.string(),
  author_id: z.string(),
  created_at: z.string().optional(),
  conversation_id: z.string().optional(),
  lang: z.string().optional(),
  referenced_tweets: z.array(z.object({ type: z.string(), id: z.string() })).optional(),
}).loose();
const User = z.object({ id: z.string(), username: z.string(), name: z.string().optional(), protected: z.boolean().optional() }).loose();

/**
 * The tweets of one API v2 response page (twarc2 writes one per line): `data`, and the tweets in
 * `includes.tweets` (the parents and quoted tweets the API sent along), so a reply whose parent came
 * only as an include still finds it. A retweet is not the retweeter's words: it is left out, and the
 * original (an include) stands for itself. `errors` (deleted or protected tweets) are counted as not
 * collected. `seen` keeps a tweet met twice in one file (data on one page, include on another) once.
 */
function* tweetsOf(
  file: string,
  page: Record<string, unknown>,
  where: string,
  users: Map<string, z.infer<typeof User>>,
  seen: Set<string>,
): Generator<ImportEvent> {
  const includes = isObject(page.includes) ? page.includes : {};
  for (const [index, raw] of (Array.isArray(includes.users) ? includes.users : []).entries()) {
    const checked = checkRecord(User, raw, { file, record: `${where}includes.users[${index}]` });
    if (checked.ok) users.set(checked.data.id, checked.data);
  }
  const data = Array.isArray(page.data) ? page.data : isObject(page.data) ? [page.data] : [];
  const included = Array.isArray(includes.tweets) ? includes.tweets : [];
  const records = [
    ...data.map((raw, index) => ({ raw, record: `${where}data[${index}]` })),
    ...included.map((raw, index) => ({ raw, record: `${where}includes.tweets[${index}]` })),
  ];
  for (const { raw, record } of records) {
    const checked = checkRecord(Tweet, raw, { file, record });
    if (!checked.ok) {
      yield checked.event;
      continue;
    }
    const tweet = checked.data;
    if (seen.has(tweet.id)) continue;
    seen.add(tweet.id);
    if (tweet.referenced_tweets?.some((reference) => reference.type === "retweeted")) continue;
    const user = users.get(tweet.author_id);
    const repliedTo = tweet.referenced_tweets?.find((reference) => reference.type === "replied_to")?.id ?? null;
    yield {
      kind: "post",
      post: {
        sourceId: tweet.id,
        threadSourceId: tweet.conversation_id ?? tweet.id,
        parentSourceId: repliedTo,
        author: { handle: user?.username ?? tweet.author_id, displayName: user?.name ?? null, platformUserId: tweet.author_id, privacySignals: user?.protected ? ["protected account"] : [] },
        createdAt: toIsoDate(tweet.created_at),
        html: null,
        text: normalizeText(tweet.text.replace(/&amp;/g, "&").replace(/&lt;/g, "<").replace(/&gt;/g, ">")),
        url: user ? `https://x.com/${user.username}/status/${tweet.id}` : `https://x.com/i/web/status/${tweet.id}`,
        community: "X/Twitter",
      },
    };
  }
  const errors = Array.isArray(page.errors) ? page.errors.length : 0;
  if (errors > 0) yield { kind: "not-collected", count: errors, reason: "X API errors (deleted, suspended or protected tweets)" };
}

export const twitterImporter: Importer = {
  format: "twitter",
  platform: "twitter",
  label: "X/Twitter API v2 JSON (data[] + includes.users), one page or NDJSON pages",
  detect({ head }) {
    return /"data"\s*:/.test(head) && /"author_id"\s*:/.test(head) && (/"conversation_id"/.test(head) || /"includes"/.test(head) || /"edit_history_tweet_ids"/.test(head));
  },
  async *read(files) {
    for (const file of files) {
      const users = new Map<string, z.infer<typeof User>>();
      const seen = new Set<string>();
      const head = await readHead(file, 4096);
      if (looksLikeNdjson(head) && head.trim().split("\n").length > 1) {
        // Paginated responses saved one per line; users may be included on any page, so buffer tweets per page.
        for await (const entry of readNdjson(file)) {
          if ("kind" in entry) yield entry;
          else if (isObject(entry.value)) yield* tweetsOf(file, entry.value, `line ${entry.line} `, users, seen);
          else yield { kind: "invalid", where: { file, line: entry.line }, message: "Expected a JSON object (an API v2 response page)." };
        }
        continue;
      }
      const document = await readJsonDocument(file);
      const pages = Array.isArray(document) ? document : [document];
      for (const [index, page] of pages.entries()) {
        if (!isObject(page)) yield { kind: "invalid", where: { file, record: index }, message: "Expected an API v2 response object." };
        else yield* tweetsOf(file, page, pages.length > 1 ? `[${index}].` : "", users, seen);
      }
    }
  },
};
