import {
  redirect,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  type MetaFunction,
} from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { formState } from "~/components/form-state";
import { Field, FormError } from "~/components/field";
import { store } from "~/server/context.server";
import { failForm, formAction, parseForm } from "~/server/forms.server";
import { requireProjectCapability, toResponse } from "~/server/guards.server";
import { previewImportRemoval, removeImport } from "~/server/research.server";

export const meta: MetaFunction = () => [{ title: "Remove an import · Netnography Workbench" }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { project, user } = await requireProjectCapability(request, params.slug, "code");
  try {
    const removal = await previewImportRemoval({
      store,
      slug: project.slug,
      importId: params.importId ?? "",
      userId: user.id,
    });
    return { slug: project.slug, removal };
  } catch (error) {
    throw toResponse(error);
  }
}

const RemoveForm = z.object({ confirm: z.string().default("") });

export async function action(args: ActionFunctionArgs) {
  return formAction(args, async ({ request, params }) => {
    const { project, user } = await requireProjectCapability(request, params.slug, "code");
    const input = parseForm(await request.formData(), RemoveForm);
    if (input.confirm.trim().toLowerCase() !== "remove")
      failForm("Type remove to confirm: what goes cannot be brought back.", "confirm");
    const removed = await removeImport({
      store,
      slug: project.slug,
      importId: params.importId ?? "",
      userId: user.id,
    });
    return redirect(`/projects/${project.slug}/collection?removedPosts=${removed.posts}`);
  });
}

const plural = (count: number, one: string, many = `${one}s`) =>
  `${count.toLocaleString("en")} ${count === 1 ? one : many}`;

export default function RemoveImportPage() {
  const { slug, removal } = useLoaderData<typeof loader>();
  const { formError, fieldErrors } = formState(useActionData<typeof action>());
  const when = new Date(removal.import.importedAt).toLocaleString("en-GB", {
    dateStyle: "medium",
    timeStyle: "short",
  });
  return (
    <section className="card" aria-labelledby="remove-heading">
      <h2 id="remove-heading">Remove the import of {removal.import.files.join(", ")}</h2>
      <p className="muted">
        {removal.import.format}, imported {when}.
      </p>
      <p>Removing it takes away, for good:</p>
      <ul>
        <li>{plural(removal.posts, "post")}</li>
        <li>{plural(removal.threads, "thread")} left with no post</li>
        <li>{plural(removal.communities, "community", "communities")} left empty</li>
        <li>
          {plural(removal.members, "member")} with no other post and no consent record (members with
          a consent record stay, with their log)
        </li>
        <li>{plural(removal.codings, "coding")} on those posts</li>
        <li>{plural(removal.memos, "memo")} on those posts and threads</li>
      </ul>
      <p className="small muted">
        Also their NLP annotations and suggestions, member-check responses quoting those codings and
        field-note links to them. Replies from other imports stay, without their parent.
      </p>
      {removal.allowed ? (
        <Form method="post">
          <FormError message={formError} />
          <Field
            label="Type remove to confirm"
            name="confirm"
            error={fieldErrors.confirm}
            required
            autoComplete="off"
          />
          <button type="submit" className="danger">
            Remove this import
          </button>{" "}
          <Link to={`/projects/${slug}/collection`}>Cancel</Link>
        </Form>
      ) : (
        <p role="note">
          Only the project&apos;s owner or the researcher who imported it can remove it.{" "}
          <Link to={`/projects/${slug}/collection`}>Back to the collection</Link>
        </p>
      )}
    </section>
  );
}
