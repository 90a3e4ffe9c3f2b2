import { useId } from "react";

type FieldProps = {
  label: string;
  name: string;
  error?: string;
  hint?: string;
  type?: string;
  defaultValue?: string | number;
  required?: boolean;
  autoComplete?: string;
  multiline?: boolean;
  rows?: number;
  placeholder?: string;
  min?: number;
  max?: number;
};

/** A labelled input whose error and hint are tied to it for screen readers. */
export function Field({ label, name, error, hint, type = "text", multiline, rows, ...rest }: FieldProps) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(" ") || undefined;
  const common = { id, name, "aria-invalid": error ? true : undefined, "aria-describedby": describedBy, ...rest };
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {multiline ? <textarea rows={rows ?? 4} {...common} /> : <input type={type} {...common} />}
      {hint ? <span className="hint" id={hintId}>{hint}</span> : null}
      {error ? <span className="error" id={errorId}>{error}</span> : null}
    </div>
  );
}

type SelectFieldProps = { label: string; name: string; options: Array<{ value: string; label: string }>; defaultValue?: string; error?: string; hint?: string };

export function SelectField({ label, name, options, defaultValue, error, hint }: SelectFieldProps) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} name={name} defaultValue={defaultValue} aria-invalid={error ? true : undefined} aria-describedby={[hintId, errorId].filter(Boolean).join(" ") || undefined}>
        {options.map((option) => (
          <option key={option.value} value={option.value}>{option.label}</option>
        ))}
      </select>
      {hint ? <span className="hint" id={hintId}>{hint}</span> : null}
      {error ? <span className="error" id={errorId}>{error}</span> : null}
    </div>
  );
}

export function FormError({ message }: { message?: string }) {
  return message ? <p className="form-error" role="alert">{message}</p> : null;
}
