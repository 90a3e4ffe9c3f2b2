import { z } from "zod";
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { formState } from "~/components/form-state";
import { Field, FormError, ScopedForm, ScopedFormError } from "~/components/field";
import { store } from "~/server/context.server";
import { formAction, parseForm } from "~/server/forms.server";
import { requireProjectCapability } from "~/server/guards.server";
import {
  CRITERIA,
  buildReportData,
  renderMarkdown,
  reportToMarkdown,
  resolveReportScope,
  roleAllows,
  saveReportScope,
  saveReportSettings,
} from "~/server/research.server";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { project, role } = await requireProjectCapability(request, params.slug, "readReports");
  const [report, scope] = await Promise.all([
    buildReportData({
      store,
      slug: project.slug,
      includeMemberNetwork: false,
      includeCodeNetwork: false,
    }),
    resolveReportScope({ store, slug: project.slug }),
  ]);
  return {
    // Community names are for those who read the data; a strategist sees the report's own labels.
    scope: roleAllows(role, "readData") ? scope : { ...scope, communityIds: [], communities: [] },
    slug: project.slug,
    canEdit: roleAllows(role, "code"),
    canReadData: roleAllows(role, "readData"),
    preview: renderMarkdown(reportToMarkdown(report)),
    limitations: report.limitations,
    selfAssessment: report.selfAssessment,
  };
}

// Built when the action runs: CRITERIA comes from the server module, absent from the browser bundle, and a
// schema built at module level would throw there as the route loads.
const reportSettingsForm = () =>
  z.object({
    limitations: z.string().default(""),
    // selfAssessment.<criterion>.score and .note, one row of the table per criterion.
    selfAssessment: z
      .partialRecord(
        z.enum(CRITERIA),
        z.object({
          score: z.enum(["1", "2", "3", "4", "5"]).optional(),
          note: z.string().default(""),
        }),
      )
      .default({}),
  });

const ReportScopeForm = z.object({
  basis: z.enum(["discovery", "chosen"], { message: "Choose how the scope is set." }),
  communityIds: z.array(z.string()).default([]),
});

export async function action(args: ActionFunctionArgs) {
  return formAction(args, async ({ request, params }) => {
    const { project, user } = await requireProjectCapability(request, params.slug, "code");
    const formData = await request.formData();
    if (formData.get("formId") === "report-scope") {
      const choice = parseForm(formData, ReportScopeForm);
      await saveReportScope({
        store,
        slug: project.slug,
        userId: user.id,
        communityIds: choice.basis === "discovery" ? null : choice.communityIds,
      });
      return {
        ok: true as const,
        formId: "report-scope",
        message:
          choice.basis === "discovery"
            ? "The report now covers the communities selected in discovery."
            : "The report now covers the communities you chose.",
      };
    }
    const values = parseForm(formData, reportSettingsForm());
    const selfAssessment: Record<string, { score: number | null; note: string }> = {};
    for (const criterion of CRITERIA) {
      const row = values.selfAssessment[criterion];
      selfAssessment[criterion] = {
        score: row?.score ? Number(row.score) : null,
        note: row?.note ?? "",
      };
    }
    await saveReportSettings({
      store,
      slug: project.slug,
      limitations: values.limitations,
      selfAssessment,
      userId: user.id,
    });
    return { ok: true as const, message: "Saved." };
  });
}

export default function ReportPage() {
  const { slug, canEdit, canReadData, preview, limitations, selfAssessment, scope } =
    useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const sent = formState(actionData);
  const { formError } = sent;
  const base = `/projects/${slug}/reporting/download`;
  const saved = actionData && "message" in actionData ? actionData : null;
  const scopeSaved = saved && "formId" in saved ? saved.message : null;
  const settingsSaved = saved && !("formId" in saved) ? saved.message : null;
  return (
    <>
      <section className="card" aria-labelledby="downloads-heading">
        <h2 id="downloads-heading">Download</h2>
        <p className="row">
          <a className="button" href={`${base}/html`} download>
            HTML report
          </a>
          <a className="button secondary" href={`${base}/md`} download>
            Markdown
          </a>
          <a className="button secondary" href={`${base}/json`} download>
            JSON (findings as data)
          </a>
          {canReadData ? (
            <>
              <a className="button secondary" href={`${base}/qdpx`} download>
                REFI-QDA project (.qdpx)
              </a>
              <a className="button secondary" href={`${base}/qdc`} download>
                Codebook (.qdc)
              </a>
            </>
          ) : null}
        </p>
        <p className="small muted">
          The HTML report is self-contained (styles and maps inline) and prints to PDF from a
          browser. Every export uses the same cloaking and leaves out opted-out members.
        </p>
      </section>
      <section className="card" aria-labelledby="scope-heading">
        <h2 id="scope-heading">Communities the report covers</h2>
        <p className="small muted">
          Reports, maps, member checks and every export cover these communities only. By default
          they are the communities selected in community discovery; a community rejected there is
          never in a report.
        </p>
        {scopeSaved ? (
          <p className="notice" role="status">
            {scopeSaved}
          </p>
        ) : null}
        {canEdit ? (
          <ScopedForm formId="report-scope" method="post" className="stack">
            <ScopedFormError />
            <fieldset>
              <legend>Scope</legend>
              <label className="scope-choice">
                <input
                  type="radio"
                  name="basis"
                  value="discovery"
                  defaultChecked={scope.basis !== "chosen"}
                />{" "}
                As decided in discovery
                {scope.basis === "not-rejected"
                  ? " (none selected yet: every community not rejected)"
                  : ""}
              </label>
              <label className="scope-choice">
                <input
                  type="radio"
                  name="basis"
                  value="chosen"
                  defaultChecked={scope.basis === "chosen"}
                />{" "}
                These communities:
              </label>
              <ul className="scope-communities">
                {scope.communities.map((community) => (
                  <li key={community.id}>
                    <label>
                      <input
                        type="checkbox"
                        name="communityIds"
                        value={community.id}
                        defaultChecked={community.inScope}
                        disabled={community.rejected}
                      />{" "}
                      {community.name} <span className="muted small">({community.platform})</span>
                      {community.rejected ? (
                        <span className="muted small"> · rejected in discovery</span>
                      ) : null}
                    </label>
                  </li>
                ))}
              </ul>
            </fieldset>
            <button type="submit" className="secondary">
              Save scope
            </button>
          </ScopedForm>
        ) : (
          <ul>
            {scope.communities
              .filter((community) => community.inScope)
              .map((community) => (
                <li key={community.id}>{community.name}</li>
              ))}
          </ul>
        )}
      </section>
      {canEdit ? (
        <section className="card" aria-labelledby="settings-heading">
          <h2 id="settings-heading">Limitations and self-assessment</h2>
          {settingsSaved ? (
            <p className="notice" role="status">
              {settingsSaved}
            </p>
          ) : null}
          <FormError message={formError} />
          <Form method="post" className="stack">
            <Field
              label="Limitations"
              name="limitations"
              multiline
              rows={4}
              defaultValue={limitations}
            />
            <table aria-label="Self-assessment against Kozinets' criteria">
              <thead>
                <tr>
                  <th>Criterion</th>
                  <th>Score (1-5)</th>
                  <th>Note</th>
                </tr>
              </thead>
              <tbody>
                {selfAssessment.map((row) => (
                  <tr key={row.criterion}>
                    <th scope="row">{row.criterion}</th>
                    <td>
                      <select
                        name={`selfAssessment.${row.criterion}.score`}
                        aria-label={`${row.criterion} score`}
                        defaultValue={sent.value(
                          `selfAssessment.${row.criterion}.score`,
                          String(row.score ?? ""),
                        )}
                      >
                        <option value="">–</option>
                        {[1, 2, 3, 4, 5].map((n) => (
                          <option key={n} value={n}>
                            {n}
                          </option>
                        ))}
                      </select>
                    </td>
                    <td>
                      <input
                        type="text"
                        name={`selfAssessment.${row.criterion}.note`}
                        aria-label={`${row.criterion} note`}
                        defaultValue={sent.value(`selfAssessment.${row.criterion}.note`, row.note)}
                      />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            <button type="submit">Save</button>
          </Form>
        </section>
      ) : null}
      <section className="card" aria-labelledby="preview-heading">
        <h2 id="preview-heading">Preview</h2>
        <div className="note-body" dangerouslySetInnerHTML={{ __html: preview }} />
      </section>
    </>
  );
}
