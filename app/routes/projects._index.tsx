import {
  redirect,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  type MetaFunction,
} from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { z } from "zod";
import { createProject, listProjectsForUser } from "~/server/research.server";
import { formState } from "~/components/form-state";
import { Field, FormError } from "~/components/field";
import { store } from "~/server/context.server";
import { formAction, parseForm } from "~/server/forms.server";
import { requireUser } from "~/server/guards.server";

/**
 * Strategists read what researchers publish; an account that belongs to projects only as a strategist
 * does not start studies (an admin, or anyone with no project yet or another role somewhere, may).
 */
async function mayCreateProjects(user: { id: string; isAdmin: boolean }): Promise<boolean> {
  if (user.isAdmin) return true;
  const all = await listProjectsForUser({ store, userId: user.id, includeArchived: true });
  return all.length === 0 || all.some(({ role }) => role !== "strategist");
}

export const meta: MetaFunction = () => [{ title: "Projects · Netnography Workbench" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const showArchived = new URL(request.url).searchParams.get("archived") === "1";
  const projects = await listProjectsForUser({
    store,
    userId: user.id,
    includeArchived: showArchived,
  });
  return {
    canCreate: await mayCreateProjects(user),
    projects: projects.map(({ project, role }) => ({
      slug: project.slug,
      title: project.title,
      role,
      archived: project.archivedAt !== null,
      updatedAt: project.updatedAt,
    })),
  };
}

const CreateProjectForm = z.object({ title: z.string(), slug: z.string() });

export async function action(args: ActionFunctionArgs) {
  return formAction(args, async ({ request }) => {
    const user = await requireUser(request);
    if (!(await mayCreateProjects(user)))
      throw new Response("Strategists read projects; an owner or researcher starts them.", {
        status: 403,
      });
    const input = parseForm(await request.formData(), CreateProjectForm);
    const project = await createProject({
      store,
      slug: input.slug,
      title: input.title,
      ownerId: user.id,
    });
    return redirect(`/projects/${project.slug}`);
  });
}

export default function Projects() {
  const { projects, canCreate } = useLoaderData<typeof loader>();
  const { formError, fieldErrors } = formState(useActionData<typeof action>());
  const [searchParams] = useSearchParams();
  const showArchived = searchParams.get("archived") === "1";
  return (
    <>
      <h1>Projects</h1>
      <div className="grid-2">
        <section className="card" aria-labelledby="list-heading">
          <h2 id="list-heading">Your projects</h2>
          {projects.length === 0 ? (
            <p className="muted">
              {canCreate
                ? "No projects yet. Create your first study on the right."
                : "No projects yet."}
            </p>
          ) : (
            <ul className="list-plain">
              {projects.map((project) => (
                <li key={project.slug}>
                  <Link to={`/projects/${project.slug}`}>{project.title}</Link>{" "}
                  <span className="muted small">
                    ({project.slug}, {project.role}
                    {project.archived ? ", archived" : ""})
                  </span>
                </li>
              ))}
            </ul>
          )}
          <p className="small">
            {showArchived ? (
              <Link to="/projects">Hide archived projects</Link>
            ) : (
              <Link to="/projects?archived=1">Show archived projects</Link>
            )}
          </p>
        </section>
        {canCreate ? (
          <section className="card" aria-labelledby="new-heading">
            <h2 id="new-heading">New project</h2>
            <Form method="post" className="stack">
              <FormError message={formError} />
              <Field
                label="Title"
                name="title"
                required
                placeholder="Van life communities and repair culture"
                error={fieldErrors.title}
              />
              <Field
                label="Slug"
                name="slug"
                required
                hint="Short name used in links and by the netno CLI: lower-case letters, digits and dashes."
                placeholder="vanlife-2026"
                error={fieldErrors.slug}
              />
              <button type="submit">Create project</button>
            </Form>
          </section>
        ) : null}
      </div>
    </>
  );
}
