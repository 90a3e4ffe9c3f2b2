import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { createAccount, createInvite, listUsers } from "~/server/research.server";
import { formState } from "~/components/form-state";
import { Field, FormError } from "~/components/field";
import { store } from "~/server/context.server";
import { formAction, parseForm } from "~/server/forms.server";
import { requireAdmin } from "~/server/guards.server";

export const meta: MetaFunction = () => [{ title: "People · Netnography Workbench" }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireAdmin(request);
  const users = await listUsers({ store });
  return { users: users.map((user) => ({ id: user.id, name: user.name, email: user.email, isAdmin: user.isAdmin, createdAt: user.createdAt })) };
}

const AdminForm = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("create-account"), name: z.string(), email: z.string(), password: z.string() }),
  z.object({ intent: z.literal("create-invite"), days: z.coerce.number().int().min(1).max(60).default(7) }),
]);

export async function action(args: ActionFunctionArgs) {
  return formAction(args, async ({ request }) => {
    const admin = await requireAdmin(request);
    const input = parseForm(await request.formData(), AdminForm);
    if (input.intent === "create-account") {
      const user = await createAccount({ store, name: input.name, email: input.email, password: input.password });
      return { ok: true as const, created: user.email, inviteUrl: null };
    }
    const invite = await createInvite({ store, adminId: admin.id, days: input.days });
    const origin = new URL(request.url).origin;
    return { ok: true as const, created: null, inviteUrl: `${origin}/join/${invite.token}`, expiresAt: invite.expiresAt };
  });
}

export default function AdminUsers() {
  const { users } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const { formError, fieldErrors } = formState(actionData);
  const success = actionData && "ok" in actionData && actionData.ok ? actionData : null;
  return (
    <>
      <h1>People</h1>
      <div className="grid-2">
        <section className="card" aria-labelledby="accounts-heading">
          <h2 id="accounts-heading">Accounts</h2>
          <table>
            <thead><tr><th>Name</th><th>Email</th><th>Admin</th></tr></thead>
            <tbody>
              {users.map((user) => (
                <tr key={user.id}><td>{user.name}</td><td>{user.email}</td><td>{user.isAdmin ? "yes" : ""}</td></tr>
              ))}
            </tbody>
          </table>
        </section>
        <section className="card" aria-labelledby="add-heading">
          <h2 id="add-heading">Add a colleague</h2>
          {success?.created ? <p className="notice" role="status">Account created for {success.created}. Share the password with them privately.</p> : null}
          <Form method="post" className="stack">
            <FormError message={formError} />
            <input type="hidden" name="intent" value="create-account" />
            <Field label="Name" name="name" required error={fieldErrors.name} />
            <Field label="Email" name="email" type="email" required error={fieldErrors.email} />
            <Field label="Initial password" name="password" type="password" autoComplete="new-password" required hint="At least 10 characters." error={fieldErrors.password} />
            <button type="submit">Create account</button>
          </Form>
          <h3>Or send an invitation link</h3>
          {success?.inviteUrl ? (
            <div className="notice" role="status">
              <p>Invitation link (shown once, valid until {new Date(success.expiresAt ?? "").toLocaleDateString()}):</p>
              <input type="text" readOnly value={success.inviteUrl} aria-label="Invitation link" />
            </div>
          ) : null}
          <Form method="post" className="row">
            <input type="hidden" name="intent" value="create-invite" />
            <Field label="Valid for (days)" name="days" type="number" defaultValue={7} min={1} max={60} error={fieldErrors.days} />
            <button type="submit" className="secondary">Make invitation link</button>
          </Form>
        </section>
      </div>
    </>
  );
}
