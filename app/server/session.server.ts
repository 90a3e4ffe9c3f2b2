import { createCookieSessionStorage, redirect, type SessionStorage } from "@remix-run/node";
import {
  endSession,
  loadSessionSecret,
  startSession,
  userOfSession,
} from "#research/accounts/index";
import { store } from "./context.server";
import { env } from "./env.server";

let storages: Promise<{ plain: SessionStorage; secure: SessionStorage }> | undefined;

function getStorages() {
  storages ??= loadSessionSecret(env.dataDir).then((secret) => {
    const base = {
      name: "__netno_session",
      httpOnly: true,
      sameSite: "lax" as const,
      path: "/",
      secrets: [secret],
      maxAge: 60 * 60 * 24 * 14,
    };
    return {
      plain: createCookieSessionStorage({ cookie: { ...base, secure: false } }),
      secure: createCookieSessionStorage({ cookie: { ...base, secure: true } }),
    };
  });
  return storages;
}

/** Served over https (directly or behind a proxy that says so): the cookie is then marked Secure. */
function isHttps(request: Request): boolean {
  return (
    new URL(request.url).protocol === "https:" ||
    request.headers.get("x-forwarded-proto") === "https"
  );
}

async function storageFor(request: Request): Promise<SessionStorage> {
  const { plain, secure } = await getStorages();
  return isHttps(request) ? secure : plain;
}

export async function getSession(request: Request) {
  return (await storageFor(request)).getSession(request.headers.get("Cookie"));
}

/** The session token the signed cookie carries, or null. */
export async function getSessionToken(request: Request): Promise<string | null> {
  const session = await getSession(request);
  const token = session.get("token");
  return typeof token === "string" && token ? token : null;
}

/** The signed-in user's id: the cookie's token must name a session the server still holds. */
export async function getSessionUserId(request: Request): Promise<string | null> {
  const token = await getSessionToken(request);
  return token ? userOfSession({ store, token }) : null;
}

/** Starts a session for the user and redirects; the session id is new, so a planted cookie cannot be reused. */
export async function createUserSession(request: Request, userId: string, redirectTo: string) {
  const storage = await storageFor(request);
  const session = await storage.getSession();
  const token = await startSession({
    store,
    userId,
    userAgent: request.headers.get("user-agent") ?? "",
  });
  session.set("token", token);
  return redirect(redirectTo, { headers: { "Set-Cookie": await storage.commitSession(session) } });
}

/** Logs out: the session ends on the server, so a copy of the cookie is worth nothing afterwards. */
export async function destroyUserSession(request: Request) {
  const storage = await storageFor(request);
  const session = await storage.getSession(request.headers.get("Cookie"));
  const token = session.get("token");
  if (typeof token === "string" && token) await endSession({ store, token });
  return redirect("/login", { headers: { "Set-Cookie": await storage.destroySession(session) } });
}
