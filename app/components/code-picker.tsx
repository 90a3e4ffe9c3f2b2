import { useFetcher } from "@remix-run/react";
import { useEffect, useId, useRef, useState } from "react";
import type { CodeStyle } from "./coded-text";

export type Passage = { label: string; start: number; end: number };

/**
 * Applies codes to a passage of one source: a searchable list of codes (keyboard-friendly: type to
 * filter, space to tick, enter to apply) and a passage chooser (the mouse selection, a sentence, or the
 * whole post).
 */
export function CodePicker({ source, passages, codes, onDone, action }: { source: { sourceType: string; sourceId: string }; passages: Passage[]; codes: CodeStyle[]; onDone: () => void; action: string }) {
  const fetcher = useFetcher();
  const [filter, setFilter] = useState("");
  const [passage, setPassage] = useState(0);
  const searchRef = useRef<HTMLInputElement>(null);
  const id = useId();
  useEffect(() => searchRef.current?.focus(), []);
  useEffect(() => {
    if (fetcher.state === "idle" && fetcher.data) onDone();
  }, [fetcher.state, fetcher.data, onDone]);
  const visible = codes.filter((code) => code.name.toLowerCase().includes(filter.toLowerCase()));
  const chosen = passages[passage] ?? passages[0];
  return (
    <fetcher.Form method="post" action={action} className="card stack code-picker" role="dialog" aria-label="Apply codes" onKeyDown={(event) => event.key === "Escape" && onDone()}>
      <input type="hidden" name="intent" value="apply" />
      <input type="hidden" name="sourceType" value={source.sourceType} />
      <input type="hidden" name="sourceId" value={source.sourceId} />
      <input type="hidden" name="start" value={chosen.start} />
      <input type="hidden" name="end" value={chosen.end} />
      <div className="field">
        <label htmlFor={`${id}-passage`}>Passage</label>
        <select id={`${id}-passage`} value={passage} onChange={(event) => setPassage(Number(event.target.value))}>
          {passages.map((p, index) => <option key={index} value={index}>{p.label}</option>)}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-filter`}>Find a code</label>
        <input id={`${id}-filter`} ref={searchRef} type="search" value={filter} onChange={(event) => setFilter(event.target.value)} autoComplete="off" />
      </div>
      <fieldset className="code-list">
        <legend className="visually-hidden">Codes</legend>
        {visible.length === 0 ? <p className="small muted">No code matches.</p> : null}
        {visible.map((code) => (
          <label key={code.id} style={{ display: "block" }}>
            <input type="checkbox" name="codeId" value={code.id} /> <span aria-hidden="true" style={{ display: "inline-block", width: 10, height: 10, background: code.colour, borderRadius: 2 }} /> {code.name}
          </label>
        ))}
      </fieldset>
      <div className="row">
        <button type="submit" disabled={fetcher.state !== "idle"}>Apply codes</button>
        <button type="button" className="secondary" onClick={onDone}>Cancel</button>
      </div>
    </fetcher.Form>
  );
}
