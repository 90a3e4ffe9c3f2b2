import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import {
  changePassword,
  endUserSessions,
  listSessions,
  revokeSession,
} from "~/server/research.server";
import { formState } from "~/components/form-state";
import { Field, FormError } from "~/components/field";
import { store } from "~/server/context.server";
import { failForm, formAction, parseForm } from "~/server/forms.server";
import { requireUser } from "~/server/guards.server";
import { getSessionToken } from "~/server/session.server";

export const meta: MetaFunction = () => [{ title: "Your account · Netnography Workbench" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const currentToken = (await getSessionToken(request)) ?? undefined;
  return { sessions: await listSessions({ store, userId: user.id, currentToken }) };
}

const SessionsForm = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("revoke"), sessionId: z.string().min(1) }),
  z.object({ intent: z.literal("end-others") }),
  z.object({
    intent: z.literal("change-password"),
    currentPassword: z.string().min(1, "Enter your current password."),
    newPassword: z.string().min(1, "Enter a new password."),
    confirmPassword: z.string(),
  }),
]);

export async function action(args: ActionFunctionArgs) {
  return formAction(args, async ({ request }) => {
    const user = await requireUser(request);
    const input = parseForm(await request.formData(), SessionsForm);
    if (input.intent === "revoke") {
      await revokeSession({ store, userId: user.id, sessionId: input.sessionId });
      return { ok: true as const, message: "The session was ended." };
    }
    if (input.intent === "change-password") {
      if (input.confirmPassword !== input.newPassword)
        failForm("The two new passwords differ.", "confirmPassword");
      const ended = await changePassword({
        store,
        userId: user.id,
        currentPassword: input.currentPassword,
        newPassword: input.newPassword,
        keepSessionToken: (await getSessionToken(request)) ?? undefined,
      });
      return {
        ok: true as const,
        message: `Your password was changed; ${ended} other session${ended === 1 ? " was" : "s were"} ended.`,
      };
    }
    const ended = await endUserSessions({
      store,
      userId: user.id,
      exceptToken: (await getSessionToken(request)) ?? undefined,
    });
    return {
      ok: true as const,
      message: `${ended} other session${ended === 1 ? "" : "s"} ended.`,
    };
  });
}

/** "Chrome 156 on Linux" from a user agent: enough to recognise a browser without reading the raw string. */
function describeBrowser(userAgent: string): string {
  if (!userAgent) return "Unknown browser";
  const browser =
    /(Edg|OPR|Firefox|Chrome|Version)\/(\d+)/.exec(userAgent) ?? /(Safari)\/(\d+)/.exec(userAgent);
  const names: Record<string, string> = {
    Edg: "Edge",
    OPR: "Opera",
    Firefox: "Firefox",
    Chrome: /HeadlessChrome/.test(userAgent) ? "Headless Chrome" : "Chrome",
    Version: "Safari",
    Safari: "Safari",
  };
  const system = /Windows/.test(userAgent)
    ? "Windows"
    : /Android/.test(userAgent)
      ? "Android"
      : /iPhone|iPad/.test(userAgent)
        ? "iOS"
        : /Mac OS X/.test(userAgent)
          ? "macOS"
          : /Linux/.test(userAgent)
            ? "Linux"
            : null;
  const name = browser
    ? `${names[browser[1]] ?? browser[1]} ${browser[2]}`
    : userAgent.slice(0, 60);
  return system ? `${name} on ${system}` : name;
}

function when(iso: string): string {
  return new Date(iso).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" });
}

export default function AccountSessions() {
  const { sessions } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const message = actionData && "message" in actionData ? actionData.message : null;
  const { formError, fieldErrors } = formState(actionData);
  const passwordFields = ["currentPassword", "newPassword", "confirmPassword"];
  const error =
    formError ??
    Object.entries(fieldErrors).find(([field]) => !passwordFields.includes(field))?.[1];
  return (
    <>
      <h1>Your account</h1>
      {message ? (
        <p className="notice" role="status">
          {message}
        </p>
      ) : null}
      <FormError message={error} />
      <section className="card" aria-labelledby="sessions-heading">
        <h2 id="sessions-heading">Signed in</h2>
        <p>
          Every browser where you are signed in. End one you do not recognise; logging out ends the
          session you use.
        </p>
        <table>
          <thead>
            <tr>
              <th scope="col">Browser</th>
              <th scope="col">Signed in</th>
              <th scope="col">Last seen</th>
              <th scope="col">Ends</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {sessions.map((session) => (
              <tr key={session.id}>
                <td title={session.userAgent}>
                  {describeBrowser(session.userAgent)}
                  {session.current ? <strong> (this one)</strong> : null}
                </td>
                <td>{when(session.createdAt)}</td>
                <td>{when(session.lastSeenAt)}</td>
                <td>{when(session.expiresAt)}</td>
                <td>
                  {session.current ? null : (
                    <Form method="post">
                      <input type="hidden" name="intent" value="revoke" />
                      <input type="hidden" name="sessionId" value={session.id} />
                      <button
                        type="submit"
                        className="secondary"
                        aria-label={`End the session of ${describeBrowser(session.userAgent)} signed in ${when(session.createdAt)}`}
                      >
                        End
                      </button>
                    </Form>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {sessions.length > 1 ? (
          <Form method="post">
            <input type="hidden" name="intent" value="end-others" />
            <button type="submit">Sign out everywhere else</button>
          </Form>
        ) : null}
      </section>
      <section className="card" aria-labelledby="password-heading">
        <h2 id="password-heading">Change your password</h2>
        <p>Every other session ends when the password changes; this one stays signed in.</p>
        <Form method="post" style={{ maxWidth: "32rem" }}>
          <input type="hidden" name="intent" value="change-password" />
          <Field
            label="Current password"
            name="currentPassword"
            type="password"
            autoComplete="current-password"
            required
            error={fieldErrors.currentPassword}
          />
          <Field
            label="New password"
            name="newPassword"
            type="password"
            autoComplete="new-password"
            required
            hint="At least 10 characters."
            error={fieldErrors.newPassword}
          />
          <Field
            label="New password again"
            name="confirmPassword"
            type="password"
            autoComplete="new-password"
            required
            error={fieldErrors.confirmPassword}
          />
          <button type="submit">Change password</button>
        </Form>
      </section>
    </>
  );
}
