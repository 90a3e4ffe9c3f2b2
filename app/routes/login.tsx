import { clientAddressOf } from "~/server/client-address.server";
import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import { z } from "zod";
import { needsFirstAccount, verifyLogin } from "~/server/research.server";
import { formState } from "~/components/form-state";
import { Field, FormError } from "~/components/field";
import { loginThrottle, store } from "~/server/context.server";
import { env } from "~/server/env.server";
import { failForm, formAction, parseForm } from "~/server/forms.server";
import { assertSameOrigin, getOptionalUser } from "~/server/guards.server";
import { safeRedirect } from "~/server/safe-redirect";
import { createUserSession } from "~/server/session.server";

export const meta: MetaFunction = () => [{ title: "Log in · Netnography Workbench" }];

export async function loader({ request }: LoaderFunctionArgs) {
  if (await needsFirstAccount({ store })) throw redirect("/setup");
  if (await getOptionalUser(request)) throw redirect("/projects");
  return { openRegistration: env.openRegistration };
}

const LoginForm = z.object({
  email: z.string().trim().min(1, "Enter your email."),
  password: z.string().min(1, "Enter your password."),
  redirectTo: z.string().optional(),
});

export async function action(args: ActionFunctionArgs) {
  return formAction(args, async ({ request }) => {
    assertSameOrigin(request);
    const { email, password, redirectTo } = parseForm(await request.formData(), LoginForm);
    // Behind a trusted proxy each client has its own count, so a guesser elsewhere does not slow the owner.
    const throttleKey = `${email.trim().toLowerCase()}|${clientAddressOf(request) ?? "direct"}`;
    const waitMs = loginThrottle.begin(throttleKey);
    if (waitMs > 0) failForm(`Too many failed attempts. Try again in ${Math.ceil(waitMs / 1000)} seconds.`, undefined, 429);
    const user = await verifyLogin({ store, email, password }).catch((error: unknown) => {
      loginThrottle.recordFailure(throttleKey);
      throw error;
    });
    if (!user) {
      loginThrottle.recordFailure(throttleKey);
      failForm("Email or password is wrong.", undefined, 401);
    }
    loginThrottle.recordSuccess(throttleKey);
    return createUserSession(request, user.id, safeRedirect(redirectTo));
  });
}

export default function Login() {
  const { openRegistration } = useLoaderData<typeof loader>();
  const { formError, fieldErrors } = formState(useActionData<typeof action>());
  const [searchParams] = useSearchParams();
  const busy = useNavigation().state !== "idle";
  return (
    <div className="card narrow">
      <h1>Log in</h1>
      <Form method="post" className="stack">
        <FormError message={formError} />
        <input type="hidden" name="redirectTo" value={searchParams.get("redirectTo") ?? "/projects"} />
        <Field label="Email" name="email" type="email" autoComplete="email" required error={fieldErrors.email} />
        <Field label="Password" name="password" type="password" autoComplete="current-password" required error={fieldErrors.password} />
        <button type="submit" disabled={busy}>Log in</button>
      </Form>
      <p className="muted small">
        {openRegistration ? <Link to="/register">Create an account</Link> : "Accounts are created by an admin or through an invitation link."}
      </p>
    </div>
  );
}
