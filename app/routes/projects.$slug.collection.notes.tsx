import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { ConfirmedRemoval } from "~/components/confirmed-removal";
import { Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { formState } from "~/components/form-state";
import { FieldNoteForm } from "~/components/field-note-form";
import { store } from "~/server/context.server";
import { countFieldNotes, FieldNoteFormSchema, parseNoteLinks } from "~/server/field-notes.server";
import { formAction, parseForm } from "~/server/forms.server";
import { requireProjectCapability } from "~/server/guards.server";
import {
  createFieldNote,
  deleteFieldNote,
  getThreads,
  getVisibleMembers,
  getVisiblePosts,
  listFieldNotes,
  listUsers,
  renderMarkdown,
} from "~/server/research.server";

const NOTES_SHOWN = 100;

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { project } = await requireProjectCapability(request, params.slug, "readData");
  const slug = project.slug;
  const about = new URL(request.url).searchParams.get("about") ?? "";
  const [aboutType, aboutId = ""] = about.split(":");
  const [notes, total] = await Promise.all([
    listFieldNotes({ store, slug, limit: NOTES_SHOWN }),
    countFieldNotes({ store, slug }),
  ]);
  // Only what this page links to is looked up: the note's links and the "about" link of the form.
  // Authors are the project's researchers: a handful of accounts, read to put a name on each note.
  const authors = new Map((await listUsers({ store })).map((user) => [user.id, user.name]));
  const links = notes.flatMap((note) => note.links);
  const idsOf = (type: string) => links.filter((link) => link.type === type).map((link) => link.id);
  const [posts, threads, members] = await Promise.all([
    getVisiblePosts({
      store,
      slug,
      postIds: [...idsOf("post"), ...(aboutType === "post" ? [aboutId] : [])],
    }),
    getThreads({
      store,
      slug,
      threadIds: [...idsOf("thread"), ...(aboutType === "thread" ? [aboutId] : [])],
    }),
    getVisibleMembers({
      store,
      slug,
      memberIds: [...idsOf("member"), ...(aboutType === "member" ? [aboutId] : [])],
    }),
  ]);
  const aboutLink = (() => {
    const post = aboutType === "post" ? posts.get(aboutId) : undefined;
    if (post) {
      const author = post.memberId ? post.pseudonym : "[deleted]";
      return {
        type: "post",
        id: aboutId,
        label: `Post by ${author}: “${post.text.slice(0, 60)}${post.text.length > 60 ? "…" : ""}”`,
      };
    }
    const thread = aboutType === "thread" ? threads.get(aboutId) : undefined;
    if (thread) return { type: "thread", id: aboutId, label: `Thread: ${thread.title}` };
    const member = aboutType === "member" ? members.get(aboutId) : undefined;
    if (member) return { type: "member", id: aboutId, label: `Member: ${member.pseudonym}` };
    return null;
  })();
  const describe = (link: { type: string; id: string }) => {
    if (link.type === "post") {
      const post = posts.get(link.id);
      return post
        ? {
            label: `post in “${post.threadTitle}”`,
            href: `/projects/${slug}/collection/threads/${post.threadId}#post-${post.id}`,
          }
        : { label: "a post no longer shown", href: null };
    }
    if (link.type === "thread") {
      const thread = threads.get(link.id);
      return thread
        ? {
            label: `thread “${thread.title}”`,
            href: `/projects/${slug}/collection/threads/${thread.id}`,
          }
        : { label: "a thread", href: null };
    }
    const member = members.get(link.id);
    return {
      label: member ? `member ${member.pseudonym}` : "a member no longer shown",
      href: member ? `/projects/${slug}/collection/threads?member=${member.id}` : null,
    };
  };
  return {
    slug,
    aboutLink,
    total,
    notes: notes.map((note) => ({
      id: note.id,
      kind: note.kind,
      title: note.title,
      html: renderMarkdown(note.markdown),
      createdAt: note.createdAt,
      edited: note.updatedAt !== note.createdAt ? note.updatedAt : null,
      author: authors.get(note.authorId) ?? "a former team member",
      links: note.links.map(describe),
    })),
  };
}

const NotesForm = z.union([
  FieldNoteFormSchema,
  z.object({ intent: z.literal("delete-note"), noteId: z.string() }),
]);

export async function action(args: ActionFunctionArgs) {
  return formAction(args, async ({ request, params }) => {
    const { project, user } = await requireProjectCapability(request, params.slug, "code");
    const input = parseForm(await request.formData(), NotesForm);
    if (input.intent === "delete-note") {
      await deleteFieldNote({ store, slug: project.slug, noteId: input.noteId, userId: user.id });
      return { ok: true as const, message: "Field note deleted." };
    }
    await createFieldNote({
      store,
      slug: project.slug,
      authorId: user.id,
      kind: input.kind,
      title: input.title,
      markdown: input.markdown,
      links: parseNoteLinks(input.link),
    });
    return { ok: true as const, message: "Field note saved." };
  });
}

export default function FieldNotesPage() {
  const { aboutLink, notes, total } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const { fieldErrors, formError } = formState(actionData);
  const message = actionData && "message" in actionData ? actionData.message : null;
  return (
    <div className="grid-2" style={{ gridTemplateColumns: "minmax(0, 3fr) minmax(280px, 2fr)" }}>
      <section aria-labelledby="journal-heading">
        <h2 id="journal-heading">Immersion journal</h2>
        {message ? (
          <p className="notice" role="status">
            {message}
          </p>
        ) : null}
        {formError ? (
          <p className="form-error" role="alert">
            {formError}
          </p>
        ) : null}
        {notes.length === 0 ? <p className="muted">No field note yet.</p> : null}
        {total > notes.length ? (
          <p className="muted small">
            The newest {notes.length} of {total} notes; all of them can be coded from the coding
            phase&apos;s notes view.
          </p>
        ) : null}
        {notes.map((note) => (
          <article key={note.id} className="card" aria-labelledby={`note-${note.id}`}>
            <h3 id={`note-${note.id}`}>
              {note.title} <span className="pill">{note.kind}</span>
            </h3>
            <p className="muted small">
              By {note.author},{" "}
              <time dateTime={note.createdAt}>{note.createdAt.replace("T", " ").slice(0, 16)}</time>
              {note.edited ? (
                <>
                  {" "}
                  (edited{" "}
                  <time dateTime={note.edited}>{note.edited.replace("T", " ").slice(0, 16)}</time>)
                </>
              ) : null}
              {note.links.length ? " · about " : ""}
              {note.links.map((link, index) => (
                <span key={index}>
                  {index > 0 ? ", " : ""}
                  {link.href ? <Link to={link.href}>{link.label}</Link> : link.label}
                </span>
              ))}
            </p>
            <div className="note-body" dangerouslySetInnerHTML={{ __html: note.html }} />
            <ConfirmedRemoval
              fields={{ intent: "delete-note", noteId: note.id }}
              label="Delete"
              accessibleLabel={`Delete note ${note.title}`}
              question={`Delete the field note "${note.title}"? Its text is gone for good.`}
              confirmLabel="Yes, delete"
            />
          </article>
        ))}
      </section>
      <section className="card" aria-labelledby="new-note-heading">
        <h2 id="new-note-heading">New field note</h2>
        <FieldNoteForm links={aboutLink ? [aboutLink] : []} errors={fieldErrors} />
      </section>
    </div>
  );
}
