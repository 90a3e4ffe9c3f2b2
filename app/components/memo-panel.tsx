import { Field, ScopedForm, ScopedFormError } from "~/components/field";
import { ConfirmedRemoval } from "~/components/confirmed-removal";
import { useId } from "react";

export type MemoView = {
  id: string;
  target: string;
  html: string;
  author: string;
  createdAt: string;
};

/** Analytic memos about a code, a post, a thread or the project: list, write, delete. */
export function MemoPanel({
  memos,
  targets,
  canWrite,
  title = "Memos",
}: {
  memos: MemoView[];
  targets: Array<{ value: string; label: string }>;
  canWrite: boolean;
  title?: string;
}) {
  const id = useId();
  const labelOf = new Map(targets.map((t) => [t.value, t.label]));
  return (
    <section className="card" aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`}>{title}</h2>
      {memos.length === 0 ? <p className="muted small">No memo yet.</p> : null}
      {memos.map((memo) => (
        <article
          key={memo.id}
          className="small"
          style={{ borderBottom: "1px solid var(--line)", padding: ".4rem 0" }}
        >
          <p className="muted" style={{ margin: 0 }}>
            {memo.author}, {memo.createdAt.slice(0, 16).replace("T", " ")}
            {targets.length > 1 ? ` · about ${labelOf.get(memo.target) ?? memo.target}` : ""}
          </p>
          <div className="note-body" dangerouslySetInnerHTML={{ __html: memo.html }} />
          {canWrite ? (
            <ConfirmedRemoval
              fields={{ intent: "delete-memo", memoId: memo.id }}
              label="Delete memo"
              question="Delete this memo?"
              confirmLabel="Yes, delete"
            />
          ) : null}
        </article>
      ))}
      {canWrite ? (
        <ScopedForm
          formId={`memo-${targets[0]?.value ?? "project"}`}
          method="post"
          className="stack"
          clearAfterSuccess
        >
          <input type="hidden" name="intent" value="add-memo" />
          <ScopedFormError />
          {targets.length === 1 ? (
            <input type="hidden" name="target" value={targets[0].value} />
          ) : (
            <div className="field">
              <label htmlFor={`${id}-target`}>About</label>
              <select id={`${id}-target`} name="target">
                {targets.map((t) => (
                  <option key={t.value} value={t.value}>
                    {t.label}
                  </option>
                ))}
              </select>
            </div>
          )}
          <Field label="Memo (Markdown)" name="markdown" multiline rows={3} required />
          <button type="submit" className="secondary">
            Save memo
          </button>
        </ScopedForm>
      ) : null}
    </section>
  );
}
