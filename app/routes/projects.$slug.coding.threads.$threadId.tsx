import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useLoaderData, useSearchParams } from "@remix-run/react";
import { MemoPanel } from "~/components/memo-panel";
import { SourceCoder, type SourceCoding } from "~/components/source-coder";
import { loadMemoViews } from "~/server/memos.server";
import { codingAndMemoAction } from "~/server/coding-actions.server";
import { store } from "~/server/context.server";
import { requireProjectCapability } from "~/server/guards.server";
import {
  getThreadTree,
  listCodes,
  listCodings,
  namesOfCoders,
  roleAllows,
  type PostNode,
} from "~/server/research.server";

type PostView = {
  id: string;
  author: string;
  createdAt: string | null;
  text: string;
  depth: number;
  language: string | null;
};

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { project, role, user } = await requireProjectCapability(request, params.slug, "readData");
  const coder = new URL(request.url).searchParams.get("coder") ?? "all";
  const tree = await getThreadTree({ store, slug: project.slug, threadId: params.threadId ?? "" });
  if (!tree) throw new Response("Not found", { status: 404 });
  const posts: PostView[] = [];
  const walk = (nodes: PostNode[], depth: number) =>
    nodes.forEach((node) => {
      posts.push({
        id: node.post.id,
        author: node.author?.pseudonym ?? "[deleted]",
        createdAt: node.post.createdAt,
        text: node.post.text,
        depth,
        language: node.post.language,
      });
      walk(node.replies, depth + 1);
    });
  walk(tree.roots, 0);
  const [codes, codings] = await Promise.all([
    listCodes({ store, slug: project.slug }),
    listCodings({
      store,
      slug: project.slug,
      coderId: coder === "all" ? undefined : coder === "me" ? user.id : coder,
      sourceType: "post",
      sourceIds: posts.map((p) => p.id),
    }),
  ]);
  const coders = [...new Set(codings.map((c) => c.coderId))];
  const names = await namesOfCoders({ store, slug: project.slug, coderIds: coders });
  const memos = await loadMemoViews(project.slug, [
    { type: "thread", id: tree.thread.id },
    ...posts.map((p) => ({ type: "post" as const, id: p.id })),
  ]);
  return {
    slug: project.slug,
    coder,
    canCode: roleAllows(role, "code"),
    memos,
    thread: { id: tree.thread.id, title: tree.thread.title, communityName: tree.communityName },
    posts,
    codes: codes.map((code) => ({ id: code.id, name: code.name, colour: code.colour })),
    codings: codings.map((c) => ({
      id: c.id,
      codeId: c.codeId,
      sourceId: c.sourceId,
      start: c.start,
      end: c.end,
      quote: c.quote,
      coderName: names.get(c.coderId) ?? c.coderId,
    })),
    coders: coders.map((id) => ({ id, name: names.get(id) ?? id })),
  };
}

export async function action(args: ActionFunctionArgs) {
  return codingAndMemoAction(args);
}

export default function CodeThreadPage() {
  const { slug, coder, canCode, thread, posts, codes, codings, coders, memos } =
    useLoaderData<typeof loader>();
  const [searchParams] = useSearchParams();
  const action = `/projects/${slug}/coding/threads/${thread.id}${searchParams.toString() ? `?${searchParams}` : ""}`;
  const bySource = new Map<string, SourceCoding[]>();
  for (const coding of codings)
    bySource.set(coding.sourceId, [...(bySource.get(coding.sourceId) ?? []), coding]);
  return (
    <section aria-labelledby="coding-thread-heading">
      <p className="small">
        <Link to={`/projects/${slug}/coding/threads`}>← Threads</Link>
      </p>
      <h2 id="coding-thread-heading">{thread.title}</h2>
      <p className="muted small">
        {thread.communityName} · select text with the mouse to code it, or use “Code…” on a post.
      </p>
      <Form method="get" className="row" aria-label="Whose coding to show">
        <div className="field">
          <label htmlFor="coder">Show coding of</label>
          <select id="coder" name="coder" defaultValue={coder}>
            <option value="all">All coders</option>
            <option value="me">Me</option>
            {coders.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="secondary">
          Show
        </button>
      </Form>
      {codes.length === 0 ? (
        <p className="warning">
          The codebook is empty: <Link to={`/projects/${slug}/coding`}>create codes</Link> first.
        </p>
      ) : null}
      <ol className="list-plain" aria-label="Posts to code">
        {posts.map((post) => (
          <li key={post.id} style={{ marginLeft: `${Math.min(post.depth, 6) * 1.25}rem` }}>
            <article className="post" aria-label={`Post by ${post.author}`}>
              <p className="meta">
                <strong>{post.author}</strong> ·{" "}
                {post.createdAt?.replace("T", " ").slice(0, 16) ?? "no date"}
                {post.language && post.language !== "en" ? (
                  <span className="pill">
                    language: {post.language} (no English-model suggestions)
                  </span>
                ) : null}
              </p>
              <SourceCoder
                source={{ sourceType: "post", sourceId: post.id, label: `post by ${post.author}` }}
                text={post.text}
                codings={bySource.get(post.id) ?? []}
                codes={codes}
                action={action}
                canCode={canCode && codes.length > 0}
              />
            </article>
          </li>
        ))}
      </ol>
      <MemoPanel
        memos={memos}
        canWrite={canCode}
        title="Memos on this thread and its posts"
        targets={[
          { value: `thread:${thread.id}`, label: "This thread" },
          ...posts.map((p) => ({
            value: `post:${p.id}`,
            label: `Post by ${p.author}: “${p.text.slice(0, 40)}”`,
          })),
        ]}
      />
    </section>
  );
}
