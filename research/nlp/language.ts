import { franc } from "franc-min";

const CANDIDATES = ["eng", "fra", "deu", "spa", "ita", "por", "nld", "rus", "cmn", "jpn", "arb", "hin", "tur", "pol", "swe", "ukr", "ind", "vie"];

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
  const quick = byFunctionWords(sample);
  if (quick) return quick;
  // Comparing against every language franc knows costs a third of a millisecond per post; the languages
  // below cover the communities researchers meet, and anything else still comes out as "not English".
  const code = franc(sample.slice(0, 300), { minLength: 40, only: CANDIDATES });
  if (code === "und") return null;
  return TWO_LETTER[code] ?? code;
}

/** The most frequent function words of common languages: cheap to count, and decisive on ordinary prose. */
const FUNCTION_WORDS: Record<string, Set<string>> = {
  en: new Set("the and to of a in is it that i you for this with on be not are have but was as if or my so at can they we do there what would just an from".split(" ")),
  fr: new Set("le la les de des du un une et est pas que qui je tu il elle nous vous ils sur pour dans avec ce cette mais ou ne se au aux plus très".split(" ")),
  de: new Set("der die das und ist nicht ich du er sie es wir ihr ein eine zu mit auf für von den dem im auch aber oder wie noch nur sehr".split(" ")),
  es: new Set("el la los las de del y que es en un una por con para no se lo le su pero como más muy yo tu está son".split(" ")),
  it: new Set("il lo la gli le di del della e che è non un una per con su da ma come più sono io tu anche molto questo".split(" ")),
  pt: new Set("o a os as de do da dos das e que é não um uma para com em por mas como mais muito eu você está são isso".split(" ")),
  nl: new Set("de het een en is niet ik je jij hij zij wij van in op met voor dat die maar ook als dan nog wel er".split(" ")),
};

/** The language whose function words dominate the sample, when one clearly does. */
function byFunctionWords(sample: string): string | null {
  const words = (sample.toLowerCase().match(/\p{L}+/gu) ?? []).slice(0, 60);
  if (words.length < 8) return null;
  const languages = Object.keys(FUNCTION_WORDS);
  const hits = new Array<number>(languages.length).fill(0);
  for (const word of words) for (let i = 0; i < languages.length; i++) if (FUNCTION_WORDS[languages[i]].has(word)) hits[i]++;
  const order = hits.map((count, i) => [languages[i], count / words.length] as const).sort((a, b) => b[1] - a[1]);
  const [best, second] = order;
  return best[1] >= 0.2 && best[1] >= second[1] * 1.8 ? best[0] : null;
}
