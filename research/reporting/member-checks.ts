import { createHash } from "node:crypto";
import type { Selectable } from "kysely";
import { requireCapability } from "../shared/roles.js";
import { hashToken } from "../accounts/passwords.js";
import { parseJsonArray, projectSql, visiblePosts } from "../collection/corpus.js";
import { insertAuditEvent } from "../entree/audit.js";
import { projectKeys } from "../projects/model.js";
import { getProject, listAllProjects } from "../projects/projects.js";
import { ResearchError } from "../shared/errors.js";
import { newId, newToken, nowIso } from "../shared/ids.js";
import { inTransaction, sqlFor, type DocumentStore, type Queryable } from "../store/index.js";
import type { MemberResponsesTable, ShareLinksTable } from "../store/sql/schema.js";
import { MemberResponseSchema, themesFile, type MemberResponse, type ShareLink } from "./model.js";
import { buildReportData, type ReportData } from "./report-data.js";
import { removeQuoteFromFindings } from "./themes.js";

type WithProject = { store: DocumentStore; slug: string };

/** Responses listed on the member-checks page: the newest, so a flood through a public link stays a page. */
const MAX_LISTED_RESPONSES = 500;

const NOT_VALID = "This link is not valid: it may have expired or been withdrawn.";

function toShareLink(row: Selectable<ShareLinksTable>): ShareLink {
  return {
    id: row.id,
    tokenHash: row.token_hash,
    themeIds: parseJsonArray(row.theme_ids),
    label: row.label,
    createdBy: row.created_by,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
  };
}

function toMemberResponse(row: Selectable<MemberResponsesTable>): MemberResponse | null {
  const parsed = MemberResponseSchema.safeParse({
    id: row.id,
    linkId: row.link_id,
    themeId: row.theme_id,
    rating: row.rating,
    comment: row.comment,
    quoteRef: row.quote_ref,
    at: row.at,
    changedAt: row.changed_at ?? null,
    handledAt: row.handled_at,
    handledBy: row.handled_by,
    handling: row.handling,
  });
  return parsed.success ? parsed.data : null;
}

/** Creates a share link for chosen findings; the token is returned once and only its hash is kept. */
export async function createShareLink({
  store,
  slug,
  themeIds,
  days,
  label = "",
  userId,
}: WithProject & { themeIds: string[]; days: number; label?: string; userId: string }): Promise<{
  token: string;
  link: ShareLink;
}> {
  await requireCapability({ store, slug, userId, capability: "manageMemberChecks" });
  const { database, project, projectId } = await projectSql({ store, slug });
  if (themeIds.length === 0) {
    throw new ResearchError("invalid-input", "Choose at least one finding to share.", {
      field: "themeIds",
    });
  }
  if (!Number.isInteger(days) || days < 1 || days > 90) {
    throw new ResearchError("invalid-input", "A share link lasts 1 to 90 days.", { field: "days" });
  }
  const themes = await store.read(themesFile, projectKeys.themes(slug));
  if (themeIds.some((id) => !themes.themes.some((theme) => theme.id === id))) {
    throw new ResearchError("invalid-input", "Unknown finding.", { field: "themeIds" });
  }
  const token = newToken();
  const link: ShareLink = {
    id: newId(),
    tokenHash: hashToken(token),
    themeIds,
    label: label.trim().slice(0, 200),
    createdBy: userId,
    createdAt: nowIso(),
    expiresAt: new Date(Date.now() + days * 86_400_000).toISOString(),
    revokedAt: null,
  };
  await inTransaction(database, async (trx) => {
    await trx
      .insertInto("share_links")
      .values({
        id: link.id,
        project_id: projectId,
        project_slug: project.slug,
        token_hash: link.tokenHash,
        theme_ids: JSON.stringify(link.themeIds),
        label: link.label,
        created_by: userId,
        created_at: link.createdAt,
        expires_at: link.expiresAt,
        revoked_at: null,
      })
      .execute();
    await insertAuditEvent(trx, projectId, {
      by: userId,
      action: "share-link",
      detail: `created link ${link.id} for ${themeIds.length} findings until ${link.expiresAt.slice(0, 10)}`,
    });
  });
  return { token, link };
}

/** Withdraws a share link at once: its token opens nothing from now on. */
export async function revokeShareLink({
  store,
  slug,
  linkId,
  userId,
}: WithProject & { linkId: string; userId: string }): Promise<void> {
  await requireCapability({ store, slug, userId, capability: "manageMemberChecks" });
  const { database, projectId } = await projectSql({ store, slug });
  await inTransaction(database, async (trx) => {
    const updated = await trx
      .updateTable("share_links")
      .set({ revoked_at: nowIso() })
      .where("project_id", "=", projectId)
      .where("id", "=", linkId)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0)
      throw new ResearchError("not-found", "No such share link.");
    await insertAuditEvent(trx, projectId, {
      by: userId,
      action: "share-link-revoked",
      detail: `revoked link ${linkId}`,
    });
  });
}

/**
 * A new link in place of an old one, for the owner who lost the link they created (only its hash is
 * kept, so it cannot be shown again): the old token stops working and the new one opens the same
 * findings until the same day. Returns the new token, shown once.
 */
export async function replaceShareLink({
  store,
  slug,
  linkId,
  userId,
}: WithProject & { linkId: string; userId: string }): Promise<{ token: string; link: ShareLink }> {
  await requireCapability({ store, slug, userId, capability: "manageMemberChecks" });
  const { database, project, projectId } = await projectSql({ store, slug });
  const token = newToken();
  const link = await inTransaction(database, async (trx) => {
    const old = await trx
      .selectFrom("share_links")
      .selectAll()
      .where("project_id", "=", projectId)
      .where("id", "=", linkId)
      .executeTakeFirst();
    if (!old || old.revoked_at || old.expires_at <= nowIso())
      throw new ResearchError(
        "not-found",
        "No such active share link: only a link still open can be replaced.",
      );
    const replacement: ShareLink = {
      id: newId(),
      tokenHash: hashToken(token),
      themeIds: parseJsonArray(old.theme_ids),
      label: old.label,
      createdBy: userId,
      createdAt: nowIso(),
      expiresAt: old.expires_at,
      revokedAt: null,
    };
    await trx
      .updateTable("share_links")
      .set({ revoked_at: replacement.createdAt })
      .where("id", "=", linkId)
      .execute();
    await trx
      .insertInto("share_links")
      .values({
        id: replacement.id,
        project_id: projectId,
        project_slug: project.slug,
        token_hash: replacement.tokenHash,
        theme_ids: JSON.stringify(replacement.themeIds),
        label: replacement.label,
        created_by: userId,
        created_at: replacement.createdAt,
        expires_at: replacement.expiresAt,
        revoked_at: null,
      })
      .execute();
    await insertAuditEvent(trx, projectId, {
      by: userId,
      action: "share-link-replaced",
      detail: `link ${linkId} replaced by ${replacement.id} until ${replacement.expiresAt.slice(0, 10)}`,
    });
    return replacement;
  });
  return { token, link };
}

export type MemberChecks = {
  links: ShareLink[];
  responses: MemberResponse[];
  /** The quoted text of each coding a response asks to remove, when its post is still visible. */
  quotes: Record<string, string>;
};

/** The project's share links (oldest first) and the latest responses (in the order they came). */
export async function listMemberChecks({ store, slug }: WithProject): Promise<MemberChecks> {
  const { db, projectId } = await projectSql({ store, slug });
  const [linkRows, responseRows] = await Promise.all([
    db
      .selectFrom("share_links")
      .selectAll()
      .where("project_id", "=", projectId)
      .orderBy("created_at")
      .orderBy("id")
      .execute(),
    db
      .selectFrom("member_responses")
      .selectAll()
      .where("project_id", "=", projectId)
      .orderBy("at", "desc")
      .orderBy("id", "desc")
      .limit(MAX_LISTED_RESPONSES)
      .execute(),
  ]);
  const responses = responseRows
    .reverse()
    .map(toMemberResponse)
    .filter((response) => response !== null);
  const codingIds = [...new Set(responses.flatMap((response) => response.quoteRef ?? []))];
  const quotes: Record<string, string> = {};
  if (codingIds.length > 0) {
    // Through the visible posts: a quote of a member who opted out since is not shown again.
    const rows = await visiblePosts(db, projectId)
      .innerJoin("codings as c", "c.source_id", "p.id")
      .select(["c.id", "c.quote"])
      .where("c.project_id", "=", projectId)
      .where("c.source_type", "=", "post")
      .where("c.id", "in", codingIds)
      .execute();
    for (const row of rows) quotes[row.id] = row.quote;
  }
  return { links: linkRows.map(toShareLink), responses, quotes };
}

type OpenLink = { slug: string; projectId: string; link: ShareLink };

/**
 * The open link a token names, found by its hash (unique, indexed) whatever the project: unknown,
 * expired, revoked, and links of a project that is gone are all the same "not valid".
 */
async function requireOpenLink(
  store: DocumentStore,
  db: Queryable,
  token: string,
): Promise<OpenLink> {
  const row = await db
    .selectFrom("share_links")
    .selectAll()
    .where("token_hash", "=", hashToken(token))
    .executeTakeFirst();
  if (!row || row.revoked_at || row.expires_at <= nowIso())
    throw new ResearchError("not-found", NOT_VALID);
  const slug = row.project_slug ?? (await slugOfProject(store, row.project_id));
  // A slug can be taken again by a new project after the old one is removed: the id must match too.
  const project = slug ? await getProject({ store, slug }) : null;
  // An archived project is closed: its findings are no longer open for review through old links.
  if (!slug || !project || project.id !== row.project_id || project.archivedAt)
    throw new ResearchError("not-found", NOT_VALID);
  return { slug, projectId: row.project_id, link: toShareLink(row) };
}

/** Links stored before migration 002 carry no slug: found once by looking through the projects. */
async function slugOfProject(store: DocumentStore, projectId: string): Promise<string | null> {
  const project = (await listAllProjects({ store })).find(
    (candidate) => candidate.id === projectId,
  );
  return project?.slug ?? null;
}

/** The link a token opens and its project's slug, without building the report (cheap checks). */
export async function requireShareLink({
  store,
  token,
}: {
  store: DocumentStore;
  token: string;
}): Promise<{ slug: string; link: ShareLink }> {
  const database = await sqlFor(store);
  const { slug, link } = await requireOpenLink(store, database.db, token);
  return { slug, link };
}

/**
 * Finds the project and link a token opens: only a valid, unexpired, unrevoked token of some project.
 * Anything else is not found, without saying whether the link ever existed.
 */
export async function openShareLink({
  store,
  token,
}: {
  store: DocumentStore;
  token: string;
}): Promise<{ slug: string; link: ShareLink; report: ReportData }> {
  const database = await sqlFor(store);
  const { slug, link } = await requireOpenLink(store, database.db, token);
  const report = await buildReportData({
    store,
    slug,
    themeIds: link.themeIds,
    includeMemberNetwork: false,
  });
  return { slug, link, report };
}

/** Plain text only: reviewers' words are stored without markup or control characters. */
function cleanReviewerText(text: string): string {
  return text
    .replace(/<[^>]*>/g, "")
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g, "")
    .trim()
    .slice(0, 4000);
}

/**
 * Who a reviewer is, for one link: a hash of the link and the random value their browser keeps in a
 * cookie. Nothing about the person; another link's hash of the same browser differs.
 */
function reviewerKeyOf(linkId: string, reviewer: string | null | undefined): string | null {
  if (!reviewer || reviewer.length < 16 || reviewer.length > 200) return null;
  return createHash("sha256").update(`${linkId}:${reviewer}`).digest("hex");
}

export type ReviewerResponse = Pick<
  MemberResponse,
  "rating" | "comment" | "quoteRef" | "at" | "changedAt"
>;

/** The responses this reviewer (browser) gave through the link, by finding: what the form shows. */
export async function listReviewerResponses({
  store,
  token,
  reviewer,
}: {
  store: DocumentStore;
  token: string;
  reviewer: string | null | undefined;
}): Promise<Map<string, ReviewerResponse>> {
  const database = await sqlFor(store);
  const { link } = await requireOpenLink(store, database.db, token);
  const key = reviewerKeyOf(link.id, reviewer);
  const found = new Map<string, ReviewerResponse>();
  if (!key) return found;
  const rows = await database.db
    .selectFrom("member_responses")
    .selectAll()
    .where("link_id", "=", link.id)
    .where("reviewer_key", "=", key)
    .where("handled_at", "is", null)
    .orderBy("at")
    .execute();
  for (const row of rows) {
    const response = toMemberResponse(row);
    if (!response) continue;
    const { rating, comment, at, changedAt } = response;
    // The quote refs a reviewer sees are positional: the stored coding id means nothing to them.
    found.set(row.theme_id, { rating, comment, quoteRef: null, at, changedAt });
  }
  return found;
}

/**
 * A reviewer's response to one finding: rings true, partly, or not; a comment; "this quote is mine".
 * From a browser that responded to this finding before, it changes that response (unless the
 * researchers already acted on it) instead of adding another. Returns whether it changed one.
 */
export async function respondToFinding({
  store,
  token,
  themeId,
  rating,
  comment = "",
  quoteRef = null,
  reviewer = null,
}: {
  store: DocumentStore;
  token: string;
  themeId: string;
  rating: MemberResponse["rating"];
  comment?: string;
  quoteRef?: string | null;
  /** The random value the reviewer's browser keeps for the share pages (a cookie), if any. */
  reviewer?: string | null;
}): Promise<{ changed: boolean }> {
  const database = await sqlFor(store);
  const { slug, projectId, link } = await requireOpenLink(store, database.db, token);
  if (!link.themeIds.includes(themeId)) {
    throw new ResearchError("not-found", "This finding is not part of the shared findings.");
  }
  let codingId: string | null = null;
  if (quoteRef) {
    // The same report the reviewer saw: quote refs are numbered across all of the link's findings.
    const report = await buildReportData({
      store,
      slug,
      themeIds: link.themeIds,
      includeMemberNetwork: false,
    });
    const theme = report.themes.find((candidate) => candidate.id === themeId);
    const quote = theme?.evidence
      .concat(theme.counterEvidence)
      .find((candidate) => candidate.ref === quoteRef);
    if (!quote) throw new ResearchError("invalid-input", "Unknown quote.", { field: "quoteRef" });
    // Quote refs are positional: keep the coding they pointed at so the researcher acts on the right one.
    codingId = "codingId" in quote && typeof quote.codingId === "string" ? quote.codingId : null;
  }
  const parsedRating = MemberResponseSchema.shape.rating.safeParse(rating);
  if (!parsedRating.success) {
    throw new ResearchError("invalid-input", "Choose how the finding rings to you.", {
      field: "rating",
    });
  }
  const reviewerKey = reviewerKeyOf(link.id, reviewer);
  return inTransaction(database, async (trx) => {
    const earlier = reviewerKey
      ? await trx
          .selectFrom("member_responses")
          .select("id")
          .where("link_id", "=", link.id)
          .where("theme_id", "=", themeId)
          .where("reviewer_key", "=", reviewerKey)
          .where("handled_at", "is", null)
          .orderBy("at", "desc")
          .executeTakeFirst()
      : undefined;
    if (earlier) {
      await trx
        .updateTable("member_responses")
        .set({
          rating: parsedRating.data,
          comment: cleanReviewerText(comment),
          // A removal request stays: the changed answer may only add one, never drop it unseen.
          ...(codingId ? { quote_ref: codingId } : {}),
          changed_at: nowIso(),
        })
        .where("id", "=", earlier.id)
        .execute();
      return { changed: true };
    }
    await trx
      .insertInto("member_responses")
      .values({
        id: newId(),
        project_id: projectId,
        link_id: link.id,
        theme_id: themeId,
        rating: parsedRating.data,
        comment: cleanReviewerText(comment),
        quote_ref: codingId,
        at: nowIso(),
        handled_at: null,
        handled_by: null,
        handling: "",
        reviewer_key: reviewerKey,
      })
      .execute();
    return { changed: false };
  });
}

/** The researcher acts on a removal request: the quote leaves every finding, with an audit entry. */
export async function handleRemovalRequest({
  store,
  slug,
  responseId,
  userId,
}: WithProject & { responseId: string; userId: string }): Promise<void> {
  await requireCapability({ store, slug, userId, capability: "manageMemberChecks" });
  const { db, projectId } = await projectSql({ store, slug });
  const response = await db
    .selectFrom("member_responses")
    .select(["id", "quote_ref"])
    .where("project_id", "=", projectId)
    .where("id", "=", responseId)
    .executeTakeFirst();
  if (!response?.quote_ref) throw new ResearchError("not-found", "No such removal request.");
  // The findings are a document: the quote leaves them first, then the request is marked as handled.
  await removeQuoteFromFindings({
    store,
    slug,
    codingId: response.quote_ref,
    userId,
    reason: `member check response ${responseId}`,
  });
  await db
    .updateTable("member_responses")
    .set({ handled_at: nowIso(), handled_by: userId, handling: "quote removed from findings" })
    .where("project_id", "=", projectId)
    .where("id", "=", responseId)
    .execute();
}
