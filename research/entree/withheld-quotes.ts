import { sql, type Expression, type SqlBool } from "kysely";
import {
  attributionNames,
  blankPassages,
  findQuotedPassages,
  isAttributedTo,
  namesInAttribution,
  quotesFrom,
  type BlankedSpan,
} from "../collection/quoted-passages.js";
import { parseJsonArray } from "../collection/corpus.js";
import { postMatches } from "../collection/search.js";
import { parseSearchQuery } from "../collection/search-query.js";
import { sliceCodePoints } from "../shared/text-offsets.js";
import type { Queryable, SqlEngine } from "../store/index.js";

/**
 * An opted-out member's words are withheld wherever they appear, including inside other members' posts
 * that quote them. The quoting post stays (its author did not opt out), with the quoted passage blanked
 * out in its stored text, so every reader (pages, search, NLP, reports, exports, share links) gets the
 * blanked text without a check of its own. Offsets are kept, so codings on the rest of the post still
 * hold; the original waits in `withheld_quotes` until every member it quotes consents again.
 */

/** Which posts to look at again: those near some members, or those one import brought in. */
export type QuoteScope = { members: string[] } | { importId: string };

type QuotedMember = { id: string; names: string[] };

const BATCH = 200;
/** Posts found by a member's names in the full-text index: beyond this, the thread scan still holds. */
const NAME_MATCH_CAP = 20_000;

/** A cheap condition on `p` that its text may hold a quote (the exact look happens in code). */
function mayQuoteInSql(): Expression<SqlBool> {
  return sql<SqlBool>`(p.text like '%>%' or lower(p.text) like '%[quote%' or lower(coalesce(p.html, '')) like '%<blockquote%')`;
}

async function optedOutMembers(
  trx: Queryable,
  projectId: string,
  erasing: string[],
): Promise<QuotedMember[]> {
  const rows = await trx
    .selectFrom("members")
    .select(["id", "handle", "display_name"])
    .where("project_id", "=", projectId)
    .where((eb) =>
      eb.or([
        eb("consent_status", "=", "opted-out"),
        ...(erasing.length > 0 ? [eb("id", "in", erasing)] : []),
      ]),
    )
    .execute();
  return rows.map((row) => ({
    id: row.id,
    names: attributionNames({ handle: row.handle, displayName: row.display_name }),
  }));
}

/** The posts that may quote these members: in threads they wrote in, naming them, or blanked for them. */
async function candidatesNear(
  trx: Queryable,
  engine: SqlEngine,
  projectId: string,
  memberIds: string[],
): Promise<string[]> {
  const found = new Set<string>();
  const inTheirThreads = await trx
    .selectFrom("posts as p")
    .select("p.id")
    .where("p.project_id", "=", projectId)
    .where("p.thread_id", "in", (eb) =>
      eb
        .selectFrom("posts as own")
        .select("own.thread_id")
        .where("own.project_id", "=", projectId)
        .where("own.member_id", "in", memberIds),
    )
    .where(mayQuoteInSql())
    .execute();
  for (const row of inTheirThreads) found.add(row.id);

  const members = await trx
    .selectFrom("members")
    .select(["handle", "display_name"])
    .where("project_id", "=", projectId)
    .where("id", "in", memberIds)
    .execute();
  const names = members.flatMap((member) =>
    attributionNames({ handle: member.handle, displayName: member.display_name }),
  );
  const query = names
    .filter((name) => name.length >= 3)
    .map((name) => `"${name.replace(/"/g, " ")}"`)
    .join(" OR ");
  const node = query ? parseSearchQuery(query) : null;
  if (node) {
    const named = await trx
      .selectFrom("posts as p")
      .select("p.id")
      .where("p.project_id", "=", projectId)
      .where(postMatches(engine, node))
      .where(mayQuoteInSql())
      .limit(NAME_MATCH_CAP)
      .execute();
    for (const row of named) found.add(row.id);
  }

  const blanked = await trx
    .selectFrom("withheld_quotes")
    .select(["post_id", "member_ids"])
    .where("project_id", "=", projectId)
    .execute();
  const wanted = new Set(memberIds);
  for (const row of blanked)
    if (parseJsonArray(row.member_ids).some((id) => wanted.has(id))) found.add(row.post_id);
  return [...found];
}

/**
 * Looks at the scope's posts again: blanks the passages that quote an opted-out member (or one being
 * erased) and gives back the originals of passages whose members consent again. With `erasing`, those
 * members' quoted words are also taken out of the kept originals, for good. Run inside the transaction
 * that changes consent, erases or imports. Returns how many posts changed.
 */
export async function reconsiderQuotedPassages(
  trx: Queryable,
  engine: SqlEngine,
  projectId: string,
  scope: QuoteScope,
  { erasing = [] }: { erasing?: string[] } = {},
): Promise<number> {
  const quoted = await optedOutMembers(trx, projectId, erasing);
  let postIds: string[];
  if ("members" in scope) {
    if (scope.members.length === 0) return 0;
    postIds = await candidatesNear(trx, engine, projectId, scope.members);
  } else {
    // A new import can only quote members who are already opted out; with none, nothing to look at.
    if (quoted.length === 0) return 0;
    const rows = await trx
      .selectFrom("posts as p")
      .select("p.id")
      .where("p.project_id", "=", projectId)
      .where("p.import_id", "=", scope.importId)
      .where(mayQuoteInSql())
      .execute();
    postIds = rows.map((row) => row.id);
  }
  let changed = 0;
  for (let i = 0; i < postIds.length; i += BATCH)
    changed += await reconsiderBatch(trx, projectId, postIds.slice(i, i + BATCH), quoted, erasing);
  return changed;
}

async function reconsiderBatch(
  trx: Queryable,
  projectId: string,
  postIds: string[],
  quoted: QuotedMember[],
  erasing: string[],
): Promise<number> {
  const posts = await trx
    .selectFrom("posts as p")
    .leftJoin("withheld_quotes as w", "w.post_id", "p.id")
    .select([
      "p.id",
      "p.thread_id",
      "p.member_id",
      "p.text",
      "p.html",
      "w.post_id as withheld",
      "w.original_text",
      "w.original_html",
    ])
    .where("p.project_id", "=", projectId)
    .where("p.id", "in", postIds)
    .execute();
  const quotedIds = quoted.map((member) => member.id);
  // What the quoted members wrote in these threads: an unattributed quote is theirs if its words are.
  const theirPosts =
    quotedIds.length === 0
      ? []
      : await trx
          .selectFrom("posts")
          .select(["thread_id", "member_id", "text"])
          .where("project_id", "=", projectId)
          .where("member_id", "in", quotedIds)
          .where("thread_id", "in", [...new Set(posts.map((post) => post.thread_id))])
          .execute();
  const erasingSet = new Set(erasing);
  const namesOf = new Map(quoted.map((member) => [member.id, member.names]));
  let changed = 0;
  for (const post of posts) {
    const originalText = post.withheld ? post.original_text! : post.text;
    const originalHtml = post.withheld ? post.original_html : post.html;
    const passages = findQuotedPassages(originalText, originalHtml).map((passage) => {
      const byName = quoted.find(
        (member) =>
          member.id !== post.member_id &&
          passage.attribution !== null &&
          isAttributedTo(passage.attribution, member.names),
      );
      const byWords = byName
        ? undefined
        : theirPosts.find(
            (their) =>
              their.thread_id === post.thread_id &&
              their.member_id !== post.member_id &&
              quotesFrom(passage, their.text),
          );
      return { ...passage, memberId: byName?.id ?? byWords?.member_id ?? null };
    });
    const withheld = passages.filter((passage) => passage.memberId !== null);
    const erased = withheld.filter((passage) => erasingSet.has(passage.memberId!));
    // The passage and, in its attribution line, the member's name ("alice_w:" says who opted out).
    const spansOf = (chosen: typeof withheld): BlankedSpan[] =>
      chosen.flatMap((passage) => [
        passage,
        ...namesInAttribution(originalText, passage, namesOf.get(passage.memberId!) ?? []),
      ]);
    // Erased words leave the kept original too, and the HTML (which holds them) goes for good.
    const keptText =
      erased.length > 0 ? blankPassages(originalText, spansOf(erased)) : originalText;
    const keptHtml = erased.length > 0 ? null : originalHtml;
    const shownText =
      withheld.length > 0 ? blankPassages(originalText, spansOf(withheld)) : originalText;
    const memberIds = [...new Set(withheld.map((passage) => passage.memberId!))].filter(
      (id) => !erasingSet.has(id),
    );

    if (memberIds.length > 0) {
      const row = {
        project_id: projectId,
        original_text: keptText,
        original_html: keptHtml,
        member_ids: JSON.stringify(memberIds),
      };
      await trx
        .insertInto("withheld_quotes")
        .values({ post_id: post.id, ...row })
        .onConflict((conflict) => conflict.column("post_id").doUpdateSet(row))
        .execute();
    } else if (post.withheld) {
      await trx.deleteFrom("withheld_quotes").where("post_id", "=", post.id).execute();
    }
    const html = memberIds.length > 0 ? null : keptHtml;
    if (shownText === post.text && html === post.html) continue;
    await trx
      .updateTable("posts")
      .set({ text: shownText, html })
      .where("project_id", "=", projectId)
      .where("id", "=", post.id)
      .execute();
    await refreshQuotesOf(trx, projectId, post.id, shownText);
    changed++;
  }
  return changed;
}

/**
 * After a post's text changed in place: the quotes kept with its codings and suggestions are cut again
 * from the new text (same offsets), and its NLP annotation, made from the old text, is dropped.
 */
async function refreshQuotesOf(
  trx: Queryable,
  projectId: string,
  postId: string,
  text: string,
): Promise<void> {
  const codings = await trx
    .selectFrom("codings")
    .select(["id", "start_cp", "end_cp", "quote"])
    .where("project_id", "=", projectId)
    .where("source_type", "=", "post")
    .where("source_id", "=", postId)
    .execute();
  const suggestions = await trx
    .selectFrom("suggestions")
    .select(["id", "start_cp", "end_cp", "quote"])
    .where("project_id", "=", projectId)
    .where("source_id", "=", postId)
    .execute();
  for (const [table, rows] of [
    ["codings", codings],
    ["suggestions", suggestions],
  ] as const) {
    for (const row of rows) {
      const quote = sliceCodePoints(text, Number(row.start_cp), Number(row.end_cp));
      if (quote === row.quote) continue;
      await trx
        .updateTable(table)
        .set({ quote })
        .where("project_id", "=", projectId)
        .where("id", "=", row.id)
        .execute();
    }
  }
  await trx.deleteFrom("annotations").where("post_id", "=", postId).execute();
}
