import { z } from "zod";
import { normalizeText } from "./html.js";
import { isObject, readJsonDocument, toIsoDate } from "./read.js";
import { checkRecord } from "./record.js";
import type { ImportEvent, Importer } from "./types.js";

const TextEntity = z.union([
  z.string(),
  z.object({ type: z.string().optional(), text: z.string() }).loose(),
]);
const Message = z
  .object({
    id: z.number(),
    type: z.string(),
    date: z.string().optional(),
    date_unixtime: z.union([z.string(), z.number()]).optional(),
    from: z.string().nullable().optional(),
    from_id: z.string().nullable().optional(),
    reply_to_message_id: z.number().optional(),
    /** Set when the message answers a message of another chat (a channel's post, in its discussion group). */
    reply_to_peer_id: z.union([z.string(), z.number()]).optional(),
    text: z.union([z.string(), z.array(TextEntity)]).optional(),
  })
  .loose();

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
    // A single chat's result.json, or the whole-account export (personal_information, chats.list[]).
    if (
      /^\s*\{\s*"about"\s*:/.test(head) &&
      /"(personal_information|chats|left_chats)"\s*:\s*\{/.test(head)
    )
      return true;
    return (
      /"messages"\s*:\s*\[/.test(head) &&
      (/"from_id"\s*:/.test(head) ||
        /"type"\s*:\s*"(personal_chat|private_group|public_supergroup|private_supergroup|public_channel|private_channel|saved_messages|bot_chat)"/.test(
          head,
        ))
    );
  },
  async *read(files) {
    for (const file of files) {
      const document = await readJsonDocument(file);
      const chats = chatsOf(document);
      if (!chats) {
        yield {
          kind: "invalid",
          where: { file, field: "messages" },
          message:
            "Expected a Telegram export: a chat with a messages array, or an account export with chats.list.",
        };
        continue;
      }
      for (const { chat, where } of chats) yield* readChat(file, chat, where);
    }
  },
};

/** The chats of an export: the single chat of a result.json, or every chat of an account export. */
function chatsOf(
  document: unknown,
): Array<{ chat: Record<string, unknown>; where: string }> | null {
  if (!isObject(document)) return null;
  if (Array.isArray(document.messages)) return [{ chat: document, where: "messages" }];
  const found: Array<{ chat: Record<string, unknown>; where: string }> = [];
  for (const key of ["chats", "left_chats"]) {
    const group = document[key];
    if (!isObject(group) || !Array.isArray(group.list)) continue;
    for (const [index, chat] of group.list.entries()) {
      if (isObject(chat) && Array.isArray(chat.messages))
        found.push({ chat, where: `${key}.list[${index}].messages` });
    }
  }
  return found.length > 0 || isObject(document.chats) ? found : null;
}

async function* readChat(
  file: string,
  chat: Record<string, unknown>,
  where: string,
): AsyncGenerator<ImportEvent> {
  const chatName = typeof chat.name === "string" && chat.name ? chat.name : "Telegram chat";
  const chatId = chat.id === undefined ? chatName : String(chat.id);
  const messages = chat.messages as unknown[];
  // A chat is one long conversation: it is one thread, and replies link messages inside it.
  const valid: Array<z.infer<typeof Message>> = [];
  for (const [index, raw] of messages.entries()) {
    const checked = checkRecord(Message, raw, { file, record: `${where}[${index}]` });
    if (!checked.ok) {
      yield checked.event;
      continue;
    }
    if (checked.data.type !== "message") continue; // service messages (joins, pins) are not posts
    valid.push(checked.data);
  }
  for (const message of valid) {
    const text = normalizeText(plainText(message.text));
    // A reply to another chat's message names that chat: its parent is not the message with the same
    // number here, and is not in this chat (an orphan unless that chat's thread is imported as such).
    const parentSourceId =
      message.reply_to_message_id === undefined
        ? null
        : message.reply_to_peer_id !== undefined
          ? `peer:${message.reply_to_peer_id}/${message.reply_to_message_id}`
          : `${chatId}/${message.reply_to_message_id}`;
    yield {
      kind: "post",
      post: {
        sourceId: `${chatId}/${message.id}`,
        threadSourceId: chatId,
        threadTitle: chatName,
        parentSourceId,
        author: message.from
          ? {
              handle: message.from,
              displayName: message.from,
              platformUserId: message.from_id ?? null,
            }
          : message.from_id
            ? { handle: message.from_id, platformUserId: message.from_id }
            : null,
        createdAt: toIsoDate(message.date_unixtime ?? message.date),
        html: null,
        text,
        url: null,
        community: chatName,
      },
    };
  }
}
