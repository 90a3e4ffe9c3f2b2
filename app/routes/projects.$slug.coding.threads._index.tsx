import type { LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { store } from "~/server/context.server";
import { requireProjectCapability } from "~/server/guards.server";
import { countCodingsOfThreads, listCommunities, listThreads } from "~/server/research.server";

const PAGE_SIZE = 100;
const Query = z.object({
  q: z.string().max(200).catch(""),
  community: z.string().max(100).catch(""),
  page: z.coerce.number().int().min(1).max(100_000).catch(1),
});

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { project } = await requireProjectCapability(request, params.slug, "readData");
  const search = new URL(request.url).searchParams;
  const parsed = Query.parse({
    q: search.get("q") ?? "",
    community: search.get("community") ?? "",
    page: search.get("page") ?? undefined,
  });
  const { q, page } = parsed;
  const communities = await listCommunities({ store, slug: project.slug });
  // An unknown community (an old link after a merge) filters nothing rather than showing nothing.
  const community = communities.some((entry) => entry.id === parsed.community)
    ? parsed.community
    : "";
  const { threads, total } = await listThreads({
    store,
    slug: project.slug,
    filter: { keyword: q || undefined, communityId: community || undefined },
    limit: PAGE_SIZE,
    offset: (page - 1) * PAGE_SIZE,
  });
  // How much of each thread on the page is coded: one aggregate over the page's threads.
  const coded = await countCodingsOfThreads({
    store,
    slug: project.slug,
    threadIds: threads.map((t) => t.id),
  });
  return {
    slug: project.slug,
    q,
    community,
    communities: communities.map((entry) => ({ id: entry.id, name: entry.name })),
    page,
    total,
    pageSize: PAGE_SIZE,
    threads: threads.map((t) => ({
      id: t.id,
      title: t.title,
      communityName: t.communityName,
      postCount: t.postCount,
      segments: coded.get(t.id)?.segments ?? 0,
      codedPosts: coded.get(t.id)?.codedPosts ?? 0,
    })),
  };
}

export default function CodeDataPage() {
  const { slug, q, community, communities, page, total, pageSize, threads } =
    useLoaderData<typeof loader>();
  const first = (page - 1) * pageSize;
  const pageLink = (to: number) =>
    `?${new URLSearchParams({ ...(q ? { q } : {}), ...(community ? { community } : {}), page: String(to) })}`;
  return (
    <section aria-labelledby="code-data-heading">
      <h2 id="code-data-heading">Choose a thread to code</h2>
      <Form method="get" className="row" role="search">
        {communities.length > 1 ? (
          <div className="field">
            <label htmlFor="community">Community</label>
            <select id="community" name="community" defaultValue={community}>
              <option value="">All</option>
              {communities.map((entry) => (
                <option key={entry.id} value={entry.id}>
                  {entry.name}
                </option>
              ))}
            </select>
          </div>
        ) : null}
        <div className="field" style={{ flex: 1 }}>
          <label htmlFor="q">Keyword</label>
          <input id="q" type="search" name="q" defaultValue={q} />
        </div>
        <button type="submit" className="secondary">
          Filter
        </button>
      </Form>
      <p className="small muted">
        {total} threads
        {total > threads.length ? `, ${first + 1} to ${first + threads.length} shown` : ""}. Field
        notes can be coded from the <Link to={`/projects/${slug}/coding/notes`}>notes</Link> view.
      </p>
      <table>
        <thead>
          <tr>
            <th>Thread</th>
            <th>Community</th>
            <th className="num">Posts</th>
            <th className="num">Coded posts</th>
            <th className="num">Coded segments</th>
          </tr>
        </thead>
        <tbody>
          {threads.map((t) => (
            <tr key={t.id}>
              <td>
                <Link to={`/projects/${slug}/coding/threads/${t.id}`}>{t.title}</Link>
              </td>
              <td>{t.communityName}</td>
              <td className="num">{t.postCount}</td>
              <td className="num">{t.codedPosts}</td>
              <td className="num">{t.segments}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {total > pageSize ? (
        <nav className="row small" aria-label="Pages of threads">
          {page > 1 ? <Link to={pageLink(page - 1)}>Previous page</Link> : null}
          {first + pageSize < total ? <Link to={pageLink(page + 1)}>Next page</Link> : null}
        </nav>
      ) : null}
    </section>
  );
}
