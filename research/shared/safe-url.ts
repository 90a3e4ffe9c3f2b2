/**
 * A link taken from imported data or typed in a form, kept only when it is an absolute http(s) URL.
 * Imports carry whatever the platform or the file says (`javascript:`, `data:`, `vbscript:` URLs render as
 * clickable links that run script), so every stored and shown URL passes through here.
 */
export function safeWebUrl(value: string | null | undefined): string | null {
  if (typeof value !== "string") return null;
  const trimmed = value.trim();
  if (!trimmed) return null;
  let parsed: URL;
  try {
    parsed = new URL(trimmed);
  } catch {
    return null;
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return null;
  if (!parsed.hostname) return null;
  return parsed.href;
}
