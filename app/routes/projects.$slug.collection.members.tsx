import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { store } from "~/server/context.server";
import { requireProjectCapability } from "~/server/guards.server";
import { listMembers } from "~/server/research.server";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { project } = await requireProjectCapability(request, params.slug, "readData");
  const members = await listMembers({ store, slug: project.slug });
  return {
    slug: project.slug,
    members: members.map((m) => ({ id: m.id, pseudonym: m.pseudonym, handle: m.handle, platform: m.platform, postCount: m.postCount, firstPostAt: m.firstPostAt, lastPostAt: m.lastPostAt, consent: m.consent, privacySignals: m.privacySignals, communities: m.communityNames })),
  };
}

export default function MembersPage() {
  const { slug, members } = useLoaderData<typeof loader>();
  return (
    <section aria-labelledby="members-heading">
      <h2 id="members-heading">Members</h2>
      <p className="muted small">Pseudonyms are stable within this project and are what reports show. Members who opted out are not listed; record consent on the <Link to={`/projects/${slug}/entree`}>ethical entrée</Link> page.</p>
      <table>
        <thead><tr><th>Pseudonym</th><th>Handle</th><th>Platform</th><th className="num">Posts</th><th>First post</th><th>Last post</th><th>Consent</th><th>Privacy signals</th></tr></thead>
        <tbody>
          {members.map((member) => (
            <tr key={member.id}>
              <td><Link to={`/projects/${slug}/collection/threads?member=${member.id}`}>{member.pseudonym}</Link></td>
              <td>{member.handle}</td>
              <td>{member.platform}</td>
              <td className="num">{member.postCount}</td>
              <td className="small">{member.firstPostAt?.slice(0, 10) ?? "—"}</td>
              <td className="small">{member.lastPostAt?.slice(0, 10) ?? "—"}</td>
              <td>{member.consent ?? <span className="muted">not recorded</span>}</td>
              <td>{member.privacySignals.map((signal) => <span key={signal} className="pill">{signal}</span>)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
