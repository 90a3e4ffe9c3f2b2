import { data, type ActionFunctionArgs } from "@remix-run/node";
import type { z } from "zod";
import { isResearchError } from "#research/shared/errors";
import { toResponse } from "./guards.server";

export type FieldErrors = Record<string, string>;
export type ActionFailure = { ok: false; formError?: string; fieldErrors: FieldErrors };

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
  throw new FormFailure({ ok: false, formError: field ? undefined : message, fieldErrors: field ? { [field]: message } : {} }, status);
}

/**
 * Wraps an action: input problems (from parseForm, failForm, or research errors a person can fix) come
 * back as a 4xx with messages for the form; not-found and forbidden become their HTTP responses.
 */
export async function formAction<T>(args: ActionFunctionArgs, handler: (args: ActionFunctionArgs) => Promise<T>) {
  {
    try {
      return await handler(args);
    } catch (error) {
      if (error instanceof FormFailure) return data(error.failure, { status: error.status });
      if (isResearchError(error) && ["invalid-input", "conflict", "import-failed", "rate-limited"].includes(error.code)) {
        const field = error.location.field;
        const status = error.code === "conflict" ? 409 : error.code === "rate-limited" ? 429 : 400;
        return data<ActionFailure>(
          { ok: false, formError: field ? undefined : error.message, fieldErrors: field ? { [field]: error.message } : {} },
          { status },
        );
      }
      throw toResponse(error);
    }
  }
}
