import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import PostalMime from "postal-mime";
import { htmlToPlainText, normalizeText, sanitizeImportedHtml } from "./html.js";
import { readHead, toIsoDate } from "./read.js";
import type { ImportEvent, Importer } from "./types.js";

const ENVELOPE = /^From \S+.*\d{4}\s*$/;

/** Splits an mbox stream into raw messages at "From " envelope lines (mboxo/mboxrd escaping undone). */
async function* splitMbox(
  file: string,
): AsyncGenerator<{ raw: string; line: number } | ImportEvent> {
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

/**
 * Message ids in a header: `<id@host>` as RFC 5322 writes them, or bare `id@host` as some archivers
 * write them, but only when the header holds nothing else (an In-Reply-To like "your message of
 * Tuesday, user@host" names a person, not a message).
 */
function ids(value: string | undefined): string[] {
  const text = (value ?? "").trim();
  const bracketed = text.match(/<[^<>\s]+>/g);
  if (bracketed) return bracketed;
  const tokens = text.split(/\s+/).filter(Boolean);
  return tokens.length > 0 && tokens.every((token) => /^[^\s<>@(),;"]+@[^\s<>@(),;"]+$/.test(token))
    ? tokens.map((token) => `<${token}>`)
    : [];
}

/** An id as stored: always in angle brackets, so `abc@host` and `<abc@host>` are the same message. */
function bracketed(id: string): string {
  const bare = id.trim().replace(/^<|>$/g, "");
  return `<${bare}>`;
}

/**
 * The sender of a message from its From line, whatever the archiver did to it: RFC 5322 addresses,
 * and pipermail's `user at host (Full Name)` (sometimes `user at host.com`, `user at host dot com`, or
 * in angle brackets). The handle is the normalised address; without one, the line itself.
 */
export function senderOf(
  fromLine: string | undefined,
  parsed: { address?: string; name?: string } | undefined,
): { handle: string; displayName: string | null } | null {
  const unmask = (text: string) =>
    text
      .replace(/\s+(?:at|AT)\s+/g, "@")
      .replace(/\s+(?:dot|DOT)\s+/g, ".")
      .trim()
      .toLowerCase();
  const address = parsed?.address ? unmask(parsed.address) : "";
  if (address.includes("@") && !/\s/.test(address))
    return { handle: address, displayName: parsed?.name?.trim() || null };
  const line = (fromLine ?? "").replace(/\s+/g, " ").trim();
  if (!line) return null;
  // user at host (Full Name)   |   Full Name <user at host>
  const piper =
    /^"?([^\s"()<>]+(?:\s+(?:at|AT)\s+|@)[^\s()<>]+(?:\s+(?:dot|DOT)\s+[^\s()<>]+)*)"?\s*(?:\((.*)\))?$/.exec(
      line,
    );
  if (piper) return { handle: unmask(piper[1]), displayName: piper[2]?.trim() || null };
  const angled = /^(.*?)<([^<>]+)>\s*$/.exec(line);
  if (angled) {
    const name = angled[1].replace(/^"|"$/g, "").trim();
    return { handle: unmask(angled[2]), displayName: name || null };
  }
  return { handle: line.toLowerCase(), displayName: parsed?.name?.trim() || null };
}

const CTIME =
  /^\s*(?:[A-Za-z]{3},?\s+)?([A-Za-z]{3})\s+(\d{1,2})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s+(\d{4})\s*$/;
const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

/**
 * A Date header as an instant. ctime dates without a zone (`Wed Jan  3 10:00:00 2001`, what old archives
 * hold) are read as UTC, not as the server's local time, so the same file gives the same dates anywhere.
 */
function dateOf(rawDate: string | undefined, parsed: string | undefined): string | null {
  const ctime = rawDate ? CTIME.exec(rawDate) : null;
  if (ctime) {
    const month = MONTHS.indexOf(ctime[1].toLowerCase());
    if (month >= 0) {
      const [day, hour, minute, second, year] = [
        ctime[2],
        ctime[3],
        ctime[4],
        ctime[5] ?? "0",
        ctime[6],
      ].map(Number);
      return new Date(Date.UTC(year, month, day, hour, minute, second)).toISOString();
    }
  }
  return toIsoDate(parsed ?? rawDate);
}

/** A stable id for a message that has none: the same message imported twice gets the same id. */
function derivedMessageId(parts: Array<string | undefined>): string {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part ?? "").update("\u0000");
  return `<derived-${hash.digest("hex").slice(0, 32)}@netno.invalid>`;
}

export const mboxImporter: Importer = {
  format: "mbox",
  platform: "mailing-list",
  label: "Mailing-list archive (mbox)",
  detect({ head, fileName }) {
    return (
      /\.mbox$/i.test(fileName) ||
      (/^From \S+/.test(head) && /\n(Message-ID|Message-Id|Subject|Date):/i.test(head))
    );
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
      const threadOfMessage = new Map<string, string>();
      for await (const entry of splitMbox(file)) {
        if ("kind" in entry) {
          yield entry;
          continue;
        }
        count++;
        const where = { file, line: entry.line };
        // A message that starts with its body has no headers at all: not a mail, skipped and listed.
        const firstLine = entry.raw.split("\n").find((line) => line.trim() !== "") ?? "";
        if (!/^[A-Za-z0-9-]+:/.test(firstLine)) {
          yield {
            kind: "skipped",
            where,
            message: "The message has no headers (no sender, date or subject): not imported.",
          };
          continue;
        }
        // Headers end at the first blank line; a message without one was cut off (a truncated download
        // or copy) and would import as an empty post.
        if (
          !entry.raw
            .replace(/(\n[ \t\r]*)+$/, "")
            .split("\n")
            .some((line) => line.trim() === "")
        ) {
          yield {
            kind: "invalid",
            where,
            message: "The message is cut off before its body: the file may be truncated.",
          };
          continue;
        }
        let email;
        try {
          email = await PostalMime.parse(Buffer.from(entry.raw, "latin1"));
        } catch (error) {
          yield {
            kind: "invalid",
            where,
            message: `Cannot decode this message: ${error instanceof Error ? error.message : String(error)}`,
          };
          continue;
        }
        const header = (name: string) => email.headers.find((h) => h.key === name)?.value;
        const givenId = email.messageId || ids(header("message-id"))[0];
        const messageId = givenId
          ? bracketed(givenId)
          : derivedMessageId([
              header("from"),
              header("date"),
              email.subject,
              email.text ?? email.html,
            ]);
        const references = ids(email.references ?? header("references"));
        const inReplyTo =
          ids(email.inReplyTo ?? header("in-reply-to"))[0] ?? references.at(-1) ?? null;
        const html = email.html ? sanitizeImportedHtml(email.html) : null;
        const text = normalizeText(email.text ?? (html ? htmlToPlainText(html) : ""));
        if (!text.trim()) {
          yield {
            kind: "invalid",
            where,
            message: "The message has no text (was the file cut off?).",
          };
          continue;
        }
        const sender = senderOf(header("from"), email.from);
        // A reply without References (Teo's mail client) joins its parent's thread when the parent
        // came earlier in the archive; otherwise the thread is the first message it refers to.
        const threadSourceId =
          (inReplyTo ? threadOfMessage.get(inReplyTo) : undefined) ??
          references[0] ??
          inReplyTo ??
          messageId;
        if (!threadOfMessage.has(messageId)) threadOfMessage.set(messageId, threadSourceId);
        yield {
          kind: "post",
          post: {
            sourceId: messageId,
            threadSourceId,
            threadTitle:
              (email.subject ?? "")
                .replace(/^(\s*(re|fwd?|aw|sv)\s*(\[\d+\])?:\s*)+/i, "")
                .trim() || "(no subject)",
            parentSourceId: inReplyTo,
            author: sender,
            createdAt: dateOf(header("date"), email.date),
            html,
            text,
            title: email.subject ?? null,
            url: null,
            community: archiveList,
          },
        };
      }
      if (count === 0)
        yield {
          kind: "invalid",
          where: { file, line: 1 },
          message: "No message found: an mbox file starts each message with a 'From ' line.",
        };
    }
  },
};
