import { Form } from "@remix-run/react";
import { useCallback, useEffect, useRef, useState } from "react";
import { codePointLength, utf16ToCodePoint } from "#research/shared/text-offsets";
import { CodePicker, type Passage } from "./code-picker";
import { CodedText, type CodeStyle } from "./coded-text";

export type SourceCoding = { id: string; codeId: string; start: number; end: number; quote: string; coderName: string };

/** Sentences of a text as passages (code point offsets), for choosing a passage from the keyboard. */
function sentencePassages(text: string): Passage[] {
  const passages: Passage[] = [];
  for (const match of text.matchAll(/[^.!?\n]+[.!?]*/g)) {
    const trimmed = match[0].trim();
    if (!trimmed) continue;
    const from = (match.index ?? 0) + match[0].indexOf(trimmed);
    passages.push({ label: `Sentence: “${trimmed.slice(0, 50)}${trimmed.length > 50 ? "…" : ""}”`, start: utf16ToCodePoint(text, from), end: utf16ToCodePoint(text, from + trimmed.length) });
  }
  return passages.length > 1 ? passages : [];
}

/** The offsets of the current browser selection inside `container`, in code points, or null. */
function selectionIn(container: HTMLElement, text: string): { start: number; end: number } | null {
  const selection = window.getSelection();
  if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return null;
  const range = selection.getRangeAt(0).cloneRange();
  // A drag often ends just past the text (in the next element): keep the part inside this source.
  const whole = document.createRange();
  whole.selectNodeContents(container);
  if (range.compareBoundaryPoints(Range.END_TO_START, whole) > 0 || range.compareBoundaryPoints(Range.START_TO_END, whole) < 0) return null;
  if (range.compareBoundaryPoints(Range.START_TO_START, whole) < 0) range.setStart(whole.startContainer, whole.startOffset);
  if (range.compareBoundaryPoints(Range.END_TO_END, whole) > 0) range.setEnd(whole.endContainer, whole.endOffset);
  const before = document.createRange();
  before.selectNodeContents(container);
  before.setEnd(range.startContainer, range.startOffset);
  const startUnits = before.toString().length;
  const endUnits = startUnits + range.toString().length;
  const start = utf16ToCodePoint(text, startUnits);
  const end = utf16ToCodePoint(text, endUnits);
  return end > start ? { start, end } : null;
}

/**
 * One codable source (a post or a field note): select text with the mouse, or press "Code…" and choose a
 * passage from the keyboard; without JavaScript a form codes the whole source.
 */
export function SourceCoder({ source, text, codings, codes, action, canCode }: { source: { sourceType: "post" | "fieldnote"; sourceId: string; label: string }; text: string; codings: SourceCoding[]; codes: CodeStyle[]; action: string; canCode: boolean }) {
  const bodyRef = useRef<HTMLDivElement>(null);
  const [picker, setPicker] = useState<Passage[] | null>(null);
  // Until JavaScript runs, a plain form codes the whole text; afterwards the passage picker takes over.
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  const styles = new Map(codes.map((code) => [code.id, code]));
  const whole: Passage = { label: "Whole text", start: 0, end: codePointLength(text) };
  const open = useCallback(() => {
    const selected = bodyRef.current ? selectionIn(bodyRef.current, text) : null;
    const passages = [
      ...(selected ? [{ label: `Selection: “${[...text].slice(selected.start, selected.end).join("").slice(0, 50)}”`, ...selected }] : []),
      whole,
      ...sentencePassages(text),
    ];
    setPicker(passages);
  }, [text]); // eslint-disable-line react-hooks/exhaustive-deps
  // Back to the text once codes are applied (or the picker is closed), to select the next passage.
  const close = useCallback(() => {
    setPicker(null);
    bodyRef.current?.focus();
  }, []);
  return (
    <div>
      <div ref={bodyRef} tabIndex={-1} className="body" data-source-id={source.sourceId} onMouseUp={() => canCode && bodyRef.current && selectionIn(bodyRef.current, text) && open()}>
        <CodedText text={text} codings={codings} codes={styles} />
      </div>
      {codings.length > 0 ? (
        <ul className="codings-of-post" aria-label={`Codes on ${source.label}`}>
          {codings.map((coding) => (
            <li key={coding.id}>
              <span className="swatch" style={{ background: styles.get(coding.codeId)?.colour }} aria-hidden="true" />
              <span><strong>{styles.get(coding.codeId)?.name ?? "?"}</strong> “{coding.quote.slice(0, 40)}{coding.quote.length > 40 ? "…" : ""}” <span className="muted">({coding.coderName})</span></span>
              {canCode ? (
                <Form method="post" action={action} style={{ display: "inline" }}>
                  <input type="hidden" name="intent" value="remove" />
                  <input type="hidden" name="codingId" value={coding.id} />
                  <button type="submit" className="link small" aria-label={`Remove code ${styles.get(coding.codeId)?.name} from “${coding.quote.slice(0, 30)}”`}>remove</button>
                </Form>
              ) : null}
            </li>
          ))}
        </ul>
      ) : null}
      {canCode ? (
        picker ? (
          <CodePicker source={source} passages={picker} codes={codes} onDone={close} action={action} />
        ) : hydrated ? (
          <div className="row" style={{ marginTop: ".4rem" }}>
            <button type="button" className="secondary small" onClick={open} aria-label={`Code a passage of ${source.label}`}>Code…</button>
          </div>
        ) : (
          <div className="row" style={{ marginTop: ".4rem" }}>
              <Form method="post" action={action} className="row">
                <input type="hidden" name="intent" value="apply" />
                <input type="hidden" name="sourceType" value={source.sourceType} />
                <input type="hidden" name="sourceId" value={source.sourceId} />
                <input type="hidden" name="start" value={0} />
                <input type="hidden" name="end" value={whole.end} />
                <select name="codeId" aria-label={`Code for all of ${source.label}`}>{codes.map((code) => <option key={code.id} value={code.id}>{code.name}</option>)}</select>
                <button type="submit" className="secondary small">Code whole text</button>
              </Form>
          </div>
        )
      ) : null}
    </div>
  );
}
