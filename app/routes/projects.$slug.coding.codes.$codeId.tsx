import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useLoaderData, useSearchParams } from "@remix-run/react";
import { z } from "zod";
import { MemoPanel } from "~/components/memo-panel";
import { codingAndMemoAction } from "~/server/coding-actions.server";
import { loadMemoViews } from "~/server/memos.server";
import { store } from "~/server/context.server";
import { requireProjectCapability } from "~/server/guards.server";
import {
  listCodes,
  listCommunities,
  listMembers,
  listCoders,
  retrieveSegments,
  roleAllows,
} from "~/server/research.server";

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
  with: z.string().optional().catch(undefined),
  coder: z.string().optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(100_000).catch(1),
});
const PAGE_SIZE = 50;

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { project, role } = await requireProjectCapability(request, params.slug, "readData");
  const codes = await listCodes({ store, slug: project.slug });
  const code = codes.find((candidate) => candidate.id === params.codeId);
  if (!code) throw new Response("Not found", { status: 404 });
  const filter = FilterSchema.parse(Object.fromEntries(new URL(request.url).searchParams));
  const [{ segments, total }, communities, { members }, users] = await Promise.all([
    retrieveSegments({
      store,
      slug: project.slug,
      codeId: code.id,
      limit: PAGE_SIZE,
      offset: (filter.page - 1) * PAGE_SIZE,
      filter: {
        communityId: filter.community || undefined,
        memberId: filter.member || undefined,
        from: filter.from,
        to: filter.to,
        coOccursWith: filter.with || undefined,
        coderId: filter.coder || undefined,
      },
    }),
    listCommunities({ store, slug: project.slug }),
    listMembers({ store, slug: project.slug, limit: 300, withCommunities: false }),
    listCoders({ store, slug: project.slug }),
  ]);
  const names = new Map(users.map((u) => [u.id, u.name]));
  const memos = await loadMemoViews(project.slug, [{ type: "code", id: code.id }]);
  const codeNames = new Map(codes.map((c) => [c.id, c.name]));
  return {
    slug: project.slug,
    filter,
    canCode: roleAllows(role, "code"),
    memos,
    total,
    pageSize: PAGE_SIZE,
    code: {
      id: code.id,
      name: code.name,
      colour: code.colour,
      definition: code.definition,
      inclusion: code.inclusion,
      exclusion: code.exclusion,
      children: codes
        .filter((c) => c.parentId === code.id)
        .map((c) => ({ id: c.id, name: c.name })),
    },
    otherCodes: codes.filter((c) => c.id !== code.id).map((c) => ({ id: c.id, name: c.name })),
    communities: communities.map((c) => ({ id: c.id, name: c.name })),
    members: members.map((m) => ({ id: m.id, name: m.pseudonym })),
    coders: users.map((u) => ({ id: u.id, name: u.name })),
    segments: segments.map((s) => ({
      ...s,
      coderName: names.get(s.coding.coderId) ?? s.coding.coderId,
      otherCodes: s.otherCodeIds.map((id) => codeNames.get(id) ?? "?"),
    })),
  };
}

export async function action(args: ActionFunctionArgs) {
  return codingAndMemoAction(args);
}

export default function RetrievalPage() {
  const {
    slug,
    filter,
    canCode,
    code,
    otherCodes,
    communities,
    members,
    coders,
    segments,
    memos,
    total,
    pageSize,
  } = useLoaderData<typeof loader>();
  const [searchParams] = useSearchParams();
  const pageLink = (page: number) => {
    const params = new URLSearchParams(searchParams);
    params.set("page", String(page));
    return `?${params}`;
  };
  const first = (filter.page - 1) * pageSize;
  const select = (
    name: string,
    label: string,
    value: string | undefined,
    options: Array<{ id: string; name: string }>,
    any: string,
  ) => (
    <div className="field">
      <label htmlFor={`f-${name}`}>{label}</label>
      <select id={`f-${name}`} name={name} defaultValue={value ?? ""}>
        <option value="">{any}</option>
        {options.map((o) => (
          <option key={o.id} value={o.id}>
            {o.name}
          </option>
        ))}
      </select>
    </div>
  );
  return (
    <section aria-labelledby="retrieval-heading">
      <p className="small">
        <Link to={`/projects/${slug}/coding`}>← Codebook</Link>
      </p>
      <h2 id="retrieval-heading">
        <span
          className="swatch"
          style={{ background: code.colour, width: 14, height: 14 }}
          aria-hidden="true"
        />{" "}
        {code.name}: {total} segment{total === 1 ? "" : "s"}
      </h2>
      {code.definition ? <p>{code.definition}</p> : null}
      {code.inclusion || code.exclusion ? (
        <p className="small muted">
          {code.inclusion ? `Include: ${code.inclusion}. ` : ""}
          {code.exclusion ? `Exclude: ${code.exclusion}.` : ""}
        </p>
      ) : null}
      <MemoPanel
        memos={memos}
        targets={[{ value: `code:${code.id}`, label: code.name }]}
        canWrite={canCode}
        title={`Memos on “${code.name}”`}
      />
      <Form method="get" className="filters card" aria-label="Filter segments">
        {select("community", "Community", filter.community, communities, "All")}
        {select("member", "Member", filter.member, members, "Anyone")}
        <div className="field">
          <label htmlFor="f-from">From</label>
          <input id="f-from" type="date" name="from" defaultValue={filter.from ?? ""} />
        </div>
        <div className="field">
          <label htmlFor="f-to">To</label>
          <input id="f-to" type="date" name="to" defaultValue={filter.to ?? ""} />
        </div>
        {select("with", "Co-occurring with", filter.with, otherCodes, "Any code")}
        {select("coder", "Coder", filter.coder, coders, "All coders")}
        <button type="submit">Filter</button>
      </Form>
      {total > pageSize ? (
        <nav className="row small" aria-label="Pages of segments">
          <span>
            Segments {Math.min(first + 1, total)} to {Math.min(first + segments.length, total)} of{" "}
            {total}
          </span>
          {filter.page > 1 ? <Link to={pageLink(filter.page - 1)}>Previous page</Link> : null}
          {first + pageSize < total ? <Link to={pageLink(filter.page + 1)}>Next page</Link> : null}
        </nav>
      ) : null}
      <ol className="list-plain" aria-label="Coded segments" start={first + 1}>
        {segments.map((s) => (
          <li key={s.coding.id} className="post">
            <p className="meta">
              {s.source.type === "post" ? (
                <Link to={`/projects/${slug}/coding/threads/${s.source.threadId}`}>
                  {s.source.threadTitle}
                </Link>
              ) : (
                <Link to={`/projects/${slug}/coding/notes`}>
                  Field note: {s.source.threadTitle}
                </Link>
              )}
              {" · "}
              {s.source.communityName}
              {s.source.pseudonym ? ` · ${s.source.pseudonym}` : ""} ·{" "}
              {s.source.createdAt?.slice(0, 10) ?? ""} · coded by {s.coderName}
              {s.otherCodes.length ? (
                <>
                  {" "}
                  · also:{" "}
                  {s.otherCodes.map((name) => (
                    <span key={name} className="pill">
                      {name}
                    </span>
                  ))}
                </>
              ) : null}
            </p>
            <p className="body">
              <span className="muted">…{s.before}</span>
              <mark
                style={{ background: `${code.colour}33`, borderBottom: `3px solid ${code.colour}` }}
              >
                {s.coding.quote}
              </mark>
              <span className="muted">{s.after}…</span>
            </p>
            {canCode ? (
              <div className="row">
                <Form method="post" className="row">
                  <input type="hidden" name="intent" value="recode" />
                  <input type="hidden" name="codingId" value={s.coding.id} />
                  <select name="codeId" aria-label="Re-code as">
                    {[
                      ...code.children,
                      ...otherCodes.filter((o) => !code.children.some((c) => c.id === o.id)),
                    ].map((o) => (
                      <option key={o.id} value={o.id}>
                        {o.name}
                      </option>
                    ))}
                  </select>
                  <button type="submit" className="secondary small">
                    Re-code
                  </button>
                </Form>
                <Form method="post">
                  <input type="hidden" name="intent" value="remove" />
                  <input type="hidden" name="codingId" value={s.coding.id} />
                  <button type="submit" className="link small">
                    Remove
                  </button>
                </Form>
              </div>
            ) : null}
          </li>
        ))}
      </ol>
    </section>
  );
}
