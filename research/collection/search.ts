import { sql, type Expression, type SqlBool } from "kysely";
import type { DocumentStore, Queryable, SqlEngine } from "../store/index.js";
import { getVisiblePostsIn, projectSql, visiblePosts } from "./corpus.js";
import {
  parseSearchQuery,
  positiveTerms,
  toFts5,
  toTsquery,
  type SearchNode,
  type SearchTerm,
} from "./search-query.js";

/**
 * Full-text search in the engine: the FTS5 table `posts_fts` on SQLite, the `search` tsvector (GIN) on
 * PostgreSQL. Both persist with the posts, so nothing is built in a request or after a restart.
 * Only visible posts are searched (the query starts from visiblePosts). Field notes are few and
 * searched with LIKE.
 */

/** Matches counted (and ranked) at most: a word in most posts costs the same as a rarer one. */
export const SEARCH_COUNT_CAP = 10_000;

/** A piece of a snippet: plain text, `match` when it is a word the query looked for. */
export type SnippetPiece = { text: string; match: boolean };

export type PostHit = {
  kind: "post";
  id: string;
  sourceId: string;
  threadId: string;
  threadTitle: string;
  communityName: string;
  pseudonym: string | null;
  createdAt: string | null;
  /** Higher is better (BM25 on SQLite, ts_rank on PostgreSQL: not comparable across engines). */
  score: number;
  snippet: SnippetPiece[];
};

export type NoteHit = { kind: "note"; id: string; title: string; snippet: SnippetPiece[] };
export type SearchHit = PostHit | NoteHit;

export type SearchFilter = {
  communityId?: string;
  memberId?: string;
  /** YYYY-MM-DD, inclusive. */
  from?: string;
  to?: string;
};

export type SearchResult = {
  /** The page of posts, best first. */
  hits: PostHit[];
  /** Matching visible posts, counted up to SEARCH_COUNT_CAP. */
  total: number;
  /**
   * More than `total` posts match; the best hits are then ranked among the first SEARCH_COUNT_CAP
   * matches in collection order (add words to rank a narrower set).
   */
  totalCapped: boolean;
  /** Field notes that match (newest first, at most 20), when no post filter is set. */
  notes: NoteHit[];
};

const EMPTY: SearchResult = { hits: [], total: 0, totalCapped: false, notes: [] };

// Private-use characters mark matches in the engines' snippets; they are split out into pieces.
const OPEN = "\uE000";
const CLOSE = "\uE001";

/** A condition on `p` (a posts row of visiblePosts) that the post matches the parsed query. */
export function postMatches(engine: SqlEngine, node: SearchNode): Expression<SqlBool> {
  return engine === "sqlite"
    ? sql<SqlBool>`p.seq in (select rowid from posts_fts where posts_fts match ${toFts5(node)})`
    : sql<SqlBool>`p.search @@ to_tsquery('simple', ${toTsquery(node)})`;
}

/** The day after a YYYY-MM-DD date, so "to" is inclusive without comparing past the date's end. */
export function dayAfter(date: string): string {
  const next = new Date(`${date}T00:00:00Z`);
  next.setUTCDate(next.getUTCDate() + 1);
  return next.toISOString().slice(0, 10);
}

/** The post filters every post query of the collection shares (community, member, date range). */
export function applyPostFilter<Q extends ReturnType<typeof visiblePosts>>(
  query: Q,
  filter: SearchFilter,
): Q {
  let filtered = query;
  if (filter.communityId) filtered = filtered.where("p.community_id", "=", filter.communityId) as Q;
  if (filter.memberId) filtered = filtered.where("p.member_id", "=", filter.memberId) as Q;
  if (filter.from) filtered = filtered.where("p.created_at", ">=", filter.from) as Q;
  if (filter.to) filtered = filtered.where("p.created_at", "<", dayAfter(filter.to)) as Q;
  return filtered;
}

function matchingPosts(
  db: Queryable,
  engine: SqlEngine,
  projectId: string,
  node: SearchNode,
  filter: SearchFilter,
) {
  const base = applyPostFilter(visiblePosts(db, projectId), filter);
  if (engine === "sqlite") {
    return base
      .innerJoin(sql<{ rowid: number }>`posts_fts`.as("posts_fts"), (join) =>
        join.onRef("posts_fts.rowid", "=", "p.seq"),
      )
      .where(sql<SqlBool>`posts_fts match ${toFts5(node)}`);
  }
  return base.where(sql<SqlBool>`p.search @@ to_tsquery('simple', ${toTsquery(node)})`);
}

/**
 * Searches the project's visible posts (and its field notes): words, "phrases", prefix*, AND / OR /
 * NOT, "-word"; filters by community, member and dates; paged, ranked, with highlighted snippets.
 * A query that only excludes words is an invalid-input error; other odd syntax is read as words.
 */
export async function searchProject({
  store,
  slug,
  query,
  filter = {},
  limit = 50,
  offset = 0,
  includeNotes = true,
}: {
  store: DocumentStore;
  slug: string;
  query: string;
  filter?: SearchFilter;
  limit?: number;
  offset?: number;
  includeNotes?: boolean;
}): Promise<SearchResult> {
  const node = parseSearchQuery(query);
  const { database, db, projectId } = await projectSql({ store, slug });
  if (!node) return EMPTY;
  const engine = database.engine;
  const pageSize = Math.max(1, Math.min(limit, 500));

  const countMatches = async () =>
    Number(
      (
        await db
          .selectFrom(
            matchingPosts(db, engine, projectId, node, filter)
              .select("p.seq")
              .limit(SEARCH_COUNT_CAP + 1)
              .as("c"),
          )
          .select((eb) => eb.fn.countAll().as("n"))
          .executeTakeFirstOrThrow()
      ).n,
    );

  let matches: number;
  let page: Array<{ seq: number; id: string; score: number }> = [];
  if (engine === "postgres") {
    // One pass over the matches for the count and the ranked page: PostgreSQL reads a common word's
    // posts from the table (a seq scan testing each tsvector: 100k posts, `the`, about 60 ms), so a
    // separate count would read them twice. The rows come in the order the scan yields them, as
    // `limit` takes them: the ranked set is the first SEARCH_COUNT_CAP of them, as on SQLite.
    const score = sql<number>`ts_rank(p.search, to_tsquery('simple', ${toTsquery(node)}))`;
    const candidates = matchingPosts(db, engine, projectId, node, filter)
      .select(["p.seq", "p.id", score.as("score")])
      .limit(SEARCH_COUNT_CAP + 1)
      .as("c0");
    const numbered = db
      .selectFrom(candidates)
      .select([
        "c0.seq",
        "c0.id",
        "c0.score",
        sql<number>`count(*) over ()`.as("n"),
        sql<number>`row_number() over ()`.as("k"),
      ])
      .as("c");
    const rows = await db
      .selectFrom(numbered)
      .select(["c.seq", "c.id", "c.score", "c.n"])
      .where("c.k", "<=", SEARCH_COUNT_CAP)
      .orderBy("c.score", "desc")
      .orderBy("c.seq")
      .limit(pageSize)
      .offset(offset)
      .execute();
    matches = rows.length > 0 ? Number(rows[0].n) : offset > 0 ? await countMatches() : 0;
    page = rows.map((row) => ({ seq: Number(row.seq), id: row.id, score: Number(row.score) }));
  } else {
    matches = await countMatches();
  }
  const total = Math.min(matches, SEARCH_COUNT_CAP);

  if (engine === "sqlite" && total > offset) {
    // Score only a bounded set of candidates; the engine ranks them and returns one page.
    const score = sql<number>`-bm25(posts_fts, 2.0, 1.0)`;
    const candidates = matchingPosts(db, engine, projectId, node, filter)
      .select(["p.seq", "p.id", score.as("score")])
      .limit(SEARCH_COUNT_CAP)
      .as("c");
    const rows = await db
      .selectFrom(candidates)
      .select(["c.seq", "c.id", "c.score"])
      .orderBy("c.score", "desc")
      .orderBy("c.seq")
      .limit(pageSize)
      .offset(offset)
      .execute();
    page = rows.map((row) => ({ seq: Number(row.seq), id: row.id, score: Number(row.score) }));
  }

  const [context, snippets] = await Promise.all([
    getVisiblePostsIn(
      db,
      projectId,
      page.map((row) => row.id),
    ),
    snippetsFor(db, engine, node, page),
  ]);
  const hits: PostHit[] = page.flatMap((row) => {
    const post = context.get(row.id);
    if (!post) return [];
    return [
      {
        kind: "post" as const,
        id: post.id,
        sourceId: post.sourceId,
        threadId: post.threadId,
        threadTitle: post.threadTitle,
        communityName: post.communityName,
        pseudonym: post.pseudonym,
        createdAt: post.createdAt,
        score: Math.round(row.score * 1e6) / 1e6,
        snippet: snippets.get(row.id) ?? highlight(post.text, positiveTerms(node)),
      },
    ];
  });
  const filtered = Boolean(filter.communityId || filter.memberId || filter.from || filter.to);
  const notes =
    includeNotes && !filtered && offset === 0 ? await searchNotes(db, projectId, node) : [];
  return { hits, total, totalCapped: matches > SEARCH_COUNT_CAP, notes };
}

/** The engine's snippet of each hit (FTS5 snippet() / ts_headline), as pieces. */
async function snippetsFor(
  db: Queryable,
  engine: SqlEngine,
  node: SearchNode,
  page: Array<{ seq: number; id: string }>,
): Promise<Map<string, SnippetPiece[]>> {
  const found = new Map<string, SnippetPiece[]>();
  if (page.length === 0) return found;
  if (engine === "sqlite") {
    // Marked in JS from the query's words (folded as FTS5's unicode61 tokenizer folds them): an FTS5
    // snippet() per hit would run the full-text query again for each.
    const texts = await db
      .selectFrom("posts")
      .select(["id", "title", "text"])
      .where(
        "id",
        "in",
        page.map((row) => row.id),
      )
      .execute();
    const terms = positiveTerms(node);
    for (const row of texts) found.set(row.id, highlight(row.text || (row.title ?? ""), terms));
    return found;
  }
  const options = `StartSel=${OPEN}, StopSel=${CLOSE}, MaxWords=30, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "`;
  const rows = await sql<{ id: string; snippet: string }>`select p.id, ts_headline('simple',
      coalesce(p.title, '') || ' ' || p.text, to_tsquery('simple', ${toTsquery(node)}), ${options}) as snippet
    from posts p where p.id in (${sql.join(page.map((row) => row.id))})`.execute(db);
  for (const row of rows.rows) found.set(row.id, toPieces(row.snippet));
  return found;
}

/** Splits a snippet with match markers into plain pieces (never HTML). */
export function toPieces(marked: string): SnippetPiece[] {
  const pieces: SnippetPiece[] = [];
  let match = false;
  for (const part of marked.split(/([\uE000\uE001])/u)) {
    if (part === OPEN) match = true;
    else if (part === CLOSE) match = false;
    else if (part) {
      const last = pieces.at(-1);
      if (last && last.match === match) last.text += part;
      else pieces.push({ text: part, match });
    }
  }
  return pieces;
}

/** The plain text of pieces (for the CLI and for text-only views). */
export function piecesText(pieces: SnippetPiece[]): string {
  return pieces.map((piece) => piece.text).join("");
}

function foldCase(text: string): string {
  return text
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase();
}

/**
 * A snippet made outside the engine (field notes): a window around the first matched word, with
 * every word of the query marked.
 */
export function highlight(text: string, terms: SearchTerm[], width = 240): SnippetPiece[] {
  const words = terms.flatMap((term) =>
    term.words.map((word, i) => ({
      word: foldCase(word),
      prefix: term.prefix && i === term.words.length - 1,
    })),
  );
  const tokens = [...text.matchAll(/[\p{L}\p{N}][\p{L}\p{N}\p{M}]*/gu)];
  const isMatch = (token: string) => {
    const folded = foldCase(token);
    return words.some(({ word, prefix }) => (prefix ? folded.startsWith(word) : folded === word));
  };
  const first = tokens.find((token) => isMatch(token[0]));
  const start = Math.max(0, (first?.index ?? 0) - 80);
  const end = Math.min(text.length, start + width);
  const pieces: SnippetPiece[] = [];
  const push = (piece: string, match: boolean) => {
    if (!piece) return;
    const last = pieces.at(-1);
    if (last && last.match === match) last.text += piece;
    else pieces.push({ text: piece, match });
  };
  if (start > 0) push("…", false);
  let at = start;
  for (const token of tokens) {
    const index = token.index ?? 0;
    if (index < start || index + token[0].length > end) continue;
    if (!isMatch(token[0])) continue;
    push(text.slice(at, index), false);
    push(token[0], true);
    at = index + token[0].length;
  }
  push(text.slice(at, end), false);
  if (end < text.length) push("…", false);
  return pieces;
}

/** The query as a LIKE condition over a note's title and text (notes are few: no index needed). */
function noteCondition(node: SearchNode): ReturnType<typeof sql<SqlBool>> {
  if (node.kind === "term") {
    const needle = `%${node.term.words.join(" ")}%`;
    return sql<SqlBool>`(lower(title) like ${needle} or lower(markdown) like ${needle})`;
  }
  if (node.kind === "or")
    return sql<SqlBool>`(${sql.join(node.options.map(noteCondition), sql` or `)})`;
  const include = sql.join(node.include.map(noteCondition), sql` and `);
  if (node.exclude.length === 0) return sql<SqlBool>`(${include})`;
  const exclude = sql.join(node.exclude.map(noteCondition), sql` or `);
  return sql<SqlBool>`(${include} and not (${exclude}))`;
}

async function searchNotes(db: Queryable, projectId: string, node: SearchNode): Promise<NoteHit[]> {
  const rows = await db
    .selectFrom("field_notes")
    .select(["id", "title", "markdown"])
    .where("project_id", "=", projectId)
    .where(noteCondition(node))
    .orderBy("updated_at", "desc")
    .limit(20)
    .execute();
  const terms = positiveTerms(node);
  return rows.map((row) => ({
    kind: "note" as const,
    id: row.id,
    title: row.title,
    snippet: highlight(row.markdown, terms),
  }));
}
