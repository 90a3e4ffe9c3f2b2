import { removeMemosAbout } from "../coding/memos.js";
import { codingsFile } from "../coding/model.js";
import { loadCorpus } from "../collection/corpus.js";
import { corpusBatchFile, corpusManifestFile, fieldNotesFile, membersFile, type Member } from "../collection/model.js";
import { projectKeys } from "../projects/model.js";
import { requireProject } from "../projects/projects.js";
import { ResearchError } from "../shared/errors.js";
import { newId, nowIso } from "../shared/ids.js";
import type { DocumentStore } from "../store/index.js";
import { erasedMemberHash, getConsentStatuses } from "./consent-status.js";
import { ConsentStatusSchema, auditFile, consentFile, type ConsentEntry, type ConsentStatus } from "./model.js";

type WithProject = { store: DocumentStore; slug: string };

/**
 * The member a handle names, as the members page shows it: platform user name or display name (case-
 * insensitive). More than one match is an error that lists them, so a script never records consent for
 * the wrong person.
 */
export async function resolveMemberByHandle({ store, slug, handle }: WithProject & { handle: string }): Promise<Member> {
  const corpus = await loadCorpus({ store, slug });
  const wanted = handle.trim().toLowerCase();
  const members = [...corpus.members.values()];
  const exact = members.filter((member) => member.handle === handle.trim());
  const matches = exact.length > 0 ? exact : members.filter((member) => member.handle.toLowerCase() === wanted || member.displayName?.toLowerCase() === wanted);
  if (matches.length === 0) throw new ResearchError("not-found", `No member with the handle "${handle}" in this project.`, { field: "handle" });
  if (matches.length > 1) {
    const communityNames = new Map(corpus.communities.map((community) => [community.id, community.name]));
    const communitiesOf = (memberId: string) => [...new Set(corpus.posts.filter((post) => post.memberId === memberId).map((post) => communityNames.get(post.communityId)))].join(", ");
    const list = matches.map((member) => `${member.handle} (${member.platform}${member.platformUserId ? ` user ${member.platformUserId}` : ""} in ${communitiesOf(member.id) || "no community"}, ${member.postCount} posts, pseudonym ${member.pseudonym})`).join("; ");
    throw new ResearchError("conflict", `The handle "${handle}" is ambiguous: ${matches.length} members match: ${list}.`, { field: "handle" });
  }
  return matches[0];
}

/** Adds an entry to a member's consent log; opting out takes effect everywhere from this moment. */
export async function recordConsent({ store, slug, memberId, status, evidence = "", date, userId }: WithProject & { memberId: string; status: string; evidence?: string; date?: string; userId: string }): Promise<ConsentEntry> {
  const parsed = ConsentStatusSchema.safeParse(status);
  if (!parsed.success) throw new ResearchError("invalid-input", "Consent is one of: consented, declined, opted-out, paraphrase-only.", { field: "status" });
  if (date && Number.isNaN(Date.parse(date))) throw new ResearchError("invalid-input", "Use a date like 2026-03-01.", { field: "date" });
  const corpus = await loadCorpus({ store, slug });
  if (!corpus.members.has(memberId)) throw new ResearchError("not-found", "No such member in this project.", { field: "memberId" });
  const entry: ConsentEntry = { id: newId(), memberId, status: parsed.data, date: date ? new Date(date).toISOString() : nowIso(), evidence: evidence.trim().slice(0, 5000), recordedBy: userId };
  await store.update(consentFile, projectKeys.consent(slug), (consent) => {
    consent.entries.push(entry);
  });
  await appendAudit({ store, slug, by: userId, action: "consent", detail: `member ${memberId}: ${parsed.data}` });
  return entry;
}

export type ConsentLogRow = { member: Pick<Member, "id" | "pseudonym" | "handle" | "platform" | "postCount">; status: ConsentStatus | null; entries: ConsentEntry[] };

/** Each member's consent log, latest status first in importance: opted-out members are listed here (only here). */
export async function getConsentLog({ store, slug }: WithProject): Promise<ConsentLogRow[]> {
  const [corpus, consent, statuses] = await Promise.all([loadCorpus({ store, slug }), store.read(consentFile, projectKeys.consent(slug)), getConsentStatuses({ store, slug })]);
  return [...corpus.members.values()]
    .map((member) => ({
      member: { id: member.id, pseudonym: member.pseudonym, handle: member.handle, platform: member.platform, postCount: member.postCount },
      status: statuses.get(member.id) ?? null,
      entries: consent.entries.filter((entry) => entry.memberId === member.id).sort((a, b) => b.date.localeCompare(a.date)),
    }))
    .sort((a, b) => Number(Boolean(b.status)) - Number(Boolean(a.status)) || b.member.postCount - a.member.postCount);
}

export async function appendAudit({ store, slug, by, action, detail }: WithProject & { by: string; action: string; detail: string }): Promise<void> {
  await store.update(auditFile, projectKeys.audit(slug), (audit) => {
    audit.entries.push({ at: nowIso(), by, action, detail });
  });
}

export async function listAudit({ store, slug }: WithProject) {
  await requireProject({ store, slug });
  return (await store.read(auditFile, projectKeys.audit(slug))).entries;
}

/**
 * Erases a member for good: their posts leave every batch, their codings and note links go, the member
 * record goes, and a hash of platform and handle is kept so a re-import does not bring them back. The
 * audit entry keeps counts and ids only, never content.
 */
export async function purgeMember({ store, slug, memberId, userId }: WithProject & { memberId: string; userId: string }): Promise<{ posts: number; codings: number }> {
  await requireProject({ store, slug });
  const members = await store.read(membersFile, projectKeys.members(slug));
  const member = members.members.find((candidate) => candidate.id === memberId);
  if (!member) throw new ResearchError("not-found", "No such member in this project.", { field: "memberId" });
  const manifest = await store.read(corpusManifestFile, projectKeys.corpusManifest(slug));
  const erasedPostIds = new Set<string>();
  const remainingPosts = new Map<string, number>();
  for (const batch of manifest.batches) {
    const data = await store.read(corpusBatchFile, projectKeys.corpusBatch(slug, batch.id));
    if (!data.posts.some((post) => post.memberId === memberId)) continue;
    await store.update(corpusBatchFile, projectKeys.corpusBatch(slug, batch.id), (batchData) => {
      for (const post of batchData.posts) if (post.memberId === memberId) erasedPostIds.add(post.id);
      batchData.posts = batchData.posts.filter((post) => post.memberId !== memberId);
      remainingPosts.set(batch.id, batchData.posts.length);
    });
  }
  let codings = 0;
  await store.update(codingsFile, projectKeys.codings(slug), (data) => {
    const before = data.codings.length;
    data.codings = data.codings.filter((coding) => !(coding.sourceType === "post" && erasedPostIds.has(coding.sourceId)));
    codings = before - data.codings.length;
  });
  await store.update(fieldNotesFile, projectKeys.fieldNotes(slug), (data) => {
    for (const note of data.notes) note.links = note.links.filter((link) => !(link.type === "member" && link.id === memberId) && !(link.type === "post" && erasedPostIds.has(link.id)));
  });
  await removeMemosAbout({ store, slug, postIds: erasedPostIds });
  await store.update(consentFile, projectKeys.consent(slug), (consent) => {
    consent.purgedMembers.push({ platform: member.platform, handleHash: erasedMemberHash(member.platform, member.identityKey || member.platformUserId || member.handle), purgedAt: nowIso() });
    consent.entries = consent.entries.filter((entry) => entry.memberId !== memberId);
  });
  await store.update(membersFile, projectKeys.members(slug), (data) => {
    data.members = data.members.filter((candidate) => candidate.id !== memberId);
  });
  // Batch post counts in the manifest feed the project totals.
  await store.update(corpusManifestFile, projectKeys.corpusManifest(slug), (data) => {
    for (const batch of data.batches) batch.posts = remainingPosts.get(batch.id) ?? batch.posts;
    data.revision += 1;
  });
  await appendAudit({ store, slug, by: userId, action: "erasure", detail: `member ${memberId} erased: ${erasedPostIds.size} posts, ${codings} codings removed` });
  return { posts: erasedPostIds.size, codings };
}
