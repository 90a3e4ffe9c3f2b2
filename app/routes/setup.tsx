import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { createFirstAdmin, needsFirstAccount } from "~/server/research.server";
import { formState } from "~/components/form-state";
import { Field, FormError } from "~/components/field";
import { store } from "~/server/context.server";
import { formAction, parseForm } from "~/server/forms.server";
import { assertSameOrigin } from "~/server/guards.server";
import { createUserSession } from "~/server/session.server";

export const meta: MetaFunction = () => [{ title: "Create the first account · Netnography Workbench" }];

export async function loader(_: LoaderFunctionArgs) {
  if (!(await needsFirstAccount({ store }))) throw redirect("/login");
  return null;
}

const SetupForm = z.object({ name: z.string(), email: z.string(), password: z.string() });

export async function action(args: ActionFunctionArgs) {
  return formAction(args, async ({ request }) => {
    assertSameOrigin(request);
    const input = parseForm(await request.formData(), SetupForm);
    const user = await createFirstAdmin({ store, ...input });
    return createUserSession(request, user.id, "/projects");
  });
}

export default function Setup() {
  const { formError, fieldErrors } = formState(useActionData<typeof action>());
  const busy = useNavigation().state !== "idle";
  return (
    <div className="card narrow">
      <h1>Welcome to Netnography Workbench</h1>
      <p className="muted">This workbench has no accounts yet. Create the first one: it becomes the admin, who can then invite the rest of the team.</p>
      <Form method="post" className="stack">
        <FormError message={formError} />
        <Field label="Your name" name="name" autoComplete="name" required error={fieldErrors.name} />
        <Field label="Email" name="email" type="email" autoComplete="email" required error={fieldErrors.email} />
        <Field label="Password" name="password" type="password" autoComplete="new-password" required hint="At least 10 characters." error={fieldErrors.password} />
        <button type="submit" disabled={busy}>Create admin account</button>
      </Form>
    </div>
  );
}
