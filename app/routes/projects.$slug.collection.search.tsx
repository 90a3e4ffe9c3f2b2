import type { LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { store } from "~/server/context.server";
import { requireProjectCapability } from "~/server/guards.server";
import {
  isResearchError,
  listCommunities,
  SEARCH_COUNT_CAP,
  searchProject,
  type SearchResult,
  type SnippetPiece,
} from "~/server/research.server";

const PAGE_SIZE = 50;
const DateParam = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .optional()
  .catch(undefined);
const ParamsSchema = z.object({
  q: z.string().max(300).default("").catch(""),
  community: z.string().optional().catch(undefined),
  from: DateParam,
  to: DateParam,
  page: z.coerce.number().int().min(1).max(200).default(1).catch(1),
});

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { project } = await requireProjectCapability(request, params.slug, "readData");
  const query = ParamsSchema.parse(Object.fromEntries(new URL(request.url).searchParams));
  const communities = await listCommunities({ store, slug: project.slug });
  const base = `/projects/${project.slug}/collection`;
  const started = performance.now();
  let problem: string | null = null;
  let found: SearchResult = { hits: [], total: 0, totalCapped: false, notes: [] };
  try {
    found = await searchProject({
      store,
      slug: project.slug,
      query: query.q,
      filter: { communityId: query.community || undefined, from: query.from, to: query.to },
      limit: PAGE_SIZE,
      offset: (query.page - 1) * PAGE_SIZE,
    });
  } catch (error) {
    // A query the search cannot run (only NOT words) is said on the page, not a failed request.
    if (!isResearchError(error, "invalid-input")) throw error;
    problem = error.message;
  }
  const elapsedMs = Math.round(performance.now() - started);
  const results: Array<{
    key: string;
    kind: string;
    title: string;
    href: string;
    by: string;
    snippet: SnippetPiece[];
  }> = [
    ...found.notes.map((note) => ({
      key: `note-${note.id}`,
      kind: "field note",
      title: note.title,
      href: `${base}/notes#note-${note.id}`,
      by: "",
      snippet: note.snippet,
    })),
    ...found.hits.map((hit) => ({
      key: `post-${hit.id}`,
      kind: "post",
      title: hit.threadTitle,
      href: `${base}/threads/${hit.threadId}#post-${hit.id}`,
      by: hit.pseudonym ?? "[deleted]",
      snippet: hit.snippet,
    })),
  ];
  return {
    query,
    problem,
    total: found.total,
    totalCapped: found.totalCapped,
    pages: Math.max(1, Math.ceil(found.total / PAGE_SIZE)),
    elapsedMs,
    results,
    communities: communities.map((c) => ({ id: c.id, name: c.name })),
  };
}

function Snippet({ pieces }: { pieces: SnippetPiece[] }) {
  return (
    <p className="small" style={{ margin: ".2rem 0 0", whiteSpace: "pre-wrap" }}>
      {pieces.map((piece, index) =>
        piece.match ? <mark key={index}>{piece.text}</mark> : piece.text,
      )}
    </p>
  );
}

export default function SearchPage() {
  const { query, problem, total, totalCapped, pages, elapsedMs, results, communities } =
    useLoaderData<typeof loader>();
  const pageLink = (page: number) => {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries({ ...query, page: String(page) })) {
      if (value !== undefined && value !== "") params.set(key, String(value));
    }
    return `?${params}`;
  };
  const count = totalCapped ? `More than ${SEARCH_COUNT_CAP.toLocaleString("en")}` : String(total);
  return (
    <section aria-labelledby="search-heading">
      <h2 id="search-heading">Search posts and field notes</h2>
      <Form method="get" role="search" className="filters card">
        <div className="field" style={{ flex: 1 }}>
          <label htmlFor="q">Search</label>
          <input id="q" type="search" name="q" defaultValue={query.q} aria-describedby="q-hint" />
          <span className="hint" id="q-hint">
            Words, &quot;a phrase&quot;, prefix*, AND, OR, NOT (or -word).
          </span>
        </div>
        <div className="field">
          <label htmlFor="s-community">Community</label>
          <select id="s-community" name="community" defaultValue={query.community ?? ""}>
            <option value="">All</option>
            {communities.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="s-from">From</label>
          <input id="s-from" type="date" name="from" defaultValue={query.from ?? ""} />
        </div>
        <div className="field">
          <label htmlFor="s-to">To</label>
          <input id="s-to" type="date" name="to" defaultValue={query.to ?? ""} />
        </div>
        <button type="submit">Search</button>
      </Form>
      {problem ? (
        <p className="error" role="alert">
          {problem}
        </p>
      ) : null}
      {query.q && !problem ? (
        <p className="muted small" role="status">
          {count} post{total === 1 && !totalCapped ? "" : "s"} ({elapsedMs} ms)
          {totalCapped ? ": the best are ranked among the first matches; add words to narrow." : ""}
        </p>
      ) : null}
      <ol className="list-plain" aria-label="Search results">
        {results.map((result) => (
          <li key={result.key}>
            <Link to={result.href}>{result.title || "(untitled)"}</Link>{" "}
            <span className="pill">{result.kind}</span>
            {result.by ? <span className="muted small"> by {result.by}</span> : null}
            <Snippet pieces={result.snippet} />
          </li>
        ))}
      </ol>
      {pages > 1 ? (
        <nav aria-label="Pages" className="row" style={{ marginTop: "1rem" }}>
          {query.page > 1 ? <Link to={pageLink(query.page - 1)}>Previous</Link> : null}
          <span>
            Page {query.page} of {pages}
          </span>
          {query.page < pages ? <Link to={pageLink(query.page + 1)}>Next</Link> : null}
        </nav>
      ) : null}
    </section>
  );
}
