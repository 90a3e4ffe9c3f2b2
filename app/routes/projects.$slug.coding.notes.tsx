import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { SourceCoder, type SourceCoding } from "~/components/source-coder";
import { CodingForm, runCodingForm } from "~/server/coding-actions.server";
import { store } from "~/server/context.server";
import { countFieldNotes } from "~/server/field-notes.server";
import { formAction, parseForm } from "~/server/forms.server";
import { requireProjectCapability } from "~/server/guards.server";
import {
  listCodes,
  listCodings,
  listFieldNotes,
  listCoders,
  roleAllows,
} from "~/server/research.server";

const PAGE_SIZE = 20;
const Page = z.coerce.number().int().min(1).max(100_000).catch(1);

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { project, role } = await requireProjectCapability(request, params.slug, "readData");
  const page = Page.parse(new URL(request.url).searchParams.get("page") ?? undefined);
  const [notes, total] = await Promise.all([
    listFieldNotes({ store, slug: project.slug, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE }),
    countFieldNotes({ store, slug: project.slug }),
  ]);
  const [codes, codings, users] = await Promise.all([
    listCodes({ store, slug: project.slug }),
    listCodings({
      store,
      slug: project.slug,
      sourceType: "fieldnote",
      sourceIds: notes.map((n) => n.id),
    }),
    listCoders({ store, slug: project.slug }),
  ]);
  const names = new Map(users.map((u) => [u.id, u.name]));
  return {
    slug: project.slug,
    canCode: roleAllows(role, "code"),
    page,
    total,
    pageSize: PAGE_SIZE,
    notes: notes.map((note) => ({
      id: note.id,
      title: note.title,
      kind: note.kind,
      markdown: note.markdown,
      createdAt: note.createdAt,
    })),
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
  };
}

export async function action(args: ActionFunctionArgs) {
  return formAction(args, async ({ request, params }) => {
    const { project, user } = await requireProjectCapability(request, params.slug, "code");
    return runCodingForm({
      slug: project.slug,
      userId: user.id,
      input: parseForm(await request.formData(), CodingForm),
    });
  });
}

export default function CodeNotesPage() {
  const { slug, canCode, notes, codes, codings, page, total, pageSize } =
    useLoaderData<typeof loader>();
  const bySource = new Map<string, SourceCoding[]>();
  for (const coding of codings)
    bySource.set(coding.sourceId, [...(bySource.get(coding.sourceId) ?? []), coding]);
  return (
    <section aria-labelledby="code-notes-heading">
      <h2 id="code-notes-heading">Code field notes</h2>
      <p className="muted small">
        Notes are data too: their Markdown text is coded as written. Write notes on the{" "}
        <Link to={`/projects/${slug}/collection/notes`}>field notes</Link> page.
      </p>
      {notes.length === 0 ? <p className="muted">No field note yet.</p> : null}
      {total > pageSize ? (
        <nav className="row small" aria-label="Pages of notes">
          <span>
            Notes {(page - 1) * pageSize + 1} to {(page - 1) * pageSize + notes.length} of {total},
            newest first
          </span>
          {page > 1 ? <Link to={`?page=${page - 1}`}>Newer notes</Link> : null}
          {page * pageSize < total ? <Link to={`?page=${page + 1}`}>Older notes</Link> : null}
        </nav>
      ) : null}
      {notes.map((note) => (
        <article key={note.id} className="post" aria-label={`Field note ${note.title}`}>
          <p className="meta">
            <strong>{note.title}</strong> <span className="pill">{note.kind}</span>{" "}
            {note.createdAt.slice(0, 10)}
          </p>
          <SourceCoder
            source={{ sourceType: "fieldnote", sourceId: note.id, label: `note ${note.title}` }}
            text={note.markdown}
            codings={bySource.get(note.id) ?? []}
            codes={codes}
            action={`/projects/${slug}/coding/notes`}
            canCode={canCode && codes.length > 0}
          />
        </article>
      ))}
    </section>
  );
}
