import winkNLP from "wink-nlp";
import model from "wink-eng-lite-web-model";

type Nlp = ReturnType<typeof winkNLP>;
let instance: Nlp | null = null;

/** The wink-nlp pipeline with the lite English model, loaded once (about 100 MB, under 0.1 s). */
export function getNlp(): Nlp {
  instance ??= winkNLP(model);
  return instance;
}
