import { createHash } from "node:crypto";
import { projectKeys } from "../projects/model.js";
import type { DocumentStore } from "../store/index.js";
import { consentFile, type ConsentStatus } from "./model.js";

/** Each member's current consent status: the latest entry of their log wins. */
export async function getConsentStatuses({ store, slug }: { store: DocumentStore; slug: string }): Promise<Map<string, ConsentStatus>> {
  const consent = await store.read(consentFile, projectKeys.consent(slug));
  const statuses = new Map<string, ConsentStatus>();
  const ordered = [...consent.entries].sort((a, b) => a.date.localeCompare(b.date));
  for (const entry of ordered) statuses.set(entry.memberId, entry.status);
  return statuses;
}

/** Opted-out members, whose words must appear nowhere. */
export async function getOptedOutMemberIds({ store, slug }: { store: DocumentStore; slug: string }): Promise<Set<string>> {
  const statuses = await getConsentStatuses({ store, slug });
  return new Set([...statuses].filter(([, status]) => status === "opted-out").map(([memberId]) => memberId));
}

/** What is kept of an erased member: a hash of platform and handle, so a re-import does not bring them back. */
export function erasedMemberHash(platform: string, memberKey: string): string {
  return createHash("sha256").update(`${platform}\u0000${memberKey}`).digest("hex");
}
