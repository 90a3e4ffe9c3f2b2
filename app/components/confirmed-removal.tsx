import { Form } from "@remix-run/react";

type ConfirmedRemovalProps = {
  /** The hidden fields the action needs (intent, ids). */
  fields: Record<string, string>;
  /** What the first button says ("Remove", "Delete memo"). */
  label: string;
  /** Its accessible name when the label alone is ambiguous on the page ("Remove keyword solar"). */
  accessibleLabel?: string;
  /** The question asked before anything goes ("Remove the keyword solar?"). */
  question: string;
  /** What the confirming button says. */
  confirmLabel?: string;
};

/**
 * A removal that asks first. Built on details/summary so the second step works without JavaScript and
 * with the keyboard; nothing is sent until the confirming button is pressed.
 */
export function ConfirmedRemoval({
  fields,
  label,
  accessibleLabel,
  question,
  confirmLabel = "Yes, remove",
}: ConfirmedRemovalProps) {
  return (
    <details className="confirmed-removal">
      <summary className="link small" aria-label={accessibleLabel}>
        {label}
      </summary>
      <Form method="post" className="confirm-box" aria-label={question}>
        {Object.entries(fields).map(([name, value]) => (
          <input key={name} type="hidden" name={name} value={value} />
        ))}
        <span className="small">{question}</span>{" "}
        <button type="submit" className="danger small">
          {confirmLabel}
        </button>
      </Form>
    </details>
  );
}
