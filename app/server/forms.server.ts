import { parse, type Submission, type SubmissionResult } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod/v4";
import { data, type ActionFunctionArgs } from "@remix-run/node";
import type { z } from "zod";
import { isResearchError } from "#research/shared/errors";
import { missingFieldMessage } from "~/components/form-state";
import { toResponse } from "./guards.server";

export type FieldErrors = Record<string, string>;
export type ActionFailure = {
  ok: false;
  formError?: string;
  fieldErrors: FieldErrors;
  /**
   * Conform's reply to the submission: what was sent (secrets hidden), for `defaultValue` after a failed
   * submit without JavaScript, and the errors per field ("" for the whole form), for `useForm`.
   */
  result: SubmissionResult<string[]>;
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

type AnySubmission = Submission<unknown, string[], unknown>;

/** Thrown inside an action when the person can fix the input; `formAction` returns it as a 4xx. */
class FormFailure extends Error {
  constructor(
    readonly reply: (submission: AnySubmission) => SubmissionResult<string[]>,
    readonly status: number,
    readonly submission: AnySubmission | null,
  ) {
    super("Invalid form");
  }
}

function hiddenFields(submission: AnySubmission): string[] {
  return Object.keys(submission.payload).filter((name) => SECRET_FIELD.test(name));
}

function replyWith(
  submission: AnySubmission,
  errors: { formErrors?: string[]; fieldErrors?: Record<string, string[]> },
): SubmissionResult<string[]> {
  return submission.reply({ ...errors, hideFields: hiddenFields(submission) });
}

/**
 * Parses a form with a zod schema the Conform way (empty fields absent, "on" for a ticked box, repeated
 * names as lists); on failure the action answers 400 with the errors per field.
 */
export function parseForm<T extends z.ZodType>(formData: FormData, schema: T): z.output<T> {
  const submission = parseWithZod(formData, { schema, error: missingFieldMessage });
  if (submission.status !== "success")
    throw new FormFailure(
      (sent) => sent.reply({ hideFields: hiddenFields(sent) }),
      400,
      submission as AnySubmission,
    );
  return submission.value;
}

/** Fails the form with a message for one field (or the whole form). */
export function failForm(message: string, field?: string, status = 400): never {
  throw new FormFailure(
    (sent) =>
      replyWith(sent, field ? { fieldErrors: { [field]: [message] } } : { formErrors: [message] }),
    status,
    null,
  );
}

const FIXABLE_CODES = ["invalid-input", "conflict", "import-failed", "rate-limited"];

/**
 * What was submitted, read from a copy of the request taken before the handler consumed the body.
 * Multipart bodies (uploads) are not re-read: they may be large and their files are never echoed.
 */
async function submitted(copy: Request | null): Promise<AnySubmission> {
  let formData = new FormData();
  if (copy) {
    try {
      formData = await copy.formData();
    } catch {
      // A body that is not a form (or was never sent) has nothing to echo.
    }
  }
  return parse(formData, { resolve: () => ({}) }) as AnySubmission;
}

function failure(result: SubmissionResult<string[]>): ActionFailure {
  const fieldErrors: FieldErrors = {};
  let formError: string | undefined;
  for (const [name, messages] of Object.entries(result.error ?? {})) {
    if (!messages?.length) continue;
    if (name === "") formError = messages[0];
    else fieldErrors[name] = messages[0];
  }
  const initial = result.initialValue ?? {};
  const formId = typeof initial[FORM_ID_FIELD] === "string" ? initial[FORM_ID_FIELD] : undefined;
  return {
    ok: false,
    ...(formError ? { formError } : {}),
    fieldErrors,
    result,
    ...(formId ? { formId } : {}),
  };
}

/**
 * Wraps an action: input problems (from parseForm, failForm, or research errors a person can fix) come
 * back as a 4xx with Conform's reply (the submitted values and the errors per field) and the submitting
 * form's id; not-found and forbidden become their HTTP responses.
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
    if (error instanceof FormFailure) {
      const sent = error.submission ?? (await submitted(copy));
      return data<ActionFailure>(failure(error.reply(sent)), { status: error.status });
    }
    if (isResearchError(error) && FIXABLE_CODES.includes(error.code)) {
      const field = error.location.field;
      const status = error.code === "conflict" ? 409 : error.code === "rate-limited" ? 429 : 400;
      const sent = await submitted(copy);
      const result = replyWith(
        sent,
        field ? { fieldErrors: { [field]: [error.message] } } : { formErrors: [error.message] },
      );
      return data<ActionFailure>(failure(result), { status });
    }
    throw toResponse(error);
  }
}
