import { z } from "zod";
import { normalizeText } from "./html.js";
import { isObject, readJsonDocument, toIsoDate } from "./read.js";
import { checkRecord } from "./record.js";
import type { Importer } from "./types.js";

const TextEntity = z.union([z.string(), z.object({ type: z.string().optional(), text: z.string() }).loose()]);
const Message = z.object({
  id: z.number(),
  type: z.string(),
  date: z.string().optional(),
  date_unixtime: z.union([z.string(), z.number()]).optional(),
  from: z.string().nullable().optional(),
  from_id: z.string().nullable().optional(),
  reply_to_message_id: z.number().optional(),
  text: z.union([z.string(), z.array(TextEntity)]).optional(),
}).loose();

/** Telegram gives text as a string or as an array of strings and entity objects; both join to plain text. */
function plainText(text: z.infer<typeof Message>["text"]): string {
  if (text === undefined) return "";
  if (typeof text === "string") return text;
  return text.map((part) => (typeof part === "string" ? part : part.text)).join("");
}

export const telegramImporter: Importer = {
  format: "telegram",
  platform: "telegram",
  label: "Telegram Desktop export (result.json)",
  detect({ head }) {
    return /"messages"\s*:\s*\[/.test(head) && (/"from_id"\s*:/.test(head) || /"type"\s*:\s*"(personal_chat|private_group|public_supergroup|private_supergroup|public_channel|private_channel|saved_messages|bot_chat)"/.test(head));
  },
  async *read(files) {
    for (const file of files) {
      const document = await readJsonDocument(file);
      if (!isObject(document) || !Array.isArray(document.messages)) {
        yield { kind: "invalid", where: { file, field: "messages" }, message: "Expected a Telegram export with a messages array." };
        continue;
      }
      const chatName = typeof document.name === "string" ? document.name : "Telegram chat";
      const chatId = document.id === undefined ? chatName : String(document.id);
      const messages = document.messages;
      // A chat is one long conversation: it is one thread, and replies link messages inside it.
      const valid: Array<z.infer<typeof Message>> = [];
      for (const [index, raw] of messages.entries()) {
        const checked = checkRecord(Message, raw, { file, record: `messages[${index}]` });
        if (!checked.ok) {
          yield checked.event;
          continue;
        }
        if (checked.data.type !== "message") continue; // service messages (joins, pins) are not posts
        valid.push(checked.data);
      }
      for (const message of valid) {
        const text = normalizeText(plainText(message.text));
        yield {
          kind: "post",
          post: {
            sourceId: `${chatId}/${message.id}`,
            threadSourceId: chatId,
            threadTitle: chatName,
            parentSourceId: message.reply_to_message_id !== undefined ? `${chatId}/${message.reply_to_message_id}` : null,
            author: message.from ? { handle: message.from, displayName: message.from, platformUserId: message.from_id ?? null } : message.from_id ? { handle: message.from_id, platformUserId: message.from_id } : null,
            createdAt: toIsoDate(message.date_unixtime ?? message.date),
            html: null,
            text,
            url: null,
            community: chatName,
          },
        };
      }
    }
  },
};
