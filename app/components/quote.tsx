/** A cloaked quote as reports show it: the text (or why it is withheld), its author's name, flags. */
export type QuoteView = { ref: string; text: string | null; author: string; treatment: string; searchable: boolean; searchUrl: string | null; searchTested: boolean; note: string };

export function CloakedQuoteView({ quote }: { quote: QuoteView }) {
  if (quote.text === null) return <p className="small muted"><em>[{quote.ref}] quote withheld: {quote.note}</em></p>;
  return (
    <blockquote className="post" style={{ margin: ".5rem 0" }}>
      <p className="body" style={{ margin: 0 }}>{quote.text}</p>
      <p className="meta" style={{ margin: ".3rem 0 0" }}>— {quote.author} [{quote.ref}{quote.treatment === "paraphrased" ? ", paraphrased" : ""}]
        {quote.searchable && !quote.searchTested ? <span className="pill" style={{ background: "#fff0c2" }}>searchable verbatim quote</span> : null}
      </p>
    </blockquote>
  );
}
