import type { LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { store } from "~/server/context.server";
import { requireProjectCapability } from "~/server/guards.server";
import { listFieldNotes, loadVisibleCorpus, searchProject } from "~/server/research.server";

/** A short excerpt around the first matched term, so results show why they matched. */
function excerpt(text: string, terms: string[]): string {
  const lower = text.toLowerCase();
  const at = terms.map((term) => lower.indexOf(term.toLowerCase())).filter((index) => index >= 0).sort((a, b) => a - b)[0] ?? 0;
  const start = Math.max(0, at - 80);
  return `${start > 0 ? "…" : ""}${text.slice(start, start + 240)}${start + 240 < text.length ? "…" : ""}`;
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { project } = await requireProjectCapability(request, params.slug, "readData");
  const query = (new URL(request.url).searchParams.get("q") ?? "").slice(0, 300);
  const started = performance.now();
  const { hits, total } = await searchProject({ store, slug: project.slug, query, limit: 50 });
  const elapsedMs = Math.round(performance.now() - started);
  const corpus = await loadVisibleCorpus({ store, slug: project.slug });
  const notes = new Map((await listFieldNotes({ store, slug: project.slug })).map((note) => [note.id, note]));
  const results = hits.flatMap((hit) => {
    if (hit.kind === "post") {
      const post = corpus.postsById.get(hit.id);
      if (!post) return [];
      const member = post.memberId ? corpus.members.get(post.memberId) : undefined;
      return [{ key: `post-${post.id}`, kind: "post", title: corpus.threads.get(post.threadId)?.title ?? "", href: `/projects/${project.slug}/collection/threads/${post.threadId}#post-${post.id}`, by: member?.pseudonym ?? "[deleted]", excerpt: excerpt(post.text, hit.terms), score: hit.score }];
    }
    const note = notes.get(hit.id);
    return note ? [{ key: `note-${note.id}`, kind: "field note", title: note.title, href: `/projects/${project.slug}/collection/notes#note-${note.id}`, by: "", excerpt: excerpt(note.markdown, hit.terms), score: hit.score }] : [];
  });
  return { query, total, elapsedMs, results };
}

export default function SearchPage() {
  const { query, total, elapsedMs, results } = useLoaderData<typeof loader>();
  return (
    <section aria-labelledby="search-heading">
      <h2 id="search-heading">Search posts and field notes</h2>
      <Form method="get" role="search" className="row">
        <div className="field" style={{ flex: 1 }}><label htmlFor="q">Search</label><input id="q" type="search" name="q" defaultValue={query} /></div>
        <button type="submit">Search</button>
      </Form>
      {query ? <p className="muted small" role="status">{total} result{total === 1 ? "" : "s"} ({elapsedMs} ms)</p> : null}
      <ol className="list-plain" aria-label="Search results">
        {results.map((result) => (
          <li key={result.key}>
            <Link to={result.href}>{result.title || "(untitled)"}</Link> <span className="pill">{result.kind}</span>{result.by ? <span className="muted small"> by {result.by}</span> : null}
            <p className="small" style={{ margin: ".2rem 0 0", whiteSpace: "pre-wrap" }}>{result.excerpt}</p>
          </li>
        ))}
      </ol>
    </section>
  );
}
