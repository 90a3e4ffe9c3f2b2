import type { SubmissionResult } from "@conform-to/react";
import type { z } from "zod";

/**
 * Conform turns an empty field into "absent", so zod would say "expected string, received undefined";
 * the browser and the server both say this instead.
 */
export const missingFieldMessage: z.core.$ZodErrorMap = (issue) =>
  issue.code === "invalid_type" && issue.input === undefined ? "Fill in this field." : undefined;

/**
 * The failure an action answered, scoped to one form of the page: a page with a form per item passes
 * that form's id, and only the form that was submitted shows the errors and gets its values back.
 */
export type FormState = {
  formError?: string;
  fieldErrors: Record<string, string>;
  /** The submitted value of a field after a failed submit, else the fallback (usually stored data). */
  value: (name: string, fallback?: string) => string | undefined;
  /** Every submitted value of a repeated field (ticked boxes, a multiple select), else the fallback. */
  values: (name: string, fallback?: string[]) => string[] | undefined;
  /** Whether a checkbox was ticked in the refused submit, else the fallback (usually stored data). */
  checked: (name: string, fallback: boolean) => boolean;
  /** Conform's reply for this form, to hand to `useForm({ lastResult })`; absent for other forms. */
  lastResult?: SubmissionResult<string[]>;
};

type Failure = {
  ok: false;
  formError?: string;
  fieldErrors?: Record<string, string>;
  result?: SubmissionResult<string[]>;
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

/** A value at a Conform path ("judgements.relevance.score") in the reply's nested initial value. */
function atPath(root: unknown, name: string): unknown {
  let node = root;
  for (const part of name.split(/\.|\[(\d+)\]/).filter(Boolean)) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

export function formState(actionData: unknown, formId?: string): FormState {
  const failure = isFailure(actionData) ? actionData : null;
  // An unscoped failure belongs to the page's one unnamed form; a named form claims only its own.
  const mine = failure !== null && (failure.formId ?? undefined) === formId;
  if (!mine)
    return {
      fieldErrors: {},
      value: (_name, fallback) => fallback,
      values: (_name, fallback) => fallback,
      checked: (_name, fallback) => fallback,
    };
  const result = failure.result;
  // Conform leaves empty fields out of what it echoes; a field that was sent empty stays empty.
  const sent = (name: string) => {
    const value = atPath(result?.initialValue, name);
    if (value === undefined && result?.fields?.includes(name)) return "";
    return value;
  };
  return {
    formError: failure.formError,
    fieldErrors: failure.fieldErrors ?? {},
    lastResult: result,
    value: (name, fallback) => {
      const value = sent(name);
      if (value === undefined) return fallback;
      return Array.isArray(value) ? String(value[0] ?? "") : String(value);
    },
    // An unticked box is absent from what was sent: after a refused submit absent means unticked.
    checked: (name, fallback) => (result ? sent(name) === "on" || sent(name) === true : fallback),
    values: (name, fallback) => {
      if (!result) return fallback;
      const value = sent(name);
      // After a failed submit an absent repeated field means nothing was ticked.
      if (value === undefined || value === "") return [];
      return (Array.isArray(value) ? value : [value]).map(String);
    },
  };
}
