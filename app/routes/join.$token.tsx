import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { acceptInvite, isInviteUsable } from "~/server/research.server";
import { formState } from "~/components/form-state";
import { Field, FormError } from "~/components/field";
import { store } from "~/server/context.server";
import { formAction, parseForm } from "~/server/forms.server";
import { assertSameOrigin } from "~/server/guards.server";
import { createUserSession } from "~/server/session.server";

export const meta: MetaFunction = () => [{ title: "Join · Netnography Workbench" }];

export async function loader({ params }: LoaderFunctionArgs) {
  if (!params.token || !(await isInviteUsable({ store, token: params.token }))) {
    throw new Response("This invitation link is not valid any more; ask the admin for a new one.", { status: 403 });
  }
  return null;
}

const JoinForm = z.object({ name: z.string(), email: z.string(), password: z.string() });

export async function action(args: ActionFunctionArgs) {
  return formAction(args, async ({ request, params }) => {
    assertSameOrigin(request);
    const input = parseForm(await request.formData(), JoinForm);
    const user = await acceptInvite({ store, token: params.token ?? "", ...input });
    return createUserSession(request, user.id, "/projects");
  });
}

export default function Join() {
  const { formError, fieldErrors } = formState(useActionData<typeof action>());
  const busy = useNavigation().state !== "idle";
  return (
    <div className="card narrow">
      <h1>Join the workbench</h1>
      <p className="muted">You were invited to a research team. Create your account; a project owner then adds you to their projects.</p>
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
