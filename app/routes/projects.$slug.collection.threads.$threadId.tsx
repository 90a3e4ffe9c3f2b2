import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { Link, useActionData, useLoaderData } from "@remix-run/react";
import { formState } from "~/components/form-state";
import { FieldNoteForm } from "~/components/field-note-form";
import { store } from "~/server/context.server";
import { FieldNoteFormSchema, parseNoteLinks } from "~/server/field-notes.server";
import { formAction, parseForm } from "~/server/forms.server";
import { requireProjectCapability } from "~/server/guards.server";
import { createFieldNote, getThreadTree, listFieldNotes, renderMarkdown, type PostNode } from "~/server/research.server";

type PostView = { id: string; sourceId: string; author: string; handle: string | null; createdAt: string | null; text: string; url: string | null; orphan: boolean; language: string | null; deletedUpstream: boolean; replies: PostView[] };

function toView(node: PostNode): PostView {
  return {
    id: node.post.id, sourceId: node.post.sourceId, author: node.author?.pseudonym ?? "[deleted]", handle: node.author?.handle ?? null,
    createdAt: node.post.createdAt, text: node.post.text, url: node.post.url, orphan: node.post.orphan, language: node.post.language,
    deletedUpstream: node.post.deletedUpstream, replies: node.replies.map(toView),
  };
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { project } = await requireProjectCapability(request, params.slug, "readData");
  const tree = await getThreadTree({ store, slug: project.slug, threadId: params.threadId ?? "" });
  if (!tree) throw new Response("Not found", { status: 404 });
  const postIds: string[] = [];
  const collect = (nodes: PostNode[]) => nodes.forEach((node) => { postIds.push(node.post.id); collect(node.replies); });
  collect(tree.roots);
  const notes = [
    ...(await listFieldNotes({ store, slug: project.slug, about: { type: "thread", ids: [tree.thread.id] } })),
    ...(await listFieldNotes({ store, slug: project.slug, about: { type: "post", ids: postIds } })),
  ];
  const unique = [...new Map(notes.map((note) => [note.id, note])).values()];
  return {
    slug: project.slug,
    thread: { id: tree.thread.id, title: tree.thread.title, url: tree.thread.url, communityName: tree.communityName, postCount: tree.postCount },
    roots: tree.roots.map(toView),
    notes: unique.map((note) => ({ id: note.id, kind: note.kind, title: note.title, html: renderMarkdown(note.markdown), createdAt: note.createdAt })),
  };
}

export async function action(args: ActionFunctionArgs) {
  return formAction(args, async ({ request, params }) => {
    const { project, user } = await requireProjectCapability(request, params.slug, "code");
    const input = parseForm(await request.formData(), FieldNoteFormSchema);
    const links = parseNoteLinks(input.link);
    await createFieldNote({ store, slug: project.slug, authorId: user.id, kind: input.kind, title: input.title, markdown: input.markdown, links });
    return { ok: true as const, message: "Field note saved." };
  });
}

function PostItem({ post, slug }: { post: PostView; slug: string }) {
  return (
    <li>
      <article className="post" aria-label={`Post by ${post.author}`} id={`post-${post.id}`}>
        <p className="meta">
          <strong>{post.author}</strong>{post.handle ? <span className="muted"> ({post.handle})</span> : null} · {post.createdAt?.replace("T", " ").slice(0, 16) ?? "no date"}
          {post.orphan ? <span className="pill" title="The post it replies to was not collected">orphan</span> : null}
          {post.language && post.language !== "en" ? <span className="pill">language: {post.language}</span> : null}
          {post.deletedUpstream ? <span className="pill" title="Deleted on the platform after collection: apply the retention rule">deleted upstream</span> : null}
          {post.url ? <> · <a href={post.url} rel="noreferrer noopener" target="_blank">source</a></> : null}
          {" · "}<Link to={`/projects/${slug}/collection/notes?about=post:${post.id}`}>Note about this post</Link>
        </p>
        <div className="body">{post.text}</div>
      </article>
      {post.replies.length > 0 ? (
        <ol className="replies list-plain" aria-label={`Replies to ${post.author}`}>
          {post.replies.map((reply) => <PostItem key={reply.id} post={reply} slug={slug} />)}
        </ol>
      ) : null}
    </li>
  );
}

export default function ThreadPage() {
  const { slug, thread, roots, notes } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const { fieldErrors } = formState(actionData);
  const message = actionData && "message" in actionData ? actionData.message : null;
  return (
    <div className="grid-2" style={{ gridTemplateColumns: "minmax(0, 2fr) minmax(260px, 1fr)" }}>
      <section aria-labelledby="thread-heading">
        <p className="small"><Link to={`/projects/${slug}/collection/threads`}>← Threads</Link></p>
        <h2 id="thread-heading">{thread.title}</h2>
        <p className="muted small">{thread.communityName} · {thread.postCount} posts</p>
        <ol className="list-plain" aria-label="Posts">
          {roots.map((post) => <PostItem key={post.id} post={post} slug={slug} />)}
        </ol>
      </section>
      <aside aria-labelledby="notes-heading">
        <h2 id="notes-heading">Field notes</h2>
        {message ? <p className="notice" role="status">{message}</p> : null}
        {notes.length === 0 ? <p className="muted small">No note about this thread yet.</p> : null}
        {notes.map((note) => (
          <article key={note.id} className="card">
            <h3>{note.title} <span className="pill">{note.kind}</span></h3>
            <div className="note-body small" dangerouslySetInnerHTML={{ __html: note.html }} />
          </article>
        ))}
        <div className="card">
          <h3>New note about this thread</h3>
          <FieldNoteForm links={[{ type: "thread", id: thread.id, label: `Thread: ${thread.title}` }]} errors={fieldErrors} />
        </div>
      </aside>
    </div>
  );
}
