import { randomBytes, randomUUID } from "node:crypto";

/** A random identifier for stored records. */
export function newId(): string {
  return randomUUID();
}

/** An unguessable token for links (invites, share links); only its hash is stored. */
export function newToken(): string {
  return randomBytes(32).toString("base64url");
}

export function nowIso(): string {
  return new Date().toISOString();
}
