// wink-nlp's utilities ship without types; these are the parts the NLP module uses.
declare module "wink-nlp/utilities/bm25-vectorizer.js" {
  type BM25 = {
    learn(tokens: string[]): void;
    bowOf(tokens: string[], processOOV?: boolean): Record<string, number>;
    out(f: unknown): unknown;
  };
  export default function BM25Vectorizer(config?: { k?: number; k1?: number; b?: number; norm?: string }): BM25;
}
declare module "wink-nlp/utilities/similarity.js" {
  const similarity: { bow: { cosine(a: Record<string, number>, b: Record<string, number>): number } };
  export default similarity;
}
