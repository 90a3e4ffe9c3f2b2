import { hashToken } from "../accounts/passwords.js";
import { appendAudit } from "../entree/consent.js";
import { requireProject } from "../projects/projects.js";
import { ResearchError } from "../shared/errors.js";
import { newId, newToken, nowIso } from "../shared/ids.js";
import type { DocumentStore } from "../store/index.js";
import { buildReportData, type ReportData } from "./report-data.js";
import { memberCheckFile, memberCheckKey, themesFile, type MemberResponse, type ShareLink } from "./model.js";
import { projectKeys } from "../projects/model.js";
import { removeQuoteFromFindings } from "./themes.js";

type WithProject = { store: DocumentStore; slug: string };

/** Creates a share link for chosen findings; the token is returned once and only its hash is kept. */
export async function createShareLink({ store, slug, themeIds, days, label = "", userId }: WithProject & { themeIds: string[]; days: number; label?: string; userId: string }): Promise<{ token: string; link: ShareLink }> {
  await requireProject({ store, slug });
  if (themeIds.length === 0) throw new ResearchError("invalid-input", "Choose at least one finding to share.", { field: "themeIds" });
  if (!Number.isInteger(days) || days < 1 || days > 90) throw new ResearchError("invalid-input", "A share link lasts 1 to 90 days.", { field: "days" });
  const themes = await store.read(themesFile, projectKeys.themes(slug));
  if (themeIds.some((id) => !themes.themes.some((theme) => theme.id === id))) throw new ResearchError("invalid-input", "Unknown finding.", { field: "themeIds" });
  const token = newToken();
  const link: ShareLink = { id: newId(), tokenHash: hashToken(token), themeIds, label: label.trim().slice(0, 200), createdBy: userId, createdAt: nowIso(), expiresAt: new Date(Date.now() + days * 86_400_000).toISOString(), revokedAt: null };
  await store.update(memberCheckFile, memberCheckKey(slug), (data) => void data.links.push(link));
  await appendAudit({ store, slug, by: userId, action: "share-link", detail: `created link ${link.id} for ${themeIds.length} findings until ${link.expiresAt.slice(0, 10)}` });
  return { token, link };
}

export async function revokeShareLink({ store, slug, linkId, userId }: WithProject & { linkId: string; userId: string }): Promise<void> {
  await store.update(memberCheckFile, memberCheckKey(slug), (data) => {
    const link = data.links.find((candidate) => candidate.id === linkId);
    if (!link) throw new ResearchError("not-found", "No such share link.");
    link.revokedAt = nowIso();
  });
  await appendAudit({ store, slug, by: userId, action: "share-link-revoked", detail: `revoked link ${linkId}` });
}

export async function listMemberChecks({ store, slug }: WithProject) {
  await requireProject({ store, slug });
  return store.read(memberCheckFile, memberCheckKey(slug));
}

/**
 * Finds the project and link a token opens: only a valid, unexpired, unrevoked token of some project.
 * Anything else is not found, without saying whether the link ever existed.
 */
export async function openShareLink({ store, token }: { store: DocumentStore; token: string }): Promise<{ slug: string; link: ShareLink; report: ReportData }> {
  const tokenHash = hashToken(token);
  for (const slug of await store.list("projects")) {
    if (!(await store.exists(memberCheckKey(slug)))) continue;
    const data = await store.read(memberCheckFile, memberCheckKey(slug));
    const link = data.links.find((candidate) => candidate.tokenHash === tokenHash);
    if (!link) continue;
    if (link.revokedAt || link.expiresAt <= nowIso()) break;
    const report = await buildReportData({ store, slug, themeIds: link.themeIds, includeMemberNetwork: false });
    return { slug, link, report };
  }
  throw new ResearchError("not-found", "This link is not valid: it may have expired or been withdrawn.");
}

/** Plain text only: reviewers' words are stored without markup or control characters. */
function cleanReviewerText(text: string): string {
  return text.replace(/<[^>]*>/g, "").replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g, "").trim().slice(0, 4000);
}

/** A reviewer's response to one finding: rings true, partly, or not; a comment; "this quote is mine". */
export async function respondToFinding({ store, token, themeId, rating, comment = "", quoteRef = null }: { store: DocumentStore; token: string; themeId: string; rating: MemberResponse["rating"]; comment?: string; quoteRef?: string | null }): Promise<void> {
  const { slug, link, report } = await openShareLink({ store, token });
  if (!link.themeIds.includes(themeId)) throw new ResearchError("not-found", "This finding is not part of the shared findings.");
  const theme = report.themes.find((t) => t.id === themeId);
  if (quoteRef && !theme?.evidence.concat(theme.counterEvidence).some((quote) => quote.ref === quoteRef)) throw new ResearchError("invalid-input", "Unknown quote.", { field: "quoteRef" });
  // Quote refs are positional: keep the coding they pointed at so the researcher acts on the right one.
  const codingId = quoteRef ? (theme!.evidence.concat(theme!.counterEvidence).find((quote) => quote.ref === quoteRef) as { codingId?: string }).codingId ?? null : null;
  await store.update(memberCheckFile, memberCheckKey(slug), (data) => {
    data.responses.push({ id: newId(), linkId: link.id, themeId, rating, comment: cleanReviewerText(comment), quoteRef: codingId, at: nowIso(), handledAt: null, handledBy: null, handling: "" });
  });
}

/** The researcher acts on a removal request: the quote leaves every finding, with an audit entry. */
export async function handleRemovalRequest({ store, slug, responseId, userId }: WithProject & { responseId: string; userId: string }): Promise<void> {
  const data = await store.read(memberCheckFile, memberCheckKey(slug));
  const response = data.responses.find((candidate) => candidate.id === responseId);
  if (!response?.quoteRef) throw new ResearchError("not-found", "No such removal request.");
  await removeQuoteFromFindings({ store, slug, codingId: response.quoteRef, userId, reason: `member check response ${responseId}` });
  await store.update(memberCheckFile, memberCheckKey(slug), (file) => {
    const target = file.responses.find((candidate) => candidate.id === responseId);
    if (target) Object.assign(target, { handledAt: nowIso(), handledBy: userId, handling: "quote removed from findings" });
  });
}
