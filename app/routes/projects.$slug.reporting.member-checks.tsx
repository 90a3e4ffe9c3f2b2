import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { formState } from "~/components/form-state";
import { Field, FormError } from "~/components/field";
import { store } from "~/server/context.server";
import { formAction, parseForm } from "~/server/forms.server";
import { requireProjectCapability } from "~/server/guards.server";
import {
  createShareLink,
  handleRemovalRequest,
  listMemberChecks,
  listThemes,
  replaceShareLink,
  revokeShareLink,
  roleAllows,
} from "~/server/research.server";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { project, role } = await requireProjectCapability(request, params.slug, "readData");
  const [checks, themes] = await Promise.all([
    listMemberChecks({ store, slug: project.slug }),
    listThemes({ store, slug: project.slug }),
  ]);
  const themeNames = new Map(themes.map((theme) => [theme.id, theme.name]));
  const now = new Date().toISOString();
  return {
    canManageLinks: roleAllows(role, "manageMemberChecks"),
    themes: themes.map((theme) => ({ id: theme.id, name: theme.name })),
    links: checks.links.map((link) => ({
      id: link.id,
      label: link.label,
      themes: link.themeIds.map((id) => themeNames.get(id) ?? "?"),
      expiresAt: link.expiresAt,
      state: link.revokedAt ? "revoked" : link.expiresAt <= now ? "expired" : "active",
    })),
    responses: checks.responses
      .map((response) => ({
        ...response,
        themeName: themeNames.get(response.themeId) ?? "?",
        quote: response.quoteRef ? (checks.quotes[response.quoteRef] ?? "(removed)") : null,
      }))
      .reverse(),
  };
}

// Ticked boxes and multiple selects: Conform reads one value or several as a list.
const list = z.array(z.string()).default([]);
const ChecksForm = z.discriminatedUnion("intent", [
  z.object({
    intent: z.literal("create-link"),
    themeIds: list,
    days: z.coerce.number().int(),
    label: z.string().default(""),
  }),
  z.object({ intent: z.literal("revoke"), linkId: z.string() }),
  z.object({ intent: z.literal("replace"), linkId: z.string() }),
  z.object({ intent: z.literal("remove-quote"), responseId: z.string() }),
]);

export async function action(args: ActionFunctionArgs) {
  return formAction(args, async ({ request, params }) => {
    // The commands check the role table too (owner only), so the CLI obeys the same rule.
    const { project, user } = await requireProjectCapability(
      request,
      params.slug,
      "manageMemberChecks",
    );
    const input = parseForm(await request.formData(), ChecksForm);
    if (input.intent === "revoke") {
      await revokeShareLink({ store, slug: project.slug, linkId: input.linkId, userId: user.id });
      return { ok: true as const, message: "Link revoked.", url: null };
    }
    if (input.intent === "replace") {
      const { token } = await replaceShareLink({
        store,
        slug: project.slug,
        linkId: input.linkId,
        userId: user.id,
      });
      return {
        ok: true as const,
        message:
          "A new link replaces the old one, which no longer opens: copy the new one now, it is shown once.",
        url: `${new URL(request.url).origin}/share/${token}`,
      };
    }
    if (input.intent === "remove-quote") {
      await handleRemovalRequest({
        store,
        slug: project.slug,
        responseId: input.responseId,
        userId: user.id,
      });
      return {
        ok: true as const,
        message: "The quote was removed from every finding (audit entry kept).",
        url: null,
      };
    }
    const { token } = await createShareLink({
      store,
      slug: project.slug,
      themeIds: input.themeIds,
      days: input.days,
      label: input.label,
      userId: user.id,
    });
    return {
      ok: true as const,
      message: "Share link created: copy it now, it is shown once.",
      url: `${new URL(request.url).origin}/share/${token}`,
    };
  });
}

const RATING = {
  "rings-true": "Rings true",
  partly: "Partly",
  "does-not-ring-true": "Doesn't ring true",
} as const;

export default function MemberChecksPage() {
  const { canManageLinks, themes, links, responses } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const sent = formState(actionData);
  const { formError, fieldErrors } = sent;
  const success = actionData && "message" in actionData ? actionData : null;
  return (
    <>
      <p className="muted">
        Community members review the findings about them through a link: no account, only the chosen
        findings, cloaked.
      </p>
      {success ? (
        <div className="notice" role="status">
          <p>{success.message}</p>
          {success.url ? (
            <input type="text" readOnly value={success.url} aria-label="Share link" />
          ) : null}
        </div>
      ) : null}
      <FormError message={formError} />
      <div className="grid-2">
        {canManageLinks ? (
          <section className="card" aria-labelledby="new-link-heading">
            <h2 id="new-link-heading">New share link</h2>
            <Form method="post" className="stack">
              <input type="hidden" name="intent" value="create-link" />
              <fieldset>
                <legend>Findings to share</legend>
                {themes.map((t) => (
                  <label key={t.id} style={{ display: "block" }}>
                    <input
                      type="checkbox"
                      name="themeIds"
                      value={t.id}
                      defaultChecked={sent.values("themeIds", [])?.includes(t.id)}
                    />{" "}
                    {t.name}
                  </label>
                ))}
              </fieldset>
              {fieldErrors.themeIds ? <p className="error">{fieldErrors.themeIds}</p> : null}
              <Field
                label="Valid for (days)"
                name="days"
                type="number"
                defaultValue={14}
                min={1}
                max={90}
                error={fieldErrors.days}
              />
              <Field
                label="Label (for you)"
                name="label"
                hint="e.g. posted in the community's feedback thread"
              />
              <button type="submit">Create link</button>
            </Form>
          </section>
        ) : null}
        <section className="card" aria-labelledby="links-heading">
          <h2 id="links-heading">Links</h2>
          {links.length === 0 ? (
            <p className="muted small">None yet.</p>
          ) : (
            <ul className="list-plain">
              {links.map((link) => (
                <li key={link.id}>
                  {link.label || "Share link"} · {link.themes.join(", ")} ·{" "}
                  <span className="pill">{link.state}</span> until {link.expiresAt.slice(0, 10)}
                  {link.state === "active" && canManageLinks ? (
                    <Form method="post" style={{ display: "inline" }}>
                      <input type="hidden" name="intent" value="revoke" />
                      <input type="hidden" name="linkId" value={link.id} />{" "}
                      <button type="submit" className="link small">
                        Revoke
                      </button>
                    </Form>
                  ) : null}
                  {link.state === "active" && canManageLinks ? (
                    <Form method="post" style={{ display: "inline" }}>
                      <input type="hidden" name="intent" value="replace" />
                      <input type="hidden" name="linkId" value={link.id} />{" "}
                      <button
                        type="submit"
                        className="link small"
                        aria-label={`Replace ${link.label || "share link"} with a new link`}
                      >
                        New link in its place
                      </button>
                    </Form>
                  ) : null}
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
      <section className="card" aria-labelledby="responses-heading">
        <h2 id="responses-heading">Responses</h2>
        {responses.length === 0 ? (
          <p className="muted small">No response yet.</p>
        ) : (
          <table aria-label="Member check responses">
            <thead>
              <tr>
                <th>Finding</th>
                <th>Response</th>
                <th>When</th>
                <th>Comment</th>
                <th>Quote removal</th>
              </tr>
            </thead>
            <tbody>
              {responses.map((r) => (
                <tr key={r.id}>
                  <td>{r.themeName}</td>
                  <td>{RATING[r.rating]}</td>
                  <td className="small">
                    {r.at.slice(0, 10)}
                    {r.changedAt ? ` (changed ${r.changedAt.slice(0, 10)})` : ""}
                  </td>
                  <td>{r.comment}</td>
                  <td>
                    {r.quote !== null ? (
                      r.handledAt ? (
                        <span className="small">done {r.handledAt.slice(0, 10)}</span>
                      ) : !canManageLinks ? (
                        <span className="small">“{r.quote.slice(0, 60)}” (awaiting the owner)</span>
                      ) : (
                        <Form method="post">
                          <input type="hidden" name="intent" value="remove-quote" />
                          <input type="hidden" name="responseId" value={r.id} />
                          <span className="small">“{r.quote.slice(0, 60)}”</span>{" "}
                          <button type="submit" className="danger small">
                            Remove quote
                          </button>
                        </Form>
                      )
                    ) : (
                      "—"
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}
