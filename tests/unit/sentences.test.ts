import { expect, test } from "vitest";
import { annotateText } from "../../research/nlp/annotate.js";

const sentencesOf = (text: string) =>
  annotateText(text).sentences.map((sentence) =>
    [...text].slice(sentence.start, sentence.end).join(""),
  );

test("sentences are not split inside brackets, URLs or domain names", () => {
  expect(sentencesOf("Ask on the list [esperanto.se] first. Then post here.")).toEqual([
    "Ask on the list [esperanto.se] first.",
    "Then post here.",
  ]);
  expect(
    sentencesOf("The guide is at https://example.org/docs/intro.html today. It helps."),
  ).toEqual(["The guide is at https://example.org/docs/intro.html today.", "It helps."]);
  expect(sentencesOf("It works (see the wiki. It is long) for me. Thanks!")).toEqual([
    "It works (see the wiki. It is long) for me.",
    "Thanks!",
  ]);
  // Ordinary sentences still split, emoji and accents counted as one code point each.
  expect(sentencesOf("Café crème 👍 is great. I agree.")).toEqual([
    "Café crème 👍 is great.",
    "I agree.",
  ]);
});
