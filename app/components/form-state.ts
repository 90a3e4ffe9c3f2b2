/**
 * The failure an action answered, scoped to one form of the page: a page with a form per item passes
 * that form's id, and only the form that was submitted shows the errors and gets its values back.
 */
export type FormState = {
  formError?: string;
  fieldErrors: Record<string, string>;
  /** The submitted value of a field after a failed submit, else the fallback (usually stored data). */
  value: (name: string, fallback?: string) => string | undefined;
};

type Failure = {
  ok: false;
  formError?: string;
  fieldErrors?: Record<string, string>;
  values?: Record<string, string | string[]>;
  formId?: string;
};

function isFailure(actionData: unknown): actionData is Failure {
  return (
    typeof actionData === "object" &&
    actionData !== null &&
    "ok" in actionData &&
    actionData.ok === false
  );
}

export function formState(actionData: unknown, formId?: string): FormState {
  const failure = isFailure(actionData) ? actionData : null;
  // An unscoped failure belongs to the page's one unnamed form; a named form claims only its own.
  const mine = failure !== null && (failure.formId ?? undefined) === formId;
  if (!mine) return { fieldErrors: {}, value: (_name, fallback) => fallback };
  return {
    formError: failure.formError,
    fieldErrors: failure.fieldErrors ?? {},
    value: (name, fallback) => {
      const sent = failure.values?.[name];
      if (sent === undefined) return fallback;
      return Array.isArray(sent) ? sent[0] : sent;
    },
  };
}
