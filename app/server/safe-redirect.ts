const BASE = "http://workbench.invalid";

/**
 * Only same-site paths are followed after login, so a crafted link cannot send people elsewhere. The value
 * must be a plain path ("/projects/x?y"): browsers drop tabs and newlines and read "\" as "/", so
 * "/%09/evil.example" or "/\\evil.example" would otherwise leave the site.
 */
export function safeRedirect(to: FormDataEntryValue | string | null | undefined, fallback = "/projects"): string {
  if (!to || typeof to !== "string") return fallback;
  if (!/^\/[\x21-\x7e]*$/.test(to) || to.startsWith("//") || to.includes("\\")) return fallback;
  let decoded: string;
  try {
    decoded = decodeURIComponent(to);
  } catch {
    return fallback;
  }
  if (/[\x00-\x20\x7f\\]/.test(decoded.slice(0, 3)) || decoded.startsWith("//")) return fallback;
  const url = new URL(to, BASE);
  if (url.origin !== BASE) return fallback;
  return url.pathname + url.search + url.hash;
}
