import { createHash, randomBytes } from "node:crypto";
import { ResearchError } from "../shared/errors.js";
import { nowIso } from "../shared/ids.js";
import { sqlFor, type DocumentStore } from "../store/index.js";

/** How long a session lasts from sign-in. */
export const SESSION_DAYS = 14;
/** `last_seen_at` is refreshed at most this often, so every page view is not a write. */
const SEEN_EVERY_MS = 5 * 60 * 1000;

type WithStore = { store: DocumentStore };

export type SessionSummary = {
  id: string;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  userAgent: string;
  current: boolean;
};

function idOf(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** Starts a session; returns the token for the cookie (never stored as such). */
export async function startSession({
  store,
  userId,
  userAgent = "",
}: WithStore & { userId: string; userAgent?: string }): Promise<string> {
  const token = randomBytes(32).toString("base64url");
  const now = new Date();
  const { db } = await sqlFor(store);
  await db
    .insertInto("sessions")
    .values({
      id: idOf(token),
      user_id: userId,
      created_at: now.toISOString(),
      expires_at: new Date(now.getTime() + SESSION_DAYS * 86_400_000).toISOString(),
      last_seen_at: now.toISOString(),
      user_agent: userAgent.slice(0, 300),
    })
    .execute();
  return token;
}

/** The user a session token belongs to, or null when it was ended, revoked or has expired. */
export async function userOfSession({
  store,
  token,
}: WithStore & { token: string }): Promise<string | null> {
  const { db } = await sqlFor(store);
  const row = await db
    .selectFrom("sessions")
    .select(["id", "user_id", "expires_at", "last_seen_at"])
    .where("id", "=", idOf(token))
    .executeTakeFirst();
  if (!row) return null;
  const now = Date.now();
  if (Date.parse(row.expires_at) <= now) {
    await db.deleteFrom("sessions").where("id", "=", row.id).execute();
    return null;
  }
  if (now - Date.parse(row.last_seen_at) > SEEN_EVERY_MS)
    await db
      .updateTable("sessions")
      .set({ last_seen_at: nowIso() })
      .where("id", "=", row.id)
      .execute();
  return row.user_id;
}

/** Ends one session (logout). */
export async function endSession({ store, token }: WithStore & { token: string }): Promise<void> {
  const { db } = await sqlFor(store);
  await db.deleteFrom("sessions").where("id", "=", idOf(token)).execute();
}

/**
 * Ends every session of a user, except the one making the request when given: "sign out everywhere
 * else", and what a password change or an account's removal must do.
 */
export async function endUserSessions({
  store,
  userId,
  exceptToken,
}: WithStore & { userId: string; exceptToken?: string }): Promise<number> {
  const { db } = await sqlFor(store);
  let query = db.deleteFrom("sessions").where("user_id", "=", userId);
  if (exceptToken) query = query.where("id", "!=", idOf(exceptToken));
  const result = await query.executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** The user's own sessions, newest first; `current` marks the one asking. */
export async function listSessions({
  store,
  userId,
  currentToken,
}: WithStore & { userId: string; currentToken?: string }): Promise<SessionSummary[]> {
  const { db } = await sqlFor(store);
  const current = currentToken ? idOf(currentToken) : null;
  const rows = await db
    .selectFrom("sessions")
    .selectAll()
    .where("user_id", "=", userId)
    .where("expires_at", ">", nowIso())
    .orderBy("created_at", "desc")
    .execute();
  return rows.map((row) => ({
    id: row.id,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    expiresAt: row.expires_at,
    userAgent: row.user_agent,
    current: row.id === current,
  }));
}

/** Revokes one of the user's own sessions by its listed id; someone else's is not found. */
export async function revokeSession({
  store,
  userId,
  sessionId,
}: WithStore & { userId: string; sessionId: string }): Promise<void> {
  const { db } = await sqlFor(store);
  const result = await db
    .deleteFrom("sessions")
    .where("id", "=", sessionId)
    .where("user_id", "=", userId)
    .executeTakeFirst();
  if (Number(result.numDeletedRows) === 0)
    throw new ResearchError("not-found", "That session is not one of yours or has already ended.", {
      field: "sessionId",
    });
}
