import { Parser } from "htmlparser2";
import { htmlToPlainText, normalizeText } from "./importers/html.js";

/**
 * Passages of a post that quote someone else: e-mail and Markdown `>` quoting, BBCode `[quote=...]`
 * (Discourse's raw form and most forums) and HTML blockquotes (Discourse quote asides, Stack Exchange).
 * Each comes with the line that attributes it ("Alice <a@b.example> wrote:", "alice:", the BBCode name),
 * so the quoted member can be recognised; what they said must be withheld wherever their own posts are.
 */
export type QuotedPassage = {
  /** [start, end) in UTF-16 units of the post's stored text. */
  start: number;
  end: number;
  /** The name or line that says whose words these are, or null. */
  attribution: string | null;
  /** The quoted words, markers removed and whitespace collapsed: what is compared with other posts. */
  words: string;
};

/** Enough for a real passage to be told apart from a stray ">" (at least a few words). */
const MIN_QUOTED_CHARS = 8;
/** A post quoting more than this is quoting a whole conversation: the first ones are the ones named. */
const MAX_PASSAGES = 50;

const collapse = (text: string) => text.replace(/\s+/g, " ").trim();

/** Whether a post may hold a quote at all: a cheap test before the full look. */
export function mayQuote(text: string, html: string | null): boolean {
  return (
    /(^|\n)[ \t]*>/.test(text) ||
    /\[quote/i.test(text) ||
    (html !== null && /<blockquote/i.test(html))
  );
}

/** The line before a passage, when it reads as an attribution ("... wrote:", "alice:", "Quoting bob"). */
function attributionBefore(text: string, start: number): string | null {
  const before = text.slice(Math.max(0, start - 400), start).replace(/\s+$/, "");
  const line = before
    .slice(before.lastIndexOf("\n") + 1)
    .replace(/^[ \t]*(?:>[ \t]?)*/, "")
    .trim();
  if (!line || line.length > 300) return null;
  if (
    /:$/.test(line) ||
    /\b(wrote|writes|said|says|quoting|schrieb|a écrit|escribió|scrisse)\b/i.test(line)
  )
    return line;
  return null;
}

/** Runs of `>` lines; a run quoted deeper inside it (`>>`, a quote of a quote) is a passage of its own. */
function quoteLinePassages(text: string): QuotedPassage[] {
  const lines: Array<{ start: number; end: number; depth: number }> = [];
  for (let start = 0; start <= text.length;) {
    const newline = text.indexOf("\n", start);
    const end = newline < 0 ? text.length : newline;
    const marker = /^[ \t]*(?:>[ \t]?)*/.exec(text.slice(start, end))?.[0] ?? "";
    lines.push({ start, end, depth: (marker.match(/>/g) ?? []).length });
    if (newline < 0) break;
    start = newline + 1;
  }
  const passages: QuotedPassage[] = [];
  for (let depth = 1; depth <= 4; depth++) {
    let first: number | null = null;
    const close = (last: number) => {
      if (first === null) return;
      const start = lines[first].start;
      const end = lines[last].end;
      // The passage's own words: its lines at this depth, not the deeper quote inside it.
      const words = collapse(
        lines
          .slice(first, last + 1)
          .filter((line) => line.depth === depth)
          .map((line) => text.slice(line.start, line.end).replace(/^[ \t]*(?:>[ \t]?)+/, ""))
          .join("\n"),
      );
      if (words.length >= MIN_QUOTED_CHARS)
        passages.push({ start, end, attribution: attributionBefore(text, start), words });
      first = null;
    };
    lines.forEach((line, index) => {
      if (line.depth >= depth) first ??= index;
      else close(index - 1);
    });
    close(lines.length - 1);
  }
  return passages;
}

/** `[quote]`, `[quote=alice]`, `[quote="alice, post:3, topic:9"]`, `[quote name="alice"]`: outermost only. */
function bbcodePassages(text: string): QuotedPassage[] {
  const passages: QuotedPassage[] = [];
  const tag = /\[(\/?)quote(?:[= ]([^\]]*))?\]/gi;
  let depth = 0;
  let open: { start: number; contentStart: number; name: string | null } | null = null;
  for (const match of text.matchAll(tag)) {
    const at = match.index ?? 0;
    if (!match[1]) {
      if (depth === 0) {
        const param = (match[2] ?? "")
          .replace(/^\s*(?:name|author)\s*=\s*/i, "")
          .replace(/^["']|["']$/g, "")
          .split(",")[0]
          .replace(/["']/g, "")
          .trim();
        open = { start: at, contentStart: at + match[0].length, name: param || null };
      }
      depth++;
    } else if (depth > 0) {
      depth--;
      if (depth === 0 && open) {
        const end = at + match[0].length;
        const words = collapse(
          text.slice(open.contentStart, at).replace(/\[\/?quote(?:[= ][^\]]*)?\]/gi, " "),
        );
        if (words.length >= MIN_QUOTED_CHARS)
          passages.push({
            start: open.start,
            end,
            attribution: open.name ?? attributionBefore(text, open.start),
            words,
          });
        open = null;
      }
    }
  }
  return passages;
}

/**
 * Top-level `<blockquote>` elements of the post's HTML, found again in its stored text (which was made
 * from that HTML): the text before each, such as a Discourse aside's "alice:" title, is its attribution.
 */
function blockquotePassages(text: string, html: string): QuotedPassage[] {
  const ranges: Array<{ open: number; close: number }> = [];
  let depth = 0;
  let openAt = 0;
  const parser: Parser = new Parser(
    {
      onopentag(name) {
        if (name !== "blockquote") return;
        if (depth === 0) openAt = parser.startIndex;
        depth++;
      },
      onclosetag(name) {
        if (name !== "blockquote" || depth === 0) return;
        depth--;
        if (depth === 0) ranges.push({ open: openAt, close: parser.endIndex + 1 });
      },
    },
    { decodeEntities: true },
  );
  parser.write(html);
  parser.end();
  const passages: QuotedPassage[] = [];
  let cursor = 0;
  for (const range of ranges.slice(0, MAX_PASSAGES)) {
    const quoted = normalizeText(htmlToPlainText(html.slice(range.open, range.close)));
    if (quoted.length < MIN_QUOTED_CHARS) continue;
    const at = text.indexOf(quoted, cursor);
    if (at < 0) continue;
    cursor = at + quoted.length;
    const before = normalizeText(htmlToPlainText(html.slice(0, range.open)));
    passages.push({
      start: at,
      end: at + quoted.length,
      attribution: attributionBefore(before, before.length) ?? attributionBefore(text, at),
      words: collapse(quoted),
    });
  }
  return passages;
}

/**
 * The quoted passages of a post, in text order. They may nest (a quote of a quote is also its own
 * passage, with its own attribution), so each can be judged by whose words it holds.
 */
export function findQuotedPassages(text: string, html: string | null): QuotedPassage[] {
  if (!mayQuote(text, html)) return [];
  const all = [
    ...bbcodePassages(text),
    ...(html ? blockquotePassages(text, html) : []),
    ...quoteLinePassages(text),
  ].sort((a, b) => a.start - b.start || b.end - a.end);
  const seen = new Set<string>();
  return all
    .filter((passage) => {
      const key = `${passage.start}:${passage.end}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .slice(0, MAX_PASSAGES);
}

const WITHHELD_LABEL = "[quote withheld]";
const SHORT_LABEL = "[withheld]";
const NAME_LABEL = "someone";

/** A stretch to blank: quoted words (labelled "[quote withheld]") or a name (labelled "someone"). */
export type BlankedSpan = { start: number; end: number; kind?: "words" | "name" };

/**
 * The text with the given passages blanked out, keeping every offset: each code point becomes one code
 * point (line breaks and `>` markers stay, the words become spaces) and a label says what happened, so
 * codings on the rest of the post still point at the same words.
 */
export function blankPassages(text: string, passages: BlankedSpan[]): string {
  const merged: BlankedSpan[] = [];
  for (const { start, end, kind } of [...passages].sort((a, b) => a.start - b.start)) {
    const last = merged[merged.length - 1];
    if (last && start <= last.end) {
      last.end = Math.max(last.end, end);
      if (kind !== "name") last.kind = "words";
    } else merged.push({ start, end, kind });
  }
  let result = "";
  let at = 0;
  for (const { start, end, kind } of merged) {
    result += text.slice(at, start);
    const lines = text.slice(start, end).split("\n");
    let labelled = false;
    const labels = kind === "name" ? [NAME_LABEL] : [WITHHELD_LABEL, SHORT_LABEL];
    result += lines
      .map((line) => {
        const marker = /^[ \t]*(?:>[ \t]?)*/.exec(line)?.[0] ?? "";
        const points = Array.from(line.slice(marker.length)).length;
        if (points === 0) return marker;
        let label = "";
        if (!labelled) {
          label = labels.find((candidate) => points >= candidate.length) ?? "…";
          labelled = true;
        }
        return marker + label + " ".repeat(points - label.length);
      })
      .join("\n");
    at = end;
  }
  return result + text.slice(at);
}

/**
 * Where the attribution line of a passage names any of these names: each occurrence, to be blanked
 * too, so the line does not say who opted out ("alice_w:" becomes "someone:").
 */
export function namesInAttribution(
  text: string,
  passage: QuotedPassage,
  names: string[],
): BlankedSpan[] {
  if (!passage.attribution) return [];
  const at = text.lastIndexOf(passage.attribution, passage.start);
  // Inside the passage (a BBCode tag) it is blanked already; far before it, it is another line.
  if (at < 0 || at >= passage.start || passage.start - (at + passage.attribution.length) > 12)
    return [];
  const spans: BlankedSpan[] = [];
  const line = passage.attribution;
  for (const name of names.filter((candidate) => candidate.length >= 3)) {
    const pattern = new RegExp(
      `(^|[^\\p{L}\\p{N}_])(@?${escape(name).replace(/@/g, "(?:@|\\s+at\\s+)")})(?![\\p{L}\\p{N}_])`,
      "giu",
    );
    for (const match of line.matchAll(pattern)) {
      const start = at + (match.index ?? 0) + match[1].length;
      spans.push({ start, end: start + match[2].length, kind: "name" });
    }
  }
  return spans;
}

/** Names a member is attributed by: handle, its local part, display name (case-insensitive words). */
export function attributionNames(member: { handle: string; displayName: string | null }): string[] {
  const names = [member.handle, member.displayName ?? ""];
  // Stack Exchange mentions drop the spaces of a display name ("@AliceWong said:").
  for (const name of [...names]) if (/\s/.test(name.trim())) names.push(name.replace(/\s+/g, ""));
  const local = member.handle.split("@")[0];
  if (member.handle.includes("@") && local.length >= 3) names.push(local);
  return [
    ...new Set(names.map((name) => name.trim().toLowerCase()).filter((name) => name.length > 0)),
  ];
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Whether the attribution line names the member (as a whole word, or an e-mail address spelt " at "). */
export function isAttributedTo(attribution: string, names: string[]): boolean {
  const line = attribution.toLowerCase().replace(/\s+at\s+/g, "@");
  return names.some((name) => {
    if (name.length < 3) return line.replace(/[:\s]+$/, "").replace(/^@/, "") === name;
    return new RegExp(`(^|[^\\p{L}\\p{N}_])@?${escape(name)}(?![\\p{L}\\p{N}_])`, "iu").test(line);
  });
}

/** Whether the passage's words occur in another text (a post the quoted member wrote). */
export function quotesFrom(passage: QuotedPassage, text: string): boolean {
  if (passage.words.length < MIN_QUOTED_CHARS) return false;
  const haystack = collapse(text).toLowerCase();
  const words = passage.words.toLowerCase();
  // A long quote is often trimmed or re-wrapped: a run of words from its start is enough evidence.
  const probe = words.length > 80 ? words.slice(0, 80).replace(/\s\S*$/, "") : words;
  return haystack.includes(probe);
}
