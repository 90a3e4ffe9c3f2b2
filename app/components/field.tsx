import { Form, useActionData, type FormProps } from "@remix-run/react";
import { createContext, useContext, useId, type ReactNode } from "react";
import { formState } from "./form-state";

/** The `formId` of the form a field sits in, so a refused submit refills and marks only that form. */
const FormScope = createContext<string | undefined>(undefined);

/**
 * A form that names itself: the action's reply to it (values typed, errors per field) reaches its
 * fields only, never a same-named field of another form on the page.
 */
export function ScopedForm({
  formId,
  children,
  ...props
}: FormProps & { formId: string; children: ReactNode }) {
  return (
    <FormScope.Provider value={formId}>
      <Form {...props}>
        <input type="hidden" name="formId" value={formId} />
        {children}
      </Form>
    </FormScope.Provider>
  );
}

/**
 * What the form it sits in sent, after a refused submit: for inputs that are not a Field (checkbox
 * lists, radio groups, table rows), so they come back as the person left them.
 */
export function useFormEcho() {
  return formState(useActionData(), useContext(FormScope));
}

/** The whole-form error of the form it sits in (a research error that names no field). */
export function ScopedFormError() {
  const state = formState(useActionData(), useContext(FormScope));
  return <FormError message={state.formError} />;
}

/**
 * After a refused submit (without JavaScript the page is drawn anew) a field shows what was typed and
 * its error; otherwise the value it was given (usually what is stored).
 */
function useSubmitted(
  name: string,
  defaultValue: string | number | undefined,
  error: string | undefined,
) {
  const state = formState(useActionData(), useContext(FormScope));
  return {
    defaultValue: state.value(name, defaultValue === undefined ? undefined : String(defaultValue)),
    error: error ?? state.fieldErrors[name],
  };
}

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
export function Field({
  label,
  name,
  error: givenError,
  hint,
  type = "text",
  multiline,
  rows,
  defaultValue: given,
  ...rest
}: FieldProps) {
  const id = useId();
  const submitted = useSubmitted(name, given, givenError);
  const error = submitted.error;
  // Secrets are never echoed back, and a password field never shows one.
  const defaultValue = type === "password" ? undefined : submitted.defaultValue;
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(" ") || undefined;
  const common = {
    id,
    name,
    defaultValue,
    "aria-invalid": error ? true : undefined,
    "aria-describedby": describedBy,
    ...rest,
  };
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {multiline ? <textarea rows={rows ?? 4} {...common} /> : <input type={type} {...common} />}
      {hint ? (
        <span className="hint" id={hintId}>
          {hint}
        </span>
      ) : null}
      {error ? (
        <span className="error" id={errorId}>
          {error}
        </span>
      ) : null}
    </div>
  );
}

type SelectFieldProps = {
  label: string;
  name: string;
  options: Array<{ value: string; label: string }>;
  defaultValue?: string;
  error?: string;
  hint?: string;
};

export function SelectField({
  label,
  name,
  options,
  defaultValue: given,
  error: givenError,
  hint,
}: SelectFieldProps) {
  const id = useId();
  const { defaultValue, error } = useSubmitted(name, given, givenError);
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        name={name}
        defaultValue={defaultValue}
        aria-invalid={error ? true : undefined}
        aria-describedby={[hintId, errorId].filter(Boolean).join(" ") || undefined}
      >
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
      {hint ? (
        <span className="hint" id={hintId}>
          {hint}
        </span>
      ) : null}
      {error ? (
        <span className="error" id={errorId}>
          {error}
        </span>
      ) : null}
    </div>
  );
}

export function FormError({ message }: { message?: string }) {
  return message ? (
    <p className="form-error" role="alert">
      {message}
    </p>
  ) : null;
}
