import { expect, test } from "vitest";
import { detectLanguage } from "../../research/nlp/language.js";

test("ordinary community posts are recognised by language; short ones are left undecided", () => {
  expect(detectLanguage("I've been living in my van for two years and the thing that surprised me most is how much I rely on the solar panel. Does anyone else have trouble with the batteries in winter?")).toBe("en");
  expect(detectLanguage("Je vis dans mon camion depuis deux ans et ce qui m'a le plus surpris, c'est à quel point je dépends du panneau solaire. Est-ce que vous avez aussi des problèmes avec les batteries en hiver ?")).toBe("fr");
  expect(detectLanguage("Ich lebe seit zwei Jahren in meinem Van und was mich am meisten überrascht hat, ist wie sehr ich auf das Solarpanel angewiesen bin. Hat noch jemand Probleme mit den Batterien im Winter?")).toBe("de");
  expect(detectLanguage("Vivo en mi furgoneta desde hace dos años y lo que más me ha sorprendido es cuánto dependo del panel solar. ¿Alguien más tiene problemas con las baterías en invierno?")).toBe("es");
  expect(detectLanguage("Я живу в своём фургоне уже два года, и больше всего меня удивило, насколько я завишу от солнечной панели зимой.")).toBe("ru");
  expect(detectLanguage("lol same")).toBeNull();
  expect(detectLanguage("https://example.org/a/very/long/link/that/is/not/language/at/all/really")).toBeNull();
});

test("links do not decide the language of a post", () => {
  const text = "Voici le lien https://example.com/the-best-guide-for-the-van-life-in-the-winter-and-the-summer pour le guide, il est très utile pour les débutants et pour nous tous.";
  expect(detectLanguage(text)).toBe("fr");
});
