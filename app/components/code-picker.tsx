import { useFetcher } from "@remix-run/react";
import { useEffect, useId, useRef, useState } from "react";
import type { CodeStyle } from "./coded-text";

export type Passage = { label: string; start: number; end: number };

/** Codes applied lately, newest first, per project (the action path names it), for number keys 1–9. */
const RECENT_MAX = 9;
const recentKey = (action: string) => `netno-recent-codes:${action}`;

function readRecent(action: string): string[] {
  try {
    const value: unknown = JSON.parse(window.localStorage.getItem(recentKey(action)) ?? "[]");
    return Array.isArray(value) ? value.filter((id): id is string => typeof id === "string") : [];
  } catch {
    return [];
  }
}

function rememberRecent(action: string, codeIds: string[]): void {
  try {
    const next = [...new Set([...codeIds, ...readRecent(action)])].slice(0, RECENT_MAX);
    window.localStorage.setItem(recentKey(action), JSON.stringify(next));
  } catch {
    // Storage refused (private mode, quota): shortcuts just stay as they were.
  }
}

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
  const listRef = useRef<HTMLFieldSetElement>(null);
  const id = useId();
  const [recent, setRecent] = useState<string[]>([]);
  useEffect(() => {
    searchRef.current?.focus();
    const known = new Set(codes.map((code) => code.id));
    setRecent(readRecent(action).filter((codeId) => known.has(codeId)));
  }, [action, codes]);
  useEffect(() => {
    if (fetcher.state === "idle" && fetcher.data) onDone();
  }, [fetcher.state, fetcher.data, onDone]);
  const matching = codes.filter((code) => code.name.toLowerCase().includes(filter.toLowerCase()));
  // Recent codes first, numbered: their number ticks them.
  const shortcutOf = new Map(recent.map((codeId, index) => [codeId, index + 1]));
  const visible = [
    ...matching.filter((code) => shortcutOf.has(code.id)).sort((a, b) => shortcutOf.get(a.id)! - shortcutOf.get(b.id)!),
    ...matching.filter((code) => !shortcutOf.has(code.id)),
  ];
  const onKeyDown = (event: React.KeyboardEvent) => {
    if (event.key === "Escape") {
      onDone();
      return;
    }
    // A digit ticks a recent code, unless the person is typing a code's name in the search box.
    const typingName = event.target === searchRef.current && filter !== "";
    if (!/^[1-9]$/.test(event.key) || typingName || event.altKey || event.ctrlKey || event.metaKey) return;
    const codeId = recent[Number(event.key) - 1];
    const box = codeId ? listRef.current?.querySelector<HTMLInputElement>(`input[value="${CSS.escape(codeId)}"]`) : null;
    if (!box) return;
    event.preventDefault();
    box.checked = !box.checked;
  };
  const chosen = passages[passage] ?? passages[0];
  return (
    <fetcher.Form
      method="post"
      action={action}
      className="card stack code-picker"
      role="dialog"
      aria-label="Apply codes"
      onKeyDown={onKeyDown}
      onSubmit={(event) => {
        const ticked = new FormData(event.currentTarget).getAll("codeId").filter((value): value is string => typeof value === "string");
        rememberRecent(action, ticked);
      }}
    >
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
      <fieldset className="code-list" ref={listRef}>
        <legend className="visually-hidden">Codes</legend>
        {recent.length > 0 ? <p className="small muted">Keys 1–{Math.min(recent.length, RECENT_MAX)} tick your recent codes.</p> : null}
        {visible.length === 0 ? <p className="small muted">No code matches.</p> : null}
        {visible.map((code) => (
          <label key={code.id} style={{ display: "block" }}>
            <input type="checkbox" name="codeId" value={code.id} aria-keyshortcuts={shortcutOf.has(code.id) ? String(shortcutOf.get(code.id)) : undefined} /> <span aria-hidden="true" style={{ display: "inline-block", width: 10, height: 10, background: code.colour, borderRadius: 2 }} /> {shortcutOf.has(code.id) ? <kbd className="small">{shortcutOf.get(code.id)}</kbd> : null} {code.name}
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
