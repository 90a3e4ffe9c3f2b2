import type { Member } from "../collection/model.js";
import type { CloakingLevel, ConsentStatus } from "../entree/model.js";

export type QuoteTreatmentKind = "verbatim" | "pseudonymised" | "paraphrased" | "withheld";
export type CloakedQuote = {
  /** A reference that reveals nothing (used by member checks to point at a quote). */
  ref: string;
  /** What the report shows; null when it must show nothing (a paraphrase is required and missing). */
  text: string | null;
  author: string;
  treatment: QuoteTreatmentKind;
  /** Long, distinctive verbatim text a web search could trace back to its author. */
  searchable: boolean;
  searchUrl: string | null;
  searchTested: boolean;
  note: string;
};

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** What cloaking needs to know of a member: the names to disguise and the pseudonym to show instead. */
export type NamedMember = Pick<Member, "id" | "handle" | "displayName" | "pseudonym">;

/**
 * Pseudonyms for handles: the rules of the cloaking level applied to names wherever they appear.
 * `members` holds the members whose names may occur in the texts at hand (not necessarily all of them);
 * `consent` their recorded consent.
 */
export type NameBook = {
  members: NamedMember[];
  consent: Map<string, ConsentStatus>;
  level: CloakingLevel;
  communityNames: string[];
};

/** The name a member is shown under: their real handle only uncloaked and with their consent. */
export function displayName(
  member: NamedMember | undefined,
  book: Pick<NameBook, "level" | "consent">,
): string {
  if (!member) return "a former member";
  return book.level === "uncloaked" && book.consent.get(member.id) === "consented"
    ? member.handle
    : member.pseudonym;
}

/**
 * Replaces handles (as @mentions, signatures or plain words), display names and, above minimum cloaking,
 * community names and hashtags inside a text.
 */
export function disguiseNames(text: string, book: NameBook): string {
  let result = text;
  const lower = text.toLowerCase();
  const namesOf = (member: NamedMember) => [
    ...new Set(
      [member.handle, member.handle.split("@")[0], member.displayName ?? ""].filter(
        (name) => name.length > 0,
      ),
    ),
  ];
  const lines = new Set(
    lower.split("\n").map((line) => line.replace(/^[ \t]*(?:[-–—~][ \t]*)?/, "").trim()),
  );
  const mentioned = (name: string) =>
    name.length >= 3
      ? lower.includes(name.toLowerCase())
      : lower.includes(`@${name.toLowerCase()}`) || lines.has(name.toLowerCase());
  const present = book.members.filter((member) => namesOf(member).some(mentioned));
  // Longest names first, across members: "Alice Wong" must go whole before the handle "alice" turns it
  // into "Pseudonym 1 Wong".
  const names = present
    .flatMap((member) => namesOf(member).map((name) => ({ name, member })))
    .sort((a, b) => b.name.length - a.name.length);
  for (const { name, member } of names) {
    const pseudonym = displayName(member, book);
    if (name.length >= 3) {
      const plainWord = /^\p{L}+$/u.test(name);
      result = result.replace(
        new RegExp(`(^|[^\\p{L}\\p{N}_])(@?)${escape(name)}(?![\\p{L}\\p{N}_])`, "giu"),
        (whole: string, before: string, at: string, offset: number, all: string) =>
          // A handle that is also a word ("user", Stack Exchange's "Community") is that word after an
          // article or determiner ("when a user is recreated"), not the member.
          plainWord &&
          !at &&
          DETERMINER_BEFORE.test(all.slice(Math.max(0, offset - 12), offset + before.length))
            ? whole
            : `${before}${pseudonym}`,
      );
    } else {
      // A one- or two-letter name is also an ordinary word ("jo", "al"): only its @mention and a signature
      // on a line of its own are certainly the member.
      result = result.replace(
        new RegExp(`(^|[^\\p{L}\\p{N}_])@${escape(name)}(?![\\p{L}\\p{N}_])`, "giu"),
        (_, before: string) => `${before}${pseudonym}`,
      );
      result = result.replace(
        new RegExp(`(^|\\n)([ \\t]*(?:[-–—~][ \\t]*)?)${escape(name)}[ \\t]*(?=\\n|$)`, "giu"),
        (_, start: string, dash: string) => `${start}${dash}${pseudonym}`,
      );
    }
  }
  result = disguiseLooseMentions(result, book, namesOf);
  if (book.level === "medium" || book.level === "maximum") {
    result = disguiseAttributions(result, book);
    // An address is someone's, member or not (members' own were replaced with their names above).
    result = result.replace(EMAIL_ADDRESS, "[address]");
    for (const name of book.communityNames.filter((n) => n.length >= 3))
      result = result.replace(new RegExp(escape(name), "gi"), "[the community]");
    result = result.replace(/(^|\s)#[\p{L}\p{N}_]+/gu, "$1#[hashtag]");
  }
  return result;
}

/** An article or determiner ending the text before a word: the word is then a noun, not a name. */
const DETERMINER_BEFORE =
  /(?:^|[^\p{L}])(?:a|an|the|this|that|these|those|every|each|any|some|no|our|your|my|his|her|its|their)\s+$/iu;

const EMAIL_ADDRESS = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+/gu;

/**
 * The line that introduces a quote names who wrote it ("On Tue, 5 Mar 2002, Bart Schaefer wrote:",
 * "Quoting Bart:"), member of the corpus or not. Above minimum cloaking a name there that is not
 * already a pseudonym (or the "someone" of a withheld quote) becomes "[someone]".
 */
function disguiseAttributions(text: string, book: NameBook): string {
  const shown = new Set(
    [...book.members.map((member) => displayName(member, book)), "someone", "[someone]"].map(
      (name) => name.toLowerCase(),
    ),
  );
  const keep = (name: string) =>
    shown.has(name.trim().toLowerCase()) ||
    // "As I said:", "he wrote:": no one is named.
    /(?:^|\s)(?:i|he|she|they|we|you|it|one|someone|somebody|everyone|nobody)$/i.test(name.trim());
  return text
    .replace(
      /^([ \t>]*(?:On [^\n]{0,120}?,[ \t]*)?)([^\n:,]{1,120}?)([ \t]+(?:wrote|writes|said|says)[ \t]*:[ \t]*)$/gimu,
      (whole, start: string, name: string, verb: string) =>
        keep(name) ? whole : `${start}[someone]${verb}`,
    )
    .replace(
      /^([ \t>]*Quoting[ \t]+)([^\n:]{1,120}?)([ \t]*:[ \t]*)$/gimu,
      (whole, start: string, name: string, end: string) =>
        keep(name) ? whole : `${start}[someone]${end}`,
    );
}

const squashed = (name: string) => name.toLowerCase().replace(/[\s._-]+/g, "");

/**
 * @mentions that do not spell a name exactly: Stack Exchange drops the spaces of a display name
 * ("@JohnSmith") and accepts its first three letters or more ("@Joh"); other platforms vary case and
 * punctuation. A mention that matches a member that way gets their pseudonym; above minimum cloaking a
 * mention of no known member is still someone's real handle and is replaced too.
 */
function disguiseLooseMentions(
  text: string,
  book: NameBook,
  namesOf: (member: NamedMember) => string[],
): string {
  const cloaked = book.level === "medium" || book.level === "maximum";
  return text.replace(
    /(^|[^\p{L}\p{N}_@.])@([\p{L}\p{N}][\p{L}\p{N}_.-]*[\p{L}\p{N}_])/gu,
    (whole, before: string, mention: string) => {
      const key = squashed(mention);
      if (key.length < 3) return whole;
      const member = book.members.find((candidate) =>
        namesOf(candidate).some((name) => {
          const full = squashed(name);
          return full === key || full.startsWith(key);
        }),
      );
      if (member) return `${before}${displayName(member, book)}`;
      return cloaked ? `${before}@[someone]` : whole;
    },
  );
}

/** Long and distinctive enough that a web search could find the original post. */
export function isSearchable(text: string): boolean {
  const words = text.match(/[\p{L}\p{N}']+/gu) ?? [];
  const distinct = new Set(words.map((w) => w.toLowerCase()).filter((w) => w.length > 3));
  return words.length >= 8 && distinct.size >= 5;
}

/** Whether a paraphrase still carries a run of six or more consecutive words of the original. */
export function keepsVerbatimRun(original: string, paraphrase: string, run = 6): boolean {
  const words = original.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? [];
  const target = ` ${(paraphrase.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? []).join(" ")} `;
  for (let i = 0; i + run <= words.length; i++)
    if (target.includes(` ${words.slice(i, i + run).join(" ")} `)) return true;
  return false;
}

/**
 * Cloaks one coded quote for a report. Maximum cloaking, and members who asked for paraphrase only,
 * get the researcher's paraphrase or nothing; a paraphrase that keeps the original wording is refused.
 * Names are disguised everywhere; long verbatim quotes are flagged with a ready search link.
 */
export function cloakQuote({
  ref,
  quote,
  author,
  paraphrase,
  searchTested,
  book,
}: {
  ref: string;
  quote: string;
  author: NamedMember | undefined;
  paraphrase: string;
  searchTested: boolean;
  book: NameBook;
}): CloakedQuote {
  const authorName = displayName(author, book);
  const paraphraseOnly =
    book.level === "maximum" ||
    (author ? book.consent.get(author.id) === "paraphrase-only" : false);
  if (paraphraseOnly) {
    const clean = paraphrase.trim();
    if (!clean)
      return {
        ref,
        text: null,
        author: authorName,
        treatment: "withheld",
        searchable: false,
        searchUrl: null,
        searchTested,
        note:
          book.level === "maximum"
            ? "Maximum cloaking: write a paraphrase; verbatim quotes are refused."
            : "The member asked to be quoted only in paraphrase.",
      };
    if (keepsVerbatimRun(quote, clean) || clean === quote.trim()) {
      return {
        ref,
        text: null,
        author: authorName,
        treatment: "withheld",
        searchable: false,
        searchUrl: null,
        searchTested,
        note: "Refused: the paraphrase keeps the original wording (six or more words in a row).",
      };
    }
    return {
      ref,
      text: disguiseNames(clean, book),
      author: authorName,
      treatment: "paraphrased",
      searchable: false,
      searchUrl: null,
      searchTested,
      note: "Paraphrased by the researcher.",
    };
  }
  const disguised = disguiseNames(quote.trim(), book);
  const searchable = isSearchable(disguised);
  const phrase = (disguised.match(/[\p{L}\p{N}']+/gu) ?? []).slice(0, 12).join(" ");
  return {
    ref,
    text: disguised,
    author: authorName,
    treatment: disguised === quote.trim() ? "verbatim" : "pseudonymised",
    searchable,
    searchUrl: searchable
      ? `https://www.google.com/search?q=${encodeURIComponent(`"${phrase}"`)}`
      : null,
    searchTested,
    note: searchable
      ? searchTested
        ? "Verbatim; the researcher ran the search test."
        : "Verbatim and searchable: run the search test or paraphrase it."
      : "Short or common enough not to be traced.",
  };
}
