import { codePointLength } from "../shared/text-offsets.js";

/**
 * How another QDA tool counted positions in a text. The standard says Unicode code points; some .NET
 * and Windows programs count UTF-16 units; some count "\r\n" as one character; a few count UTF-8 bytes.
 */
export type PositionReading = "code-points" | "code-points-crlf-as-one" | "utf16" | "utf16-crlf-as-one" | "utf8-bytes";
export const READINGS: PositionReading[] = ["code-points", "utf16", "code-points-crlf-as-one", "utf16-crlf-as-one", "utf8-bytes"];

/** For each reading, the raw UTF-16 index where each counted position falls. */
export function positionTables(raw: string): Record<PositionReading, number[]> {
  const tables: Record<PositionReading, number[]> = { "code-points": [0], "code-points-crlf-as-one": [0], utf16: [0], "utf16-crlf-as-one": [0], "utf8-bytes": [0] };
  for (let i = 0; i < raw.length; ) {
    const code = raw.codePointAt(i)!;
    const units = code > 0xffff ? 2 : 1;
    const next = i + units;
    const crOfCrlf = raw[i] === "\r" && raw[i + 1] === "\n";
    const bytes = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    tables["code-points"].push(next);
    if (!crOfCrlf) tables["code-points-crlf-as-one"].push(next);
    for (let u = 0; u < units; u++) tables.utf16.push(u === units - 1 ? next : i + u + 1);
    if (!crOfCrlf) for (let u = 0; u < units; u++) tables["utf16-crlf-as-one"].push(u === units - 1 ? next : i + u + 1);
    for (let b = 0; b < bytes; b++) tables["utf8-bytes"].push(b === bytes - 1 ? next : -1);
    i = next;
  }
  return tables;
}

export type RawSelection = { start: number; end: number; name?: string };

const squash = (text: string) => text.replace(/\s+/g, " ").trim().toLowerCase();
const isWordChar = (char: string | undefined) => Boolean(char && /[\p{L}\p{N}_]/u.test(char));

/** How well a reading lands the selections on their text: quoted names that match weigh most. */
function scoreReading(raw: string, table: number[], selections: RawSelection[]): number {
  let score = 0;
  for (const selection of selections) {
    const from = table[selection.start];
    const to = table[selection.end];
    if (from === undefined || to === undefined || from < 0 || to < 0 || to < from) {
      score -= 10;
      continue;
    }
    const slice = raw.slice(from, to);
    if (selection.name) {
      const name = squash(selection.name);
      const got = squash(slice);
      if (name && got === name) score += 4;
      else if (name && got && (got.startsWith(name) || name.startsWith(got))) score += 2;
      else score -= 1;
    }
    if (!isWordChar(raw[from - 1]) || !isWordChar(raw[from])) score += 0.5;
    if (!isWordChar(raw[to - 1]) || !isWordChar(raw[to])) score += 0.5;
  }
  return score;
}

/**
 * Finds the reading under which a file's selections land on their text; the standard reading wins ties.
 * Tools count the same way throughout a file, so one reading is chosen for all of its texts.
 */
export function chooseReading(texts: Array<{ raw: string; selections: RawSelection[] }>): { reading: PositionReading; scores: Record<PositionReading, number> } {
  const scores = Object.fromEntries(READINGS.map((reading) => [reading, 0])) as Record<PositionReading, number>;
  for (const { raw, selections } of texts) {
    if (selections.length === 0) continue;
    const tables = positionTables(raw);
    for (const reading of READINGS) scores[reading] += scoreReading(raw, tables[reading], selections);
  }
  const best = READINGS.reduce((a, b) => (scores[b] > scores[a] ? b : a), READINGS[0]);
  return { reading: best, scores };
}

/**
 * Converts a position counted under `reading` in the raw text to a code point offset in the stored text
 * (the raw text with "\r\n" turned into "\n"). Null when the position does not exist under that reading.
 */
export function toStoredOffset(raw: string, table: number[], position: number): number | null {
  const rawIndex = table[position];
  if (rawIndex === undefined || rawIndex < 0) return null;
  const before = raw.slice(0, rawIndex);
  const crlfBefore = (before.match(/\r\n/g) ?? []).length + (before.endsWith("\r") && raw[rawIndex] === "\n" ? 1 : 0);
  const storedUtf16 = rawIndex - crlfBefore;
  const stored = raw.replace(/\r\n/g, "\n");
  return codePointLength(stored.slice(0, storedUtf16));
}
