import { Field, ScopedForm, ScopedFormError, SelectField } from "./field";

const KINDS = [
  { value: "observational", label: "Observational: what happened" },
  { value: "reflective", label: "Reflective: my reactions and position" },
  { value: "methodological", label: "Methodological: how I study this" },
  { value: "theoretical", label: "Theoretical: ideas and concepts" },
];

/** The field-note editor; `links` are hidden fields tying the note to threads, posts or members. */
export function FieldNoteForm({
  action,
  links = [],
  errors = {},
  defaults,
}: {
  action?: string;
  links?: Array<{ type: string; id: string; label: string }>;
  errors?: Record<string, string>;
  defaults?: { kind: string; title: string; markdown: string };
}) {
  return (
    <ScopedForm formId="field-note" method="post" action={action} className="stack">
      <input type="hidden" name="intent" value="save-note" />
      <ScopedFormError />
      <SelectField
        label="Kind of note"
        name="kind"
        defaultValue={defaults?.kind ?? "observational"}
        options={KINDS}
        error={errors.kind}
      />
      <Field
        label="Note title"
        name="title"
        required
        defaultValue={defaults?.title}
        error={errors.title}
      />
      <Field
        label="Note (Markdown)"
        name="markdown"
        multiline
        rows={6}
        defaultValue={defaults?.markdown}
        error={errors.markdown}
      />
      {links.length > 0 ? (
        <fieldset>
          <legend className="small">About</legend>
          {links.map((link) => (
            <label key={`${link.type}:${link.id}`} className="small" style={{ display: "block" }}>
              <input type="checkbox" name="link" value={`${link.type}:${link.id}`} defaultChecked />{" "}
              {link.label}
            </label>
          ))}
        </fieldset>
      ) : null}
      <button type="submit">Save field note</button>
    </ScopedForm>
  );
}
