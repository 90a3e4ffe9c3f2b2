import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import PostalMime from "postal-mime";
import { htmlToPlainText, normalizeText, sanitizeImportedHtml } from "./html.js";
import { readHead, toIsoDate } from "./read.js";
import type { ImportEvent, Importer } from "./types.js";

const ENVELOPE = /^From \S+.*\d{4}\s*$/;

/** Splits an mbox stream into raw messages at "From " envelope lines (mboxo/mboxrd escaping undone). */
async function* splitMbox(file: string): AsyncGenerator<{ raw: string; line: number } | ImportEvent> {
  const stream = createReadStream(file, { encoding: "latin1" }); // bytes preserved; MIME decoding handles charsets
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let current: string[] = [];
  let startLine = 0;
  let lineNumber = 0;
  let previousBlank = true;
  for await (const line of lines) {
    lineNumber++;
    if (previousBlank && line.startsWith("From ") && (ENVELOPE.test(line) || lineNumber === 1)) {
      if (current.length) yield { raw: current.join("\n"), line: startLine };
      current = [];
      startLine = lineNumber;
      if (lineNumber % 2000 === 0) yield { kind: "progress", file, bytesRead: stream.bytesRead };
    } else {
      current.push(/^>+From /.test(line) ? line.slice(1) : line);
    }
    previousBlank = line.trim() === "";
    if (lineNumber % 20_000 === 0) yield { kind: "progress", file, bytesRead: stream.bytesRead };
  }
  if (current.length) yield { raw: current.join("\n"), line: startLine || 1 };
  yield { kind: "progress", file, bytesRead: stream.bytesRead };
}

const ids = (value: string | undefined) => (value ?? "").match(/<[^<>\s]+>/g) ?? [];

export const mboxImporter: Importer = {
  format: "mbox",
  platform: "mailing-list",
  label: "Mailing-list archive (mbox)",
  detect({ head, fileName }) {
    return /\.mbox$/i.test(fileName) || (/^From \S+/.test(head) && /\n(Message-ID|Message-Id|Subject|Date):/i.test(head));
  },
  async *read(files) {
    for (const file of files) {
      let count = 0;
      // One archive is one community, never one per List-Id (cross-posts and digests carry other lists'
      // ids: one archive became 24 communities). It is named by its list when the first messages agree
      // on one, otherwise (null) after the file; a researcher who wants lists apart imports them apart.
      const head = await readHead(file, 256 * 1024);
      const listsInHead = new Set(
        [...head.matchAll(/^List-Id:[^\n]*?<([^>\s]+)>/gim)].map((match) => match[1].toLowerCase()),
      );
      const archiveList = listsInHead.size === 1 ? [...listsInHead][0] : null;
      for await (const entry of splitMbox(file)) {
        if ("kind" in entry) {
          yield entry;
          continue;
        }
        count++;
        const where = { file, line: entry.line };
        // Headers end at the first blank line; a message without one was cut off (a truncated download
        // or copy) and would import as an empty post.
        if (!entry.raw.replace(/(\n[ \t\r]*)+$/, "").split("\n").some((line) => line.trim() === "")) {
          yield { kind: "invalid", where, message: "The message is cut off before its body: the file may be truncated." };
          continue;
        }
        let email;
        try {
          email = await PostalMime.parse(Buffer.from(entry.raw, "latin1"));
        } catch (error) {
          yield { kind: "invalid", where, message: `Cannot decode this message: ${error instanceof Error ? error.message : String(error)}` };
          continue;
        }
        const header = (name: string) => email.headers.find((h) => h.key === name)?.value;
        const messageId = email.messageId || ids(header("message-id"))[0];
        if (!messageId) {
          yield { kind: "invalid", where: { ...where, field: "Message-ID" }, message: "The message has no Message-ID, so replies cannot find it." };
          continue;
        }
        const references = ids(email.references ?? header("references"));
        const inReplyTo = ids(email.inReplyTo ?? header("in-reply-to"))[0] ?? references.at(-1) ?? null;
        const html = email.html ? sanitizeImportedHtml(email.html) : null;
        const text = normalizeText(email.text ?? (html ? htmlToPlainText(html) : ""));
        if (!text.trim()) {
          yield { kind: "invalid", where, message: "The message has no text (was the file cut off?)." };
          continue;
        }
        const address = email.from?.address?.toLowerCase();
        yield {
          kind: "post",
          post: {
            sourceId: messageId,
            threadSourceId: references[0] ?? inReplyTo ?? messageId,
            threadTitle: (email.subject ?? "").replace(/^(\s*(re|fwd?|aw|sv)\s*(\[\d+\])?:\s*)+/i, "").trim() || "(no subject)",
            parentSourceId: inReplyTo,
            author: address ? { handle: address, displayName: email.from?.name || null } : null,
            createdAt: toIsoDate(email.date),
            html,
            text,
            title: email.subject ?? null,
            url: null,
            community: archiveList,
          },
        };
      }
      if (count === 0) yield { kind: "invalid", where: { file, line: 1 }, message: "No message found: an mbox file starts each message with a 'From ' line." };
    }
  },
};
