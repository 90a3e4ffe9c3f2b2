import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { actionErrors } from "~/components/action-result";
import { Field, FormError, SelectField } from "~/components/field";
import { store } from "~/server/context.server";
import { formAction, parseForm } from "~/server/forms.server";
import { requireProjectCapability } from "~/server/guards.server";
import { createTheme, deleteTheme, getEthicsOverview, listCodes, listCodings, listThemes, roleAllows } from "~/server/research.server";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { project, role } = await requireProjectCapability(request, params.slug, "readReports");
  const canReadData = roleAllows(role, "readData");
  const [themes, codes, ethics] = await Promise.all([listThemes({ store, slug: project.slug }), listCodes({ store, slug: project.slug }), getEthicsOverview({ store, slug: project.slug })]);
  const codeNames = new Map(codes.map((code) => [code.id, code.name]));
  // Strategists read findings, never raw community data: quotes stay with the researchers.
  const codings = canReadData ? await listCodings({ store, slug: project.slug }) : [];
  const codingsById = new Map(codings.map((coding) => [coding.id, coding]));
  return {
    canReadData,
    canEdit: roleAllows(role, "code"),
    ethicsIncomplete: !ethics.complete,
    cloakingLevel: ethics.cloakingLevel,
    themes: themes.map((theme) => ({
      id: theme.id, name: theme.name, statement: theme.statement, confidence: theme.confidence,
      codes: theme.codeIds.map((id) => codeNames.get(id) ?? "(merged code)"),
      evidenceCount: theme.evidenceCodingIds.length,
      evidence: canReadData ? theme.evidenceCodingIds.flatMap((id) => (codingsById.has(id) ? [{ id, quote: codingsById.get(id)!.quote }] : [])) : [],
    })),
    codes: canReadData ? codes.map((code) => ({ id: code.id, name: code.name })) : [],
    segments: canReadData ? codings.slice(0, 500).map((coding) => ({ id: coding.id, codeId: coding.codeId, quote: coding.quote.slice(0, 140) })) : [],
  };
}

const list = z.union([z.string(), z.array(z.string())]).optional().transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]));
const ThemeForm = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("create-theme"), name: z.string(), statement: z.string(), codeIds: list, evidence: list, confidence: z.enum(["low", "medium", "high"]) }),
  z.object({ intent: z.literal("delete-theme"), themeId: z.string() }),
]);

export async function action(args: ActionFunctionArgs) {
  return formAction(args, async ({ request, params }) => {
    const { project, user } = await requireProjectCapability(request, params.slug, "code");
    const input = parseForm(await request.formData(), ThemeForm);
    if (input.intent === "delete-theme") {
      await deleteTheme({ store, slug: project.slug, themeId: input.themeId });
      return { ok: true as const, message: "Theme deleted." };
    }
    await createTheme({ store, slug: project.slug, userId: user.id, name: input.name, statement: input.statement, codeIds: input.codeIds, confidence: input.confidence, evidenceCodingIds: input.evidence });
    return { ok: true as const, message: `Theme "${input.name.trim()}" created.` };
  });
}

export default function ReportingPage() {
  const { canReadData, canEdit, ethicsIncomplete, cloakingLevel, themes, codes, segments } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const { formError, fieldErrors } = actionErrors(actionData);
  const message = actionData && "message" in actionData ? actionData.message : null;
  return (
    <>
      <h1>Reporting</h1>
      <p className="muted">Phase 6: themes and the findings they carry. Cloaking for reports: <strong>{cloakingLevel}</strong>.</p>
      {ethicsIncomplete ? <p className="warning" role="alert">The ethics plan is incomplete: reports will carry this warning.</p> : null}
      {message ? <p className="notice" role="status">{message}</p> : null}
      <FormError message={formError} />
      <section aria-labelledby="themes-heading">
        <h2 id="themes-heading">Themes</h2>
        {themes.length === 0 ? <p className="muted">No theme yet.</p> : null}
        {themes.map((theme) => (
          <article key={theme.id} className="card" aria-labelledby={`theme-${theme.id}`}>
            <h3 id={`theme-${theme.id}`}>{theme.name} <span className="pill">confidence: {theme.confidence}</span></h3>
            <p>{theme.statement}</p>
            <p className="small muted">Codes: {theme.codes.join(", ")} · {theme.evidenceCount} supporting segment{theme.evidenceCount === 1 ? "" : "s"}</p>
            {canReadData && theme.evidence.length > 0 ? (
              <ul className="small">{theme.evidence.map((e) => <li key={e.id}>“{e.quote}”</li>)}</ul>
            ) : null}
            {canEdit ? (
              <Form method="post"><input type="hidden" name="intent" value="delete-theme" /><input type="hidden" name="themeId" value={theme.id} /><button type="submit" className="link small">Delete theme</button></Form>
            ) : null}
          </article>
        ))}
      </section>
      {canEdit && canReadData ? (
        <section className="card" aria-labelledby="new-theme-heading">
          <h2 id="new-theme-heading">New theme</h2>
          {codes.length === 0 ? <p className="muted">Create codes and code data first.</p> : (
            <Form method="post" className="stack">
              <input type="hidden" name="intent" value="create-theme" />
              <Field label="Theme name" name="name" required error={fieldErrors.name} />
              <Field label="Statement of the insight" name="statement" multiline rows={3} required error={fieldErrors.statement} />
              <fieldset><legend>Codes in this theme</legend>
                {codes.map((code) => <label key={code.id} style={{ marginRight: "1rem" }}><input type="checkbox" name="codeIds" value={code.id} /> {code.name}</label>)}
                {fieldErrors.codeIds ? <p className="error">{fieldErrors.codeIds}</p> : null}
              </fieldset>
              {segments.length > 0 ? (
                <fieldset><legend>Supporting evidence (coded segments)</legend>
                  <div className="code-list">{segments.map((s) => <label key={s.id} style={{ display: "block" }} className="small"><input type="checkbox" name="evidence" value={s.id} /> “{s.quote}”</label>)}</div>
                </fieldset>
              ) : null}
              <SelectField label="Confidence" name="confidence" defaultValue="medium" options={[{ value: "low", label: "Low" }, { value: "medium", label: "Medium" }, { value: "high", label: "High" }]} />
              <button type="submit">Create theme</button>
            </Form>
          )}
        </section>
      ) : null}
    </>
  );
}
