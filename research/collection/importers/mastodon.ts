import { access, readFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { htmlToPlainText, normalizeText, sanitizeImportedHtml } from "./html.js";
import { isObject, readJsonDocument, toIsoDate } from "./read.js";
import { checkRecord, SourceId } from "./record.js";
import type { ImportEvent, ImportedAuthor, Importer } from "./types.js";

const Account = z.object({
  id: SourceId.optional(),
  acct: z.string().min(1),
  username: z.string().optional(),
  display_name: z.string().nullable().optional(),
  url: z.string().optional(),
  noindex: z.boolean().nullable().optional(),
  discoverable: z.boolean().nullable().optional(),
  indexable: z.boolean().nullable().optional(),
}).loose();

const Status = z.object({
  id: SourceId,
  created_at: z.string(),
  in_reply_to_id: SourceId.nullable().optional(),
  content: z.string(),
  url: z.string().nullable().optional(),
  uri: z.string().optional(),
  account: Account,
  language: z.string().nullable().optional(),
  reblog: z.unknown().optional(),
}).loose();

const Activity = z.object({
  type: z.string(),
  actor: z.string().optional(),
  object: z.unknown(),
}).loose();

const Note = z.object({
  id: z.string(),
  type: z.string(),
  inReplyTo: z.string().nullable().optional(),
  published: z.string(),
  url: z.string().nullable().optional(),
  attributedTo: z.string().optional(),
  content: z.string().nullable().optional(),
  conversation: z.string().nullable().optional(),
}).loose();

/** Privacy signals a member gave: they are kept and shown, so the researcher can honour them. */
function privacySignals(account: { noindex?: boolean | null; discoverable?: boolean | null; indexable?: boolean | null }): string[] {
  const signals: string[] = [];
  if (account.noindex === true) signals.push("noindex");
  if (account.discoverable === false) signals.push("discoverable: false");
  if (account.indexable === false) signals.push("indexable: false");
  return signals;
}

function hostOf(url: string | undefined | null): string | null {
  try {
    return url ? new URL(url).host : null;
  } catch {
    return null;
  }
}

/** Follows in_reply_to links inside the file to find each status's thread root. */
function threadRoots(parents: Map<string, string | null>): (id: string) => string {
  return (id) => {
    let current = id;
    for (let hops = 0; hops < 10_000; hops++) {
      const parent = parents.get(current);
      if (parent === undefined) return current; // parent not in the file: it names the thread
      if (parent === null) return current;
      current = parent;
    }
    return current;
  };
}

async function readActor(file: string): Promise<{ author: ImportedAuthor; host: string | null } | null> {
  try {
    const actor = JSON.parse((await readFile(file, "utf8")).replace(/^\uFEFF/, ""));
    if (!isObject(actor) || typeof actor.preferredUsername !== "string") return null;
    const host = hostOf(typeof actor.id === "string" ? actor.id : null);
    return {
      host,
      author: {
        handle: host ? `${actor.preferredUsername}@${host}` : actor.preferredUsername,
        displayName: typeof actor.name === "string" ? actor.name : null,
        platformUserId: typeof actor.id === "string" ? actor.id : null,
        privacySignals: privacySignals({
          noindex: typeof actor.noindex === "boolean" ? actor.noindex : null,
          discoverable: typeof actor.discoverable === "boolean" ? actor.discoverable : null,
          indexable: typeof actor.indexable === "boolean" ? actor.indexable : null,
        }),
      },
    };
  } catch {
    return null;
  }
}

/**
 * `linked`: parent links known from around the file, not in it: a /context response leaves out the
 * status it was asked about, whose replies (descendants) would otherwise form a thread of their own.
 */
async function* readStatuses(file: string, statuses: unknown[], linked: Map<string, string> = new Map()): AsyncGenerator<ImportEvent> {
  const valid: Array<z.infer<typeof Status>> = [];
  for (const [index, raw] of statuses.entries()) {
    const checked = checkRecord(Status, raw, { file, record: index });
    if (!checked.ok) yield checked.event;
    else if (!checked.data.reblog) valid.push(checked.data);
  }
  const rootOf = threadRoots(new Map([...linked, ...valid.map((status): [string, string | null] => [status.id, status.in_reply_to_id ?? null])]));
  // A timeline is read from one instance: its statuses form one community, wherever their authors live.
  const timelineHost = hostOf(valid[0]?.url ?? valid[0]?.uri);
  for (const status of valid) {
    const html = sanitizeImportedHtml(status.content);
    const host = hostOf(status.url ?? status.uri);
    const acct = status.account.acct.includes("@") || !host ? status.account.acct : `${status.account.acct}@${host}`;
    yield {
      kind: "post",
      post: {
        sourceId: status.id,
        threadSourceId: rootOf(status.id),
        parentSourceId: status.in_reply_to_id ?? null,
        author: { handle: acct, displayName: status.account.display_name || null, platformUserId: status.account.id ?? null, privacySignals: privacySignals(status.account) },
        createdAt: toIsoDate(status.created_at),
        html,
        text: normalizeText(htmlToPlainText(html)),
        url: status.url ?? null,
        community: timelineHost ? `Mastodon ${timelineHost}` : "Mastodon",
      },
    };
  }
}

async function* readOutbox(file: string, outbox: Record<string, unknown>, actor: { author: ImportedAuthor; host: string | null } | null): AsyncGenerator<ImportEvent> {
  const items = Array.isArray(outbox.orderedItems) ? outbox.orderedItems : [];
  const notes: Array<z.infer<typeof Note>> = [];
  for (const [index, raw] of items.entries()) {
    const activity = checkRecord(Activity, raw, { file, record: `orderedItems[${index}]` });
    if (!activity.ok) {
      yield activity.event;
      continue;
    }
    // Announce activities are boosts of other people's posts: not this member's words.
    if (activity.data.type !== "Create" || !isObject(activity.data.object)) continue;
    const note = checkRecord(Note, activity.data.object, { file, record: `orderedItems[${index}].object` });
    if (!note.ok) yield note.event;
    else if (note.data.type === "Note" || note.data.type === "Question") notes.push(note.data);
  }
  const host = actor?.host ?? hostOf(notes[0]?.id);
  const fallbackAuthor = (attributedTo: string | undefined): ImportedAuthor => {
    if (!attributedTo) return null;
    const name = attributedTo.split("/").filter(Boolean).at(-1) ?? attributedTo;
    const h = hostOf(attributedTo);
    return { handle: h ? `${name}@${h}` : name, platformUserId: attributedTo };
  };
  for (const note of notes) {
    const html = sanitizeImportedHtml(note.content ?? "");
    yield {
      kind: "post",
      post: {
        sourceId: note.id,
        threadSourceId: note.conversation ?? note.inReplyTo ?? note.id,
        parentSourceId: note.inReplyTo ?? null,
        author: actor?.author ?? fallbackAuthor(note.attributedTo),
        createdAt: toIsoDate(note.published),
        html,
        text: normalizeText(htmlToPlainText(html)),
        url: note.url ?? null,
        community: host ? `Mastodon ${host}` : "Mastodon",
      },
    };
  }
}

/** The status a /context response was asked about: what its descendants answer, below its last ancestor. */
function contextLinks(ancestors: unknown[], descendants: unknown[]): Map<string, string> {
  const ids = (list: unknown[]) => list.flatMap((item) => (isObject(item) && item.id !== undefined ? [String(item.id)] : []));
  const inFile = new Set([...ids(ancestors), ...ids(descendants)]);
  const lastAncestor = ids(ancestors).at(-1);
  const focal = descendants
    .map((item) => (isObject(item) && item.in_reply_to_id != null ? String(item.in_reply_to_id) : null))
    .find((id): id is string => id !== null && !inFile.has(id));
  return focal && lastAncestor ? new Map([[focal, lastAncestor]]) : new Map();
}

export const mastodonImporter: Importer = {
  format: "mastodon",
  platform: "mastodon",
  label: "Mastodon statuses (API JSON) or account archive (outbox.json + actor.json)",
  detect({ head, fileName }) {
    if (/"orderedItems"\s*:/.test(head) && /activitystreams/.test(head)) return true;
    if (path.basename(fileName) === "actor.json" && /"preferredUsername"/.test(head)) return true;
    // A thread's /api/v1/statuses/:id/context response: the statuses before and after one status.
    if (/"ancestors"\s*:\s*\[/.test(head) && /"descendants"\s*:/.test(head)) return true;
    // An array of statuses, or one status (/api/v1/statuses/:id).
    return /^\s*[[{]/.test(head) && /"account"\s*:\s*\{/.test(head) && /"acct"\s*:/.test(head) && /"in_reply_to_id"/.test(head);
  },
  async *read(files) {
    let actor: { author: ImportedAuthor; host: string | null } | null = null;
    for (const file of files.filter((f) => path.basename(f) === "actor.json")) actor = (await readActor(file)) ?? actor;
    for (const file of files.filter((f) => path.basename(f) !== "actor.json")) {
      const document = await readJsonDocument(file);
      if (Array.isArray(document)) {
        yield* readStatuses(file, document);
      } else if (isObject(document) && Array.isArray(document.ancestors) && Array.isArray(document.descendants)) {
        yield* readStatuses(file, [...document.ancestors, ...document.descendants], contextLinks(document.ancestors, document.descendants));
      } else if (isObject(document) && isObject(document.account) && "content" in document) {
        yield* readStatuses(file, [document]);
      } else if (isObject(document) && Array.isArray(document.orderedItems)) {
        let fileActor = actor;
        const sibling = path.join(path.dirname(file), "actor.json");
        if (!fileActor && (await access(sibling).then(() => true, () => false))) fileActor = await readActor(sibling);
        yield* readOutbox(file, document, fileActor);
      } else {
        yield { kind: "invalid", where: { file }, message: "Expected Mastodon statuses (an array, one status, or a /context response) or an ActivityPub outbox (orderedItems)." };
      }
    }
  },
};
