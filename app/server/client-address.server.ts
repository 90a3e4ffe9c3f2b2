import { env } from "./env.server";

/**
 * The client's address as a reverse proxy reports it, or null. `X-Forwarded-For` is anyone's to write,
 * so it is believed only when NETNO_TRUST_PROXY says a proxy in front sets it (its first entry is the
 * client the proxy saw). Without one, throttles key on what they are protecting alone.
 */
export function clientAddressOf(request: Request): string | null {
  if (!env.trustProxy) return null;
  const forwarded = request.headers.get("x-forwarded-for")?.split(",")[0]?.trim();
  return forwarded || null;
}
