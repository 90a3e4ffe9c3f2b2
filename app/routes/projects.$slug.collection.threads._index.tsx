import type { LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { store } from "~/server/context.server";
import { requireProjectCapability } from "~/server/guards.server";
import { listCommunities, listMembers, listThreads } from "~/server/research.server";

const PAGE_SIZE = 50;
const DateParam = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .optional()
  .catch(undefined);
const FilterSchema = z.object({
  community: z.string().optional().catch(undefined),
  member: z.string().optional().catch(undefined),
  from: DateParam,
  to: DateParam,
  q: z.string().max(200).optional().catch(undefined),
  sort: z.enum(["last-post", "created"]).optional().catch(undefined),
  page: z.coerce.number().int().min(1).default(1).catch(1),
});

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { project } = await requireProjectCapability(request, params.slug, "readData");
  const filter = FilterSchema.parse(Object.fromEntries(new URL(request.url).searchParams));
  const [{ threads, total }, communities, { members }] = await Promise.all([
    listThreads({
      store,
      slug: project.slug,
      offset: (filter.page - 1) * PAGE_SIZE,
      limit: PAGE_SIZE,
      sort: filter.sort ?? "last-post",
      filter: {
        communityId: filter.community || undefined,
        memberId: filter.member || undefined,
        from: filter.from,
        to: filter.to,
        keyword: filter.q || undefined,
      },
    }),
    listCommunities({ store, slug: project.slug }),
    // The filter's member list: the most active 500 (a member's own page links here with ?member=).
    listMembers({ store, slug: project.slug, limit: 500, withCommunities: false }),
  ]);
  return {
    slug: project.slug,
    filter,
    total,
    pages: Math.max(1, Math.ceil(total / PAGE_SIZE)),
    threads: threads.map((t) => ({
      id: t.id,
      title: t.title,
      communityName: t.communityName,
      postCount: t.postCount,
      lastPostAt: t.lastPostAt,
      orphans: t.orphans,
    })),
    communities: communities.map((c) => ({ id: c.id, name: c.name })),
    members: members.map((m) => ({ id: m.id, label: `${m.pseudonym} (${m.handle})` })),
  };
}

export default function ThreadsPage() {
  const { slug, filter, total, pages, threads, communities, members } =
    useLoaderData<typeof loader>();
  const pageLink = (page: number) => {
    const params = new URLSearchParams(
      Object.entries({ ...filter, page: String(page) }).filter(
        ([, v]) => v !== undefined && v !== "",
      ) as Array<[string, string]>,
    );
    return `?${params}`;
  };
  return (
    <section aria-labelledby="threads-heading">
      <h2 id="threads-heading">Threads</h2>
      <Form method="get" className="filters card" aria-label="Filter threads">
        <div className="field">
          <label htmlFor="f-community">Community</label>
          <select id="f-community" name="community" defaultValue={filter.community ?? ""}>
            <option value="">All</option>
            {communities.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="f-member">Member</label>
          <select id="f-member" name="member" defaultValue={filter.member ?? ""}>
            <option value="">Anyone</option>
            {members.map((m) => (
              <option key={m.id} value={m.id}>
                {m.label}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="f-from">From</label>
          <input id="f-from" type="date" name="from" defaultValue={filter.from ?? ""} />
        </div>
        <div className="field">
          <label htmlFor="f-to">To</label>
          <input id="f-to" type="date" name="to" defaultValue={filter.to ?? ""} />
        </div>
        <div className="field">
          <label htmlFor="f-q">Keyword</label>
          <input id="f-q" type="search" name="q" defaultValue={filter.q ?? ""} />
        </div>
        <div className="field">
          <label htmlFor="f-sort">Sort</label>
          <select id="f-sort" name="sort" defaultValue={filter.sort ?? "last-post"}>
            <option value="last-post">Latest post first</option>
            <option value="created">Newest thread first</option>
          </select>
        </div>
        <button type="submit">Filter</button>
      </Form>
      <p className="muted small">
        {total} thread{total === 1 ? "" : "s"}
      </p>
      <table>
        <thead>
          <tr>
            <th>Thread</th>
            <th>Community</th>
            <th className="num">Posts</th>
            <th>Last post</th>
          </tr>
        </thead>
        <tbody>
          {threads.map((thread) => (
            <tr key={thread.id}>
              <td>
                <Link to={`/projects/${slug}/collection/threads/${thread.id}`}>{thread.title}</Link>
                {thread.orphans ? (
                  <span className="pill" title="Posts whose parent was not collected">
                    {thread.orphans} orphan{thread.orphans === 1 ? "" : "s"}
                  </span>
                ) : null}
              </td>
              <td>{thread.communityName}</td>
              <td className="num">{thread.postCount}</td>
              <td className="small">{thread.lastPostAt?.slice(0, 10) ?? "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {pages > 1 ? (
        <nav aria-label="Pages" className="row" style={{ marginTop: "1rem" }}>
          {filter.page > 1 ? <Link to={pageLink(filter.page - 1)}>Previous</Link> : null}
          <span>
            Page {filter.page} of {pages}
          </span>
          {filter.page < pages ? <Link to={pageLink(filter.page + 1)}>Next</Link> : null}
        </nav>
      ) : null}
    </section>
  );
}
