import type { LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { store } from "~/server/context.server";
import { requireProjectCapability } from "~/server/guards.server";
import { listCodings, listThreads, loadVisibleCorpus } from "~/server/research.server";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { project } = await requireProjectCapability(request, params.slug, "readData");
  const q = (new URL(request.url).searchParams.get("q") ?? "").slice(0, 200);
  const [{ threads, total }, codings, corpus] = await Promise.all([
    listThreads({ store, slug: project.slug, filter: { keyword: q || undefined }, limit: 100 }),
    listCodings({ store, slug: project.slug }),
    loadVisibleCorpus({ store, slug: project.slug }),
  ]);
  const codedByThread = new Map<string, number>();
  for (const coding of codings) {
    const post = coding.sourceType === "post" ? corpus.postsById.get(coding.sourceId) : undefined;
    if (post) codedByThread.set(post.threadId, (codedByThread.get(post.threadId) ?? 0) + 1);
  }
  return { slug: project.slug, q, total, threads: threads.map((t) => ({ id: t.id, title: t.title, communityName: t.communityName, postCount: t.postCount, coded: codedByThread.get(t.id) ?? 0 })) };
}

export default function CodeDataPage() {
  const { slug, q, total, threads } = useLoaderData<typeof loader>();
  return (
    <section aria-labelledby="code-data-heading">
      <h2 id="code-data-heading">Choose a thread to code</h2>
      <Form method="get" className="row" role="search">
        <div className="field" style={{ flex: 1 }}><label htmlFor="q">Keyword</label><input id="q" type="search" name="q" defaultValue={q} /></div>
        <button type="submit" className="secondary">Filter</button>
      </Form>
      <p className="small muted">{total} threads{total > threads.length ? `, first ${threads.length} shown` : ""}. Field notes can be coded from the <Link to={`/projects/${slug}/coding/notes`}>notes</Link> view.</p>
      <table>
        <thead><tr><th>Thread</th><th>Community</th><th className="num">Posts</th><th className="num">Coded segments</th></tr></thead>
        <tbody>{threads.map((t) => <tr key={t.id}><td><Link to={`/projects/${slug}/coding/threads/${t.id}`}>{t.title}</Link></td><td>{t.communityName}</td><td className="num">{t.postCount}</td><td className="num">{t.coded}</td></tr>)}</tbody>
      </table>
    </section>
  );
}
