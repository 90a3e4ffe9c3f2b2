import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { createAccount } from "~/server/research.server";
import { formState } from "~/components/form-state";
import { Field, FormError } from "~/components/field";
import { store } from "~/server/context.server";
import { env } from "~/server/env.server";
import { formAction, parseForm } from "~/server/forms.server";
import { assertSameOrigin } from "~/server/guards.server";
import { createUserSession } from "~/server/session.server";

export const meta: MetaFunction = () => [{ title: "Create an account · Netnography Workbench" }];

function requireOpenRegistration() {
  if (!env.openRegistration) throw new Response("Not found", { status: 404 });
}

export async function loader(_: LoaderFunctionArgs) {
  requireOpenRegistration();
  return null;
}

const RegisterForm = z.object({ name: z.string(), email: z.string(), password: z.string() });

export async function action(args: ActionFunctionArgs) {
  return formAction(args, async ({ request }) => {
    requireOpenRegistration();
    assertSameOrigin(request);
    const input = parseForm(await request.formData(), RegisterForm);
    const user = await createAccount({ store, ...input });
    return createUserSession(request, user.id, "/projects");
  });
}

export default function Register() {
  const { formError, fieldErrors } = formState(useActionData<typeof action>());
  const busy = useNavigation().state !== "idle";
  return (
    <div className="card narrow">
      <h1>Create an account</h1>
      <Form method="post" className="stack">
        <FormError message={formError} />
        <Field label="Your name" name="name" autoComplete="name" required error={fieldErrors.name} />
        <Field label="Email" name="email" type="email" autoComplete="email" required error={fieldErrors.email} />
        <Field label="Password" name="password" type="password" autoComplete="new-password" required hint="At least 10 characters." error={fieldErrors.password} />
        <button type="submit" disabled={busy}>Create account</button>
      </Form>
    </div>
  );
}
