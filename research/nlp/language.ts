import { franc } from "franc-min";

/** ISO 639-3 codes franc returns, mapped to the two-letter codes researchers type. */
const TWO_LETTER: Record<string, string> = {
  eng: "en", fra: "fr", deu: "de", spa: "es", ita: "it", por: "pt", nld: "nl", rus: "ru", cmn: "zh", jpn: "ja", kor: "ko",
  arb: "ar", hin: "hi", tur: "tr", pol: "pl", swe: "sv", ukr: "uk", ind: "id", vie: "vi", pes: "fa", ben: "bn", tha: "th",
};

/**
 * The language of a text as a two-letter code, or null when the text is too short to tell. Short texts
 * (under 40 letters) are common in community talk and guessing on them flags English posts as foreign.
 */
export function detectLanguage(text: string): string | null {
  const sample = text.slice(0, 600).replace(/https?:\/\/\S+/g, "");
  const letters = sample.replace(/[^\p{L}]/gu, "");
  if (letters.length < 40) return null;
  if (looksEnglish(sample)) return "en";
  const code = franc(sample, { minLength: 40 });
  if (code === "und") return null;
  return TWO_LETTER[code] ?? code;
}

const ENGLISH_FUNCTION_WORDS = new Set([
  "the", "and", "to", "of", "a", "in", "is", "it", "that", "i", "you", "for", "this", "with", "on", "be", "not", "are", "have",
  "but", "was", "as", "if", "or", "my", "so", "at", "can", "they", "we", "do", "there", "what", "would", "just", "an", "from",
]);

/** Cheap check before franc: ordinary English prose is dense in these function words. */
function looksEnglish(sample: string): boolean {
  const words = sample.toLowerCase().match(/[a-z']+/g) ?? [];
  if (words.length < 8) return false;
  const hits = words.filter((word) => ENGLISH_FUNCTION_WORDS.has(word)).length;
  return hits / words.length >= 0.28;
}
