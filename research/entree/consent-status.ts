import { createHash } from "node:crypto";
import { projectSql } from "../collection/corpus.js";
import type { DocumentStore } from "../store/index.js";
import { ConsentStatusSchema, type ConsentStatus } from "./model.js";

/** Chunks for `in (...)` lists, as in the corpus queries. */
const ID_CHUNK = 500;

/**
 * Current consent status of members: the latest entry RECORDED wins (kept in `members.consent_status`),
 * whatever date an entry states. Only members with a recorded status appear; with `memberIds`, only those
 * of them. Without ids the map holds the members a researcher recorded consent for, not the whole corpus.
 */
export async function getConsentStatuses({
  store,
  slug,
  memberIds,
}: {
  store: DocumentStore;
  slug: string;
  memberIds?: Iterable<string>;
}): Promise<Map<string, ConsentStatus>> {
  const { db, projectId } = await projectSql({ store, slug });
  const base = db
    .selectFrom("members")
    .select(["id", "consent_status"])
    .where("project_id", "=", projectId)
    .where("consent_status", "is not", null);
  const rows = [];
  if (memberIds === undefined) {
    rows.push(...(await base.execute()));
  } else {
    const ids = [...new Set(memberIds)];
    for (let i = 0; i < ids.length; i += ID_CHUNK) {
      rows.push(...(await base.where("id", "in", ids.slice(i, i + ID_CHUNK)).execute()));
    }
  }
  const statuses = new Map<string, ConsentStatus>();
  for (const row of rows) {
    const status = ConsentStatusSchema.safeParse(row.consent_status);
    if (status.success) statuses.set(row.id, status.data);
  }
  return statuses;
}

/** Opted-out members, whose words must appear nowhere. */
export async function getOptedOutMemberIds({
  store,
  slug,
}: {
  store: DocumentStore;
  slug: string;
}): Promise<Set<string>> {
  const { db, projectId } = await projectSql({ store, slug });
  const rows = await db
    .selectFrom("members")
    .select("id")
    .where("project_id", "=", projectId)
    .where("consent_status", "=", "opted-out")
    .execute();
  return new Set(rows.map((row) => row.id));
}

/** What is kept of an erased member: a hash of platform and handle, so a re-import does not bring them back. */
export function erasedMemberHash(platform: string, memberKey: string): string {
  return createHash("sha256").update(`${platform}\u0000${memberKey}`).digest("hex");
}

/**
 * The keys of a person on a platform, whichever community or file they were met in: their handle
 * (case-insensitive) and, where the platform has one, their user id. Consent and erasure follow these,
 * so re-importing the same people under another community name does not bring an opted-out or erased
 * member's words back (a member record's own key is local to a community on generic sources).
 */
export function personKeys(author: { handle: string; platformUserId?: string | null }): string[] {
  const keys = [`handle:${author.handle.trim().toLowerCase()}`];
  if (author.platformUserId) keys.push(`user:${author.platformUserId}`);
  return keys;
}
