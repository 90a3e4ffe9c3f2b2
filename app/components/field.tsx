import { Form, useActionData, useNavigation, type FormProps } from "@remix-run/react";
import { createContext, useContext, useEffect, useId, useRef, type ReactNode } from "react";
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
  clearAfterSuccess = false,
  onSubmit,
  ...props
}: FormProps & {
  formId: string;
  children: ReactNode;
  /**
   * For forms that add something (a candidate, a memo, a code): once the submission succeeds, the fields
   * still holding what was sent are emptied, and anything typed while it was on its way is kept.
   * (Without JavaScript the page is drawn anew, empty, anyway.)
   */
  clearAfterSuccess?: boolean;
}) {
  const clearing = useClearAfterSuccess(formId, clearAfterSuccess);
  return (
    <FormScope.Provider value={formId}>
      <Form
        {...props}
        ref={clearing.formRef}
        onSubmit={(event) => {
          clearing.remember(event.currentTarget);
          onSubmit?.(event);
        }}
      >
        <input type="hidden" name="formId" value={formId} />
        {children}
      </Form>
    </FormScope.Provider>
  );
}

type EditableField = HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement;

/** The fields a person types into or ticks (not hidden inputs or buttons). */
function editableFields(form: HTMLFormElement): EditableField[] {
  return [...form.elements].filter(
    (element): element is EditableField =>
      (element instanceof HTMLInputElement &&
        !["hidden", "submit", "button", "reset", "file"].includes(element.type)) ||
      element instanceof HTMLTextAreaElement ||
      element instanceof HTMLSelectElement,
  );
}

function currentValue(field: EditableField): string {
  if (field instanceof HTMLInputElement && (field.type === "checkbox" || field.type === "radio"))
    return String(field.checked);
  if (field instanceof HTMLSelectElement)
    return [...field.options].map((option) => option.selected).join();
  return field.value;
}

function resetField(field: EditableField): void {
  if (field instanceof HTMLInputElement && (field.type === "checkbox" || field.type === "radio"))
    field.checked = field.defaultChecked;
  else if (field instanceof HTMLSelectElement)
    for (const option of field.options) option.selected = option.defaultSelected;
  else field.value = field.defaultValue;
}

function succeeded(actionData: unknown): boolean {
  return typeof actionData === "object" && actionData !== null && "ok" in actionData
    ? actionData.ok === true
    : false;
}

/**
 * Empties a form's fields after its own submission succeeds, leaving any field changed since it was
 * sent. Remounting the form when the list it adds to grows (a `key` on its length) cleared what was
 * typed in the moment between sending and the page's new data too.
 */
function useClearAfterSuccess(formId: string, enabled: boolean) {
  const formRef = useRef<HTMLFormElement>(null);
  const sent = useRef<Map<EditableField, string> | null>(null);
  const wasSending = useRef(false);
  const navigation = useNavigation();
  const actionData = useActionData();
  const sending = navigation.state !== "idle" && navigation.formData?.get("formId") === formId;
  useEffect(() => {
    if (sending) {
      wasSending.current = true;
      return;
    }
    if (!wasSending.current) return;
    wasSending.current = false;
    const values = sent.current;
    sent.current = null;
    if (!enabled || !values || !succeeded(actionData)) return;
    for (const [field, value] of values)
      if (field.isConnected && currentValue(field) === value) resetField(field);
  }, [sending, actionData, enabled]);
  return {
    formRef,
    remember(form: HTMLFormElement) {
      if (!enabled) return;
      sent.current = new Map(editableFields(form).map((field) => [field, currentValue(field)]));
    },
  };
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
