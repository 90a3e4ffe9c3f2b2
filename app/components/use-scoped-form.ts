import { useForm } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod/v4";
import type { z } from "zod";
import { formState, missingFieldMessage } from "./form-state";

/**
 * Conform's `useForm` for one of a page's forms. The server's reply reaches only the form whose hidden
 * `formId` it names, so a page with a form per item shows an error (and the values typed) in that form
 * only. With a schema, JavaScript checks the fields as the server will before anything is sent; without
 * JavaScript the server's reply does the same after the round trip.
 */
export function useScopedForm<Schema extends z.ZodType>(
  actionData: unknown,
  id: string,
  schema?: Schema,
) {
  const state = formState(actionData, id);
  const [form, fields] = useForm({
    id,
    lastResult: state.lastResult,
    shouldValidate: "onSubmit",
    shouldRevalidate: "onInput",
    onValidate: schema
      ? ({ formData }) => parseWithZod(formData, { schema, error: missingFieldMessage })
      : undefined,
  });
  return { form, fields, state };
}
