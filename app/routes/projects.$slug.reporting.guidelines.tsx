import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { formState } from "~/components/form-state";
import { Field, FormError, SelectField, ScopedForm, ScopedFormError, useFormEcho } from "~/components/field";
import { mapForPage, NetworkMap } from "~/components/network-map";
import { store } from "~/server/context.server";
import { formAction, parseForm } from "~/server/forms.server";
import { requireProjectCapability } from "~/server/guards.server";
import { buildReportData, roleAllows, saveGuideline } from "~/server/research.server";

const RESPONSES = [
  { value: "answer", label: "Answer (reactive)" },
  { value: "fix", label: "Fix (reactive)" },
  { value: "escalate", label: "Escalate (reactive)" },
  { value: "change-product", label: "Change a product (proactive)" },
  { value: "change-process", label: "Change a process (proactive)" },
  { value: "change-message", label: "Change a message (proactive)" },
];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { project, role } = await requireProjectCapability(request, params.slug, "readReports");
  const report = await buildReportData({
    store,
    slug: project.slug,
    includeMemberNetwork: false,
    includeCodeNetwork: false,
  });
  return {
    canEdit: roleAllows(role, "code"),
    themeMap: mapForPage(report.maps.themes),
    themes: report.themes.map((t) => ({
      id: t.id,
      name: t.name,
      statement: t.statement,
      confidence: t.confidence,
      guideline: t.guideline,
    })),
  };
}

const text = z.string().default("");
// The impact table's rows as impact[0].event, impact[0].responsible...; empty rows are dropped.
const ImpactRow = z.object({ event: text, responsible: text, involved: text });
const GuidelineForm = z.object({
  themeId: z.string(),
  touchpoint: text,
  experience: text,
  responses: z.array(z.string()).default([]),
  recommendation: text,
  responsible: text,
  involved: text,
  impact: z.array(ImpactRow).default([]),
  priority: text,
  successMeasure: text,
});

export async function action(args: ActionFunctionArgs) {
  return formAction(args, async ({ request, params }) => {
    const { project, user } = await requireProjectCapability(request, params.slug, "code");
    const formData = await request.formData();
    const { themeId, ...values } = parseForm(formData, GuidelineForm);
    const impact = values.impact
      .map((row) => ({
        event: row.event.trim(),
        responsible: row.responsible.trim(),
        involved: row.involved.trim(),
      }))
      .filter((row) => row.event);
    await saveGuideline({
      store,
      slug: project.slug,
      themeId,
      userId: user.id,
      guideline: {
        touchpoint: values.touchpoint,
        experience: values.experience,
        responses: values.responses,
        recommendation: values.recommendation,
        responsible: values.responsible,
        involved: values.involved,
        impact,
        priority: values.priority,
        successMeasure: values.successMeasure,
      },
    });
    return { ok: true as const, message: "Guideline saved." };
  });
}

/** A response checkbox that comes back as it was sent after a refused save. */
function ResponseBox({ value, stored }: { value: string; stored: boolean }) {
  const sent = useFormEcho();
  return (
    <input
      type="checkbox"
      name="responses"
      value={value}
      defaultChecked={sent.values("responses", stored ? [value] : [])?.includes(value)}
    />
  );
}

export default function GuidelinesPage() {
  const { canEdit, themeMap, themes } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const { formError } = formState(actionData);
  const message = actionData && "message" in actionData ? actionData.message : null;
  return (
    <>
      <p className="muted">
        For brand strategists: what people experience at which touchpoint, how to respond, who acts,
        and how success is measured.
      </p>
      {message ? (
        <p className="notice" role="status">
          {message}
        </p>
      ) : null}
      <FormError message={formError} />
      {themeMap.nodes.length ? <NetworkMap data={themeMap} height={420} /> : null}
      {themes.length === 0 ? <p className="muted">No theme yet.</p> : null}
      {themes.map((theme) => {
        const g = theme.guideline;
        return (
          <article key={theme.id} className="card" aria-labelledby={`g-${theme.id}`}>
            <h2 id={`g-${theme.id}`}>
              {theme.name}
              {g.priority ? <span className="pill">priority {g.priority}</span> : null}
            </h2>
            <p>
              <strong>Insight:</strong> {theme.statement}{" "}
              <span className="muted small">(confidence {theme.confidence})</span>
            </p>
            <dl className="small">
              <dt>
                <strong>Touchpoint</strong>
              </dt>
              <dd>{g.touchpoint || "—"}</dd>
              <dt>
                <strong>What customers experience</strong>
              </dt>
              <dd>{g.experience || "—"}</dd>
              <dt>
                <strong>Recommended response</strong>
              </dt>
              <dd>
                {g.responses.map((r) => RESPONSES.find((x) => x.value === r)?.label).join(", ") ||
                  "—"}
                {g.recommendation ? ` — ${g.recommendation}` : ""}
              </dd>
              <dt>
                <strong>Responsible / involved</strong>
              </dt>
              <dd>
                {g.responsible || "—"} / {g.involved || "—"}
              </dd>
              <dt>
                <strong>Measure of success</strong>
              </dt>
              <dd>{g.successMeasure || "—"}</dd>
            </dl>
            {g.impact.length ? (
              <table aria-label={`Impact table for ${theme.name}`}>
                <thead>
                  <tr>
                    <th>Event to watch</th>
                    <th>Responsible</th>
                    <th>Involved</th>
                  </tr>
                </thead>
                <tbody>
                  {g.impact.map((row, i) => (
                    <tr key={i}>
                      <td>{row.event}</td>
                      <td>{row.responsible}</td>
                      <td>{row.involved}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : null}
            {canEdit ? (
              <details open={formState(actionData, `guideline-${theme.id}`).lastResult ? true : undefined}>
                <summary>Edit the guideline for “{theme.name}”</summary>
                <ScopedForm formId={`guideline-${theme.id}`} method="post" className="stack">
                  <input type="hidden" name="themeId" value={theme.id} />
                  <ScopedFormError />
                  <Field
                    label="Touchpoint"
                    name="touchpoint"
                    defaultValue={g.touchpoint}
                    hint="e.g. installation, customer support, the forum itself"
                  />
                  <Field
                    label="What customers experience"
                    name="experience"
                    multiline
                    rows={2}
                    defaultValue={g.experience}
                  />
                  <fieldset>
                    <legend>Response</legend>
                    {RESPONSES.map((r) => (
                      <label key={r.value} style={{ marginRight: "1rem" }}>
                        <ResponseBox value={r.value} stored={g.responses.includes(r.value as never)} />{" "}
                        {r.label}
                      </label>
                    ))}
                  </fieldset>
                  <Field
                    label="Recommendation"
                    name="recommendation"
                    multiline
                    rows={2}
                    defaultValue={g.recommendation}
                  />
                  <div className="row">
                    <Field
                      label="Responsible function"
                      name="responsible"
                      defaultValue={g.responsible}
                    />
                    <Field label="Involved" name="involved" defaultValue={g.involved} />
                  </div>
                  <fieldset>
                    <legend>Impact table</legend>
                    {[...g.impact, { event: "", responsible: "", involved: "" }].map((row, i) => (
                      <div className="row" key={i}>
                        <Field
                          label={`Event to watch ${i + 1}`}
                          name={`impact[${i}].event`}
                          defaultValue={row.event}
                        />
                        <Field
                          label={`Responsible ${i + 1}`}
                          name={`impact[${i}].responsible`}
                          defaultValue={row.responsible}
                        />
                        <Field
                          label={`Involved ${i + 1}`}
                          name={`impact[${i}].involved`}
                          defaultValue={row.involved}
                        />
                      </div>
                    ))}
                  </fieldset>
                  <div className="row">
                    <SelectField
                      label="Priority"
                      name="priority"
                      defaultValue={g.priority}
                      options={[
                        { value: "", label: "Not set" },
                        { value: "high", label: "High" },
                        { value: "medium", label: "Medium" },
                        { value: "low", label: "Low" },
                      ]}
                    />
                    <Field
                      label="Measure of success"
                      name="successMeasure"
                      defaultValue={g.successMeasure}
                    />
                  </div>
                  <button type="submit">Save guideline</button>
                </ScopedForm>
              </details>
            ) : null}
          </article>
        );
      })}
    </>
  );
}
