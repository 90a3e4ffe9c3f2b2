import { createCookieSessionStorage, redirect, type SessionStorage } from "@remix-run/node";
import { loadSessionSecret } from "#research/accounts/index";
import { env } from "./env.server";

let storages: Promise<{ plain: SessionStorage; secure: SessionStorage }> | undefined;

function getStorages() {
  storages ??= loadSessionSecret(env.dataDir).then((secret) => {
    const base = { name: "__netno_session", httpOnly: true, sameSite: "lax" as const, path: "/", secrets: [secret], maxAge: 60 * 60 * 24 * 14 };
    return {
      plain: createCookieSessionStorage({ cookie: { ...base, secure: false } }),
      secure: createCookieSessionStorage({ cookie: { ...base, secure: true } }),
    };
  });
  return storages;
}

/** Served over https (directly or behind a proxy that says so): the cookie is then marked Secure. */
function isHttps(request: Request): boolean {
  return new URL(request.url).protocol === "https:" || request.headers.get("x-forwarded-proto") === "https";
}

async function storageFor(request: Request): Promise<SessionStorage> {
  const { plain, secure } = await getStorages();
  return isHttps(request) ? secure : plain;
}

export async function getSession(request: Request) {
  return (await storageFor(request)).getSession(request.headers.get("Cookie"));
}

export async function getSessionUserId(request: Request): Promise<string | null> {
  const session = await getSession(request);
  const userId = session.get("userId");
  return typeof userId === "string" ? userId : null;
}

/** Starts a session for the user and redirects; the session id is new, so a planted cookie cannot be reused. */
export async function createUserSession(request: Request, userId: string, redirectTo: string) {
  const storage = await storageFor(request);
  const session = await storage.getSession();
  session.set("userId", userId);
  return redirect(redirectTo, { headers: { "Set-Cookie": await storage.commitSession(session) } });
}

export async function destroyUserSession(request: Request) {
  const storage = await storageFor(request);
  const session = await storage.getSession(request.headers.get("Cookie"));
  return redirect("/login", { headers: { "Set-Cookie": await storage.destroySession(session) } });
}
