import type { ShouldRevalidateFunctionArgs } from "@remix-run/react";

/**
 * `shouldRevalidate` of the layouts around the coding pages (root, project, coding). They load who is
 * signed in, the project's title and archive state and the person's role in it; the actions of the coding
 * pages (apply, re-code or remove a coding, memos, codes, suggestion runs) change none of these. So when a
 * coding page submits to itself and stays on it, only the page's own loader runs again: Remix then asks for
 * `.data?_routes=<the page>` instead of running four loaders, each of which checked the session and read the
 * project. The page's loader still checks the session and the role itself. Every other submission, a
 * redirect elsewhere, and every navigation revalidate as Remix would by default.
 */
export function keepLayoutAfterCodingAction({
  formMethod,
  formAction,
  currentUrl,
  nextUrl,
  currentParams,
  nextParams,
  defaultShouldRevalidate,
}: ShouldRevalidateFunctionArgs): boolean {
  if (!formMethod || formMethod.toUpperCase() === "GET" || !formAction)
    return defaultShouldRevalidate;
  const slug = currentParams.slug;
  if (!slug || nextParams.slug !== slug || currentUrl.pathname !== nextUrl.pathname)
    return defaultShouldRevalidate;
  const coding = `/projects/${slug}/coding`;
  const target = new URL(formAction, currentUrl).pathname;
  const fromCoding = currentUrl.pathname === coding || currentUrl.pathname.startsWith(`${coding}/`);
  const toCoding = target === coding || target.startsWith(`${coding}/`);
  return fromCoding && toCoding ? false : defaultShouldRevalidate;
}
