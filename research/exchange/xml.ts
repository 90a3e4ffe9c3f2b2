/** Escapes text for XML content and attribute values (also strips characters XML 1.0 forbids). */
export function xmlEscape(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/\r/g, "&#13;");
}

/** `name="value"` pairs for the defined values, in the given order. */
export function attributes(values: Record<string, string | number | boolean | null | undefined>): string {
  return Object.entries(values)
    .filter(([, value]) => value !== undefined && value !== null && value !== "")
    .map(([name, value]) => ` ${name}="${xmlEscape(String(value))}"`)
    .join("");
}

/** A colour as REFI-QDA wants it: #RGB or #RRGGBB, or nothing. */
export function refiColour(colour: string | undefined): string | undefined {
  return colour && /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.test(colour) ? colour.toUpperCase() : undefined;
}
