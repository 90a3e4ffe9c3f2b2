import type { LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { store } from "~/server/context.server";
import { requireProjectCapability } from "~/server/guards.server";
import { listMembers } from "~/server/research.server";

const PAGE_SIZE = 100;
const ParamsSchema = z.object({
  q: z.string().trim().max(200).optional().catch(undefined),
  sort: z.enum(["posts", "pseudonym", "last-post"]).optional().catch(undefined),
  page: z.coerce.number().int().min(1).default(1).catch(1),
});

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { project } = await requireProjectCapability(request, params.slug, "readData");
  const query = ParamsSchema.parse(Object.fromEntries(new URL(request.url).searchParams));
  const { members, total } = await listMembers({
    store,
    slug: project.slug,
    search: query.q || undefined,
    sort: query.sort ?? "posts",
    limit: PAGE_SIZE,
    offset: (query.page - 1) * PAGE_SIZE,
  });
  return {
    slug: project.slug,
    query,
    total,
    pages: Math.max(1, Math.ceil(total / PAGE_SIZE)),
    members: members.map((m) => ({
      id: m.id,
      pseudonym: m.pseudonym,
      handle: m.handle,
      platform: m.platform,
      postCount: m.postCount,
      firstPostAt: m.firstPostAt,
      lastPostAt: m.lastPostAt,
      consent: m.consent,
      privacySignals: m.privacySignals,
      communities: m.communityNames,
    })),
  };
}

export default function MembersPage() {
  const { slug, query, total, pages, members } = useLoaderData<typeof loader>();
  const pageLink = (page: number) => {
    const params = new URLSearchParams();
    if (query.q) params.set("q", query.q);
    if (query.sort) params.set("sort", query.sort);
    params.set("page", String(page));
    return `?${params}`;
  };
  return (
    <section aria-labelledby="members-heading">
      <h2 id="members-heading">Members</h2>
      <p className="muted small">
        Pseudonyms are stable within this project and are what reports show. Members who opted out
        are not listed; record consent on the{" "}
        <Link to={`/projects/${slug}/entree`}>ethical entrée</Link> page.
      </p>
      <Form method="get" className="filters card" aria-label="Find members">
        <div className="field">
          <label htmlFor="m-q">Pseudonym or handle</label>
          <input id="m-q" type="search" name="q" defaultValue={query.q ?? ""} />
        </div>
        <div className="field">
          <label htmlFor="m-sort">Sort</label>
          <select id="m-sort" name="sort" defaultValue={query.sort ?? "posts"}>
            <option value="posts">Most posts first</option>
            <option value="last-post">Latest post first</option>
            <option value="pseudonym">By pseudonym</option>
          </select>
        </div>
        <button type="submit">Find</button>
      </Form>
      <p className="muted small">
        {total} member{total === 1 ? "" : "s"}
      </p>
      <table>
        <thead>
          <tr>
            <th>Pseudonym</th>
            <th>Handle</th>
            <th>Platform</th>
            <th>Communities</th>
            <th className="num">Posts</th>
            <th>First post</th>
            <th>Last post</th>
            <th>Consent</th>
            <th>Privacy signals</th>
          </tr>
        </thead>
        <tbody>
          {members.map((member) => (
            <tr key={member.id}>
              <td>
                <Link to={`/projects/${slug}/collection/threads?member=${member.id}`}>
                  {member.pseudonym}
                </Link>
              </td>
              <td>{member.handle}</td>
              <td>{member.platform}</td>
              <td className="small">{member.communities.join(", ")}</td>
              <td className="num">{member.postCount}</td>
              <td className="small">{member.firstPostAt?.slice(0, 10) ?? "—"}</td>
              <td className="small">{member.lastPostAt?.slice(0, 10) ?? "—"}</td>
              <td>{member.consent ?? <span className="muted">not recorded</span>}</td>
              <td>
                {member.privacySignals.map((signal) => (
                  <span key={signal} className="pill">
                    {signal}
                  </span>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
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
