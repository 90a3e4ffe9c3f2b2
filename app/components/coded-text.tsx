import { codePointToUtf16 } from "#research/shared/text-offsets";

export type CodedSpan = { id: string; start: number; end: number; codeIds: string[] };
export type CodeStyle = { id: string; name: string; colour: string };

/**
 * A post's text with coded spans highlighted in their code's colour. The rendered text is exactly the
 * stored text (highlights add no characters), so a browser selection maps back to offsets.
 */
export function CodedText({ text, codings, codes }: { text: string; codings: Array<{ start: number; end: number; codeId: string }>; codes: Map<string, CodeStyle> }) {
  const cuts = new Set<number>([0, text.length]);
  const spans = codings.map((coding) => ({ from: codePointToUtf16(text, coding.start), to: codePointToUtf16(text, coding.end), codeId: coding.codeId }));
  for (const span of spans) {
    cuts.add(span.from);
    cuts.add(span.to);
  }
  const points = [...cuts].sort((a, b) => a - b);
  const pieces = [];
  for (let i = 0; i < points.length - 1; i++) {
    const from = points[i];
    const to = points[i + 1];
    const covering = spans.filter((span) => span.from <= from && span.to >= to);
    const piece = text.slice(from, to);
    if (covering.length === 0) {
      pieces.push(piece);
      continue;
    }
    const styles = covering.map((span) => codes.get(span.codeId)).filter((style): style is CodeStyle => Boolean(style));
    const colour = styles[0]?.colour ?? "#999";
    pieces.push(
      <mark key={from} title={styles.map((style) => style.name).join(", ")} data-codes={styles.map((style) => style.name).join("|")}
        style={{ background: `${colour}33`, borderBottom: `3px solid ${colour}`, boxShadow: styles.length > 1 ? `inset 0 -6px 0 ${styles[1].colour}55` : undefined, color: "inherit" }}>
        {piece}
      </mark>,
    );
  }
  return <>{pieces}</>;
}
