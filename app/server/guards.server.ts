import { redirect } from "@remix-run/node";
import { getUserById, type PublicUser } from "#research/accounts/index";
import { requireProjectAccess, type Capability, type ProjectAccess } from "#research/projects/index";
import { isResearchError } from "#research/shared/errors";
import { store } from "./context.server";
import { env } from "./env.server";
import { getSessionUserId } from "./session.server";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Refuses a state-changing request that does not come from a page of this workbench: the Origin header
 * must be this site's, or, for browsers that send none, Sec-Fetch-Site must say same-origin. A request with
 * neither is refused too (every browser this workbench supports sends one of them). Forwarded hosts count
 * only behind a trusted proxy (NETNO_TRUST_PROXY), so a forged X-Forwarded-Host cannot vouch for itself.
 */
export function assertSameOrigin(request: Request): void {
  if (SAFE_METHODS.has(request.method.toUpperCase())) return;
  const origin = request.headers.get("origin");
  const url = new URL(request.url);
  const allowed = new Set([url.origin]);
  const forwardedHost = env.trustProxy ? request.headers.get("x-forwarded-host") : null;
  if (forwardedHost) {
    allowed.add(`http://${forwardedHost}`);
    allowed.add(`https://${forwardedHost}`);
  }
  const refuse = () => {
    throw new Response("Cross-site request refused.", { status: 403 });
  };
  if (origin && origin !== "null") {
    if (!allowed.has(origin)) refuse();
    return;
  }
  const fetchSite = request.headers.get("sec-fetch-site");
  if (origin === "null" || !fetchSite || (fetchSite !== "same-origin" && fetchSite !== "none")) refuse();
}

/** The signed-in user, or a redirect to the login page that comes back here afterwards. */
export async function requireUser(request: Request): Promise<PublicUser> {
  assertSameOrigin(request);
  const userId = await getSessionUserId(request);
  const user = userId ? await getUserById({ store, userId }) : null;
  if (!user) {
    const url = new URL(request.url);
    throw redirect(`/login?${new URLSearchParams({ redirectTo: url.pathname + url.search })}`);
  }
  return user;
}

export async function getOptionalUser(request: Request): Promise<PublicUser | null> {
  const userId = await getSessionUserId(request);
  return userId ? getUserById({ store, userId }) : null;
}

export async function requireAdmin(request: Request): Promise<PublicUser> {
  const user = await requireUser(request);
  if (!user.isAdmin) throw new Response("Only an admin can do this.", { status: 403 });
  return user;
}

/**
 * The signed-in user and their access to the project in the URL, checked for one capability.
 * A project the user is not a member of answers 404, the same as one that does not exist.
 */
export async function requireProjectCapability(
  request: Request,
  slug: string | undefined,
  capability: Capability,
): Promise<ProjectAccess & { user: PublicUser }> {
  const user = await requireUser(request);
  if (!slug) throw new Response("Not found", { status: 404 });
  try {
    const access = await requireProjectAccess({ store, slug, userId: user.id, capability });
    return { ...access, user };
  } catch (error) {
    throw toResponse(error);
  }
}

/** Maps research-core errors to HTTP responses; anything else is rethrown unchanged. */
export function toResponse(error: unknown): unknown {
  if (!isResearchError(error)) return error;
  const status = { "not-found": 404, forbidden: 403, conflict: 409, "invalid-input": 400, "rate-limited": 429 }[error.code as string] ?? 500;
  return new Response(status === 404 ? "Not found" : error.message, { status });
}
