import type { CompiledQuery } from "kysely";

/**
 * PostgreSQL text cannot hold the NUL character (U+0000): a field note, a finder's words or an imported
 * post carrying one failed there with "invalid byte sequence", where SQLite stored it. Every text that
 * reaches either engine has it replaced by U+FFFD, one code point for one, so the stored text is the same
 * on both engines and spans counted in code points still fit.
 */
const REPLACEMENT = "\uFFFD";

export function withoutNul(text: string): string {
  return text.includes("\u0000") ? text.replaceAll("\u0000", REPLACEMENT) : text;
}

/**
 * The same for JSON text, where NUL is written as the escape `\u0000` (PostgreSQL's json cannot turn it
 * into text either). An escape is a backslash preceded by an even number of others (`\\u0000` is a
 * backslash, then "u0000", and stays).
 */
export function jsonWithoutNul(json: string): string {
  return json.includes("\\u0000")
    ? json.replace(/(?<!\\)((?:\\\\)*)\\u0000/g, `$1${REPLACEMENT}`)
    : json;
}

/** The query with withoutNul applied to its text parameters (itself when none holds a NUL). */
export function withTextParametersWithoutNul<Q extends CompiledQuery>(query: Q): Q {
  const { parameters } = query;
  let found = false;
  for (const parameter of parameters)
    if (typeof parameter === "string" && parameter.includes("\u0000")) {
      found = true;
      break;
    }
  if (!found) return query;
  return {
    ...query,
    parameters: parameters.map((parameter) =>
      typeof parameter === "string" ? withoutNul(parameter) : parameter,
    ),
  };
}

type Cleanable =
  string | number | boolean | null | undefined | Cleanable[] | { [key: string]: Cleanable };

/**
 * A record (an imported post with its author) with withoutNul applied to every text in it: done once on
 * the way in, so what the import compares in memory (source keys, handles) is what the tables hold.
 */
export function recordWithoutNul<T>(record: T): T {
  const clean = (value: Cleanable): Cleanable => {
    if (typeof value === "string") return withoutNul(value);
    if (Array.isArray(value)) return value.map(clean);
    if (value && typeof value === "object")
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, clean(item)]));
    return value;
  };
  return holdsNul(record as Cleanable) ? (clean(record as Cleanable) as T) : record;
}

function holdsNul(value: Cleanable): boolean {
  if (typeof value === "string") return value.includes("\u0000");
  if (value === null || typeof value !== "object") return false;
  if (Array.isArray(value)) {
    for (const item of value) if (holdsNul(item)) return true;
    return false;
  }
  for (const key in value) if (holdsNul(value[key])) return true;
  return false;
}
