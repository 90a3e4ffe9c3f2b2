/** Reads the failure shape our actions return, whatever else a route's action may return on success. */
export function actionErrors(actionData: unknown): { formError?: string; fieldErrors: Record<string, string> } {
  if (actionData && typeof actionData === "object" && "ok" in actionData && actionData.ok === false) {
    const failure = actionData as { formError?: string; fieldErrors?: Record<string, string> };
    return { formError: failure.formError, fieldErrors: failure.fieldErrors ?? {} };
  }
  return { fieldErrors: {} };
}
