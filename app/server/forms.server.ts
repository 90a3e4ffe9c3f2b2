import { data, type ActionFunctionArgs } from "@remix-run/node";
import type { z } from "zod";
import { isResearchError } from "#research/shared/errors";
import { toResponse } from "./guards.server";

export type FieldErrors = Record<string, string>;
/** What the form sent, echoed back so a page without JavaScript can refill the fields after a failure. */
export type SubmittedValues = Record<string, string | string[]>;
export type ActionFailure = {
  ok: false;
  formError?: string;
  fieldErrors: FieldErrors;
  /** The fields as submitted (secrets left out), for `defaultValue` after a failed submit. */
  values?: SubmittedValues;
  /**
   * Which of the page's forms was submitted (its hidden `formId` field), so a page with one form per
   * item shows the error under that item only.
   */
  formId?: string;
};

/** Field names never sent back to the browser, even to refill a form. */
const SECRET_FIELD = /password|token|secret/i;

/** The hidden field a form sets when the page has several forms whose errors must not mix. */
export const FORM_ID_FIELD = "formId";

/** Thrown inside an action when the person can fix the input; `formAction` returns it as a 4xx. */
class FormFailure extends Error {
  constructor(
    readonly failure: ActionFailure,
    readonly status: number,
  ) {
    super(failure.formError ?? "Invalid form");
  }
}

/** Collects form fields; repeated names become arrays. */
export function formValues(formData: FormData): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [key, value] of formData.entries()) {
    if (typeof value !== "string") continue;
    if (key in values) {
      const existing = values[key];
      values[key] = Array.isArray(existing) ? [...existing, value] : [existing, value];
    } else values[key] = value;
  }
  return values;
}

/** The submitted text fields minus secrets; files are never echoed. */
export function echoedValues(formData: FormData): SubmittedValues {
  const echoed: SubmittedValues = {};
  for (const [key, value] of Object.entries(formValues(formData))) {
    if (SECRET_FIELD.test(key)) continue;
    echoed[key] = value as string | string[];
  }
  return echoed;
}

/** Parses a form with a zod schema; on failure the action answers 400 with the errors per field. */
export function parseForm<T extends z.ZodType>(formData: FormData, schema: T): z.infer<T> {
  const parsed = schema.safeParse(formValues(formData));
  if (!parsed.success) {
    const fieldErrors: FieldErrors = {};
    for (const issue of parsed.error.issues) {
      const field = issue.path.join(".") || "form";
      fieldErrors[field] ??= issue.message;
    }
    throw new FormFailure({ ok: false, fieldErrors }, 400);
  }
  return parsed.data;
}

/** Fails the form with a message for one field (or the whole form). */
export function failForm(message: string, field?: string, status = 400): never {
  throw new FormFailure(
    {
      ok: false,
      formError: field ? undefined : message,
      fieldErrors: field ? { [field]: message } : {},
    },
    status,
  );
}

const FIXABLE_CODES = ["invalid-input", "conflict", "import-failed", "rate-limited"];

/**
 * Reads the submitted values from a copy of the request taken before the handler consumed the body.
 * Multipart bodies (uploads) are not re-read: they may be large and their files are never echoed.
 */
async function submission(copy: Request | null): Promise<Pick<ActionFailure, "values" | "formId">> {
  if (!copy) return {};
  try {
    const values = echoedValues(await copy.formData());
    const formId = typeof values[FORM_ID_FIELD] === "string" ? values[FORM_ID_FIELD] : undefined;
    return { values, ...(formId ? { formId } : {}) };
  } catch {
    // A body that is not a form (or was never sent) has nothing to echo.
    return {};
  }
}

/**
 * Wraps an action: input problems (from parseForm, failForm, or research errors a person can fix) come
 * back as a 4xx with messages for the form, the submitted values and the submitting form's id;
 * not-found and forbidden become their HTTP responses.
 */
export async function formAction<T>(
  args: ActionFunctionArgs,
  handler: (args: ActionFunctionArgs) => Promise<T>,
) {
  const contentType = args.request.headers.get("content-type") ?? "";
  const copy =
    args.request.body && contentType.includes("application/x-www-form-urlencoded")
      ? args.request.clone()
      : null;
  try {
    return await handler(args);
  } catch (error) {
    if (error instanceof FormFailure)
      return data<ActionFailure>(
        { ...error.failure, ...(await submission(copy)) },
        { status: error.status },
      );
    if (isResearchError(error) && FIXABLE_CODES.includes(error.code)) {
      const field = error.location.field;
      const status = error.code === "conflict" ? 409 : error.code === "rate-limited" ? 429 : 400;
      return data<ActionFailure>(
        {
          ok: false,
          formError: field ? undefined : error.message,
          fieldErrors: field ? { [field]: error.message } : {},
          ...(await submission(copy)),
        },
        { status },
      );
    }
    throw toResponse(error);
  }
}
