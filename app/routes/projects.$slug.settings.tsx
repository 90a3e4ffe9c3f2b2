import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { ConfirmedRemoval } from "~/components/confirmed-removal";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import {
  addProjectMember,
  listProjectMembers,
  removeProjectMember,
  renameProject,
  setProjectArchived,
} from "~/server/research.server";
import { formState } from "~/components/form-state";
import { Field, FormError, SelectField, ScopedForm } from "~/components/field";
import { store } from "~/server/context.server";
import { formAction, parseForm } from "~/server/forms.server";
import { requireProjectCapability } from "~/server/guards.server";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { project } = await requireProjectCapability(request, params.slug, "manage");
  const members = await listProjectMembers({ store, slug: project.slug });
  return {
    project: { slug: project.slug, title: project.title, archived: project.archivedAt !== null },
    members: members.map(({ user, role }) => ({
      userId: user.id,
      name: user.name,
      email: user.email,
      role,
    })),
  };
}

const SettingsForm = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("rename"), title: z.string() }),
  z.object({ intent: z.literal("archive"), archived: z.enum(["true", "false"]) }),
  z.object({
    intent: z.literal("add-member"),
    email: z.string().trim().min(1, "Enter the colleague's email."),
    role: z.string(),
  }),
  z.object({ intent: z.literal("remove-member"), userId: z.string() }),
]);

export async function action(args: ActionFunctionArgs) {
  return formAction(args, async ({ request, params }) => {
    const { project, user } = await requireProjectCapability(request, params.slug, "manage");
    const input = parseForm(await request.formData(), SettingsForm);
    const slug = project.slug;
    switch (input.intent) {
      case "rename":
        await renameProject({ store, slug, title: input.title, userId: user.id });
        return { ok: true as const, message: "Project renamed." };
      case "archive":
        await setProjectArchived({
          store,
          slug,
          archived: input.archived === "true",
          userId: user.id,
        });
        return input.archived === "true"
          ? redirect("/projects")
          : { ok: true as const, message: "Project restored." };
      case "add-member": {
        const added = await addProjectMember({
          store,
          slug,
          email: input.email,
          role: input.role,
          addedBy: user.id,
        });
        return {
          ok: true as const,
          message: `${added.name} is now a ${input.role} of this project.`,
        };
      }
      case "remove-member":
        await removeProjectMember({ store, slug, userId: input.userId, removedBy: user.id });
        return { ok: true as const, message: "Member removed." };
    }
  });
}

const ROLE_OPTIONS = [
  { value: "researcher", label: "Researcher: reads data and codes" },
  { value: "strategist", label: "Strategist: reads reports and guidelines only" },
  { value: "owner", label: "Owner: everything, including ethics decisions and members" },
];

export default function ProjectSettings() {
  const { project, members } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const rename = formState(actionData, "rename");
  const team = formState(actionData, "add-member");
  const page = formState(actionData);
  const message = actionData && "message" in actionData ? actionData.message : null;
  return (
    <>
      <h1>Settings</h1>
      {message ? (
        <p className="notice" role="status">
          {message}
        </p>
      ) : null}
      <FormError message={page.formError ?? rename.formError ?? team.formError} />
      <div className="grid-2">
        <section className="card">
          <h2>Title</h2>
          <ScopedForm formId={"rename"} method="post" className="stack">
            <input type="hidden" name="intent" value="rename" />
            <Field
              label="Project title"
              name="title"
              defaultValue={rename.value("title", project.title)}
              required
              error={rename.fieldErrors.title}
            />
            <button type="submit">Rename</button>
          </ScopedForm>
          <h2>Archive</h2>
          <p className="muted small">
            Archiving hides the project from the default list and keeps all its data.
          </p>
          <Form method="post">
            <input type="hidden" name="intent" value="archive" />
            <input type="hidden" name="archived" value={project.archived ? "false" : "true"} />
            <button type="submit" className="secondary">
              {project.archived ? "Restore project" : "Archive project"}
            </button>
          </Form>
        </section>
        <section className="card">
          <h2>Team</h2>
          <table>
            <thead>
              <tr>
                <th>Name</th>
                <th>Role</th>
                <th>
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {members.map((member) => (
                <tr key={member.userId}>
                  <td>
                    {member.name}
                    <br />
                    <span className="muted small">{member.email}</span>
                  </td>
                  <td>{member.role}</td>
                  <td>
                    <ConfirmedRemoval
                      fields={{ intent: "remove-member", userId: member.userId }}
                      label="Remove"
                      accessibleLabel={`Remove ${member.name}`}
                      question={`Remove ${member.name} from the team? Their codings and memos stay.`}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <h3>Add a member</h3>
          <ScopedForm formId={"add-member"} method="post" className="stack">
            <input type="hidden" name="intent" value="add-member" />
            <Field
              label="Email of a registered colleague"
              name="email"
              type="email"
              required
              defaultValue={team.value("email")}
              error={team.fieldErrors.email}
            />
            <SelectField
              label="Role"
              name="role"
              options={ROLE_OPTIONS}
              defaultValue={team.value("role")}
              error={team.fieldErrors.role}
            />
            <button type="submit">Add member</button>
          </ScopedForm>
        </section>
      </div>
    </>
  );
}
