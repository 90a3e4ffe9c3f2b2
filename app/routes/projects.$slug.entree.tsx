import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { formState } from "~/components/form-state";
import { Field, FormError, SelectField } from "~/components/field";
import { store } from "~/server/context.server";
import { failForm, formAction, parseForm } from "~/server/forms.server";
import { requireProjectCapability } from "~/server/guards.server";
import {
  CLOAKING_IMPLICATIONS,
  addDisclosureResponse,
  draftDisclosure,
  getConsentLog,
  getEthicsOverview,
  listAudit,
  purgeMember,
  recordConsent,
  roleAllows,
  saveDisclosure,
  saveEthicsPlan,
} from "~/server/research.server";

const CONSENT_PAGE_SIZE = 100;
const ConsentQuery = z.object({
  q: z.string().trim().max(200).catch(""),
  page: z.coerce.number().int().min(1).max(100_000).catch(1),
});

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { project, role } = await requireProjectCapability(request, params.slug, "readData");
  const search = new URL(request.url).searchParams;
  const { q, page } = ConsentQuery.parse({
    q: search.get("q") ?? "",
    page: search.get("page") ?? 1,
  });
  const slug = project.slug;
  const [overview, log, audit] = await Promise.all([
    getEthicsOverview({ store, slug }),
    getConsentLog({
      store,
      slug,
      q,
      limit: CONSENT_PAGE_SIZE,
      offset: (page - 1) * CONSENT_PAGE_SIZE,
    }),
    listAudit({ store, slug, limit: 20 }),
  ]);
  return {
    slug,
    overview,
    q,
    page,
    pageCount: Math.max(1, Math.ceil(log.total / CONSENT_PAGE_SIZE)),
    canEditEthics: roleAllows(role, "editEthics"),
    canManageConsent: roleAllows(role, "manageConsent"),
    implications: CLOAKING_IMPLICATIONS,
    consent: log.rows,
    consentTotal: log.total,
    audit,
  };
}

const PLAN_TEXT_FIELDS = [
  "spaceReason",
  "vulnerableNotes",
  "disclosure",
  "communityRules",
  "termsOfService",
  "boardName",
  "boardReference",
  "boardDate",
  "boardFile",
  "retention",
  "deletionDate",
  "specialCategories",
  "legalBasis",
  "storageLocation",
  "rawDataAccess",
  "researcherRisks",
  "memberCheckVeto",
] as const;
const PLAN_CHOICE_FIELDS = [
  "space",
  "privacyExpectation",
  "consentApproach",
  "vulnerablePeople",
  "keepsHandleKey",
  "cloakingLevel",
] as const;

const EntreeForm = z.discriminatedUnion("intent", [
  z.object({
    intent: z.literal("save-plan"),
    stage: z.string(),
    note: z.string().default(""),
    ...Object.fromEntries(
      [...PLAN_TEXT_FIELDS, ...PLAN_CHOICE_FIELDS].map((field) => [field, z.string().default("")]),
    ),
    pseudonymisedFields: z.array(z.string()).default([]),
  }),
  z.object({ intent: z.literal("draft-disclosure") }),
  z.object({
    intent: z.literal("save-disclosure"),
    draft: z.string().default(""),
    postedWhere: z.string().default(""),
    postedAt: z.string().default(""),
  }),
  z.object({ intent: z.literal("add-response"), summary: z.string() }),
  z.object({
    intent: z.literal("consent"),
    memberId: z.string(),
    status: z.string().default(""),
    evidence: z.string().default(""),
    date: z.string().default(""),
  }),
  z.object({ intent: z.literal("purge"), memberId: z.string(), confirm: z.string().optional() }),
]);

export async function action(args: ActionFunctionArgs) {
  return formAction(args, async ({ request, params }) => {
    // Each command checks the role table itself (owner only for everything here); the guard only
    // turns away those who may not even read this phase.
    const { project, user } = await requireProjectCapability(request, params.slug, "readData");
    const formData = await request.formData();
    const input = parseForm(formData, EntreeForm);
    const slug = project.slug;
    switch (input.intent) {
      case "save-plan": {
        const { intent: _intent, stage: _stage, note: _note, ...plan } = input;
        const version = await saveEthicsPlan({
          store,
          slug,
          stage: input.stage,
          plan,
          note: input.note,
          userId: user.id,
        });
        return { ok: true as const, message: `Ethics plan saved as version ${version}.` };
      }
      case "draft-disclosure": {
        const draft = await draftDisclosure({ store, slug, researcherName: user.name });
        const overview = await getEthicsOverview({ store, slug });
        await saveDisclosure({
          store,
          slug,
          draft,
          postedWhere: overview.disclosure.postedWhere,
          postedAt: overview.disclosure.postedAt,
          userId: user.id,
        });
        return {
          ok: true as const,
          message: "Disclosure post drafted from the template: edit it before posting.",
        };
      }
      case "save-disclosure":
        await saveDisclosure({
          store,
          slug,
          draft: input.draft,
          postedWhere: input.postedWhere,
          postedAt: input.postedAt,
          userId: user.id,
        });
        return { ok: true as const, message: "Disclosure saved." };
      case "add-response":
        await addDisclosureResponse({ store, slug, summary: input.summary, userId: user.id });
        return { ok: true as const, message: "Response recorded." };
      case "consent":
        if (!input.status) failForm("Choose a consent status.", "status");
        await recordConsent({
          store,
          slug,
          memberId: input.memberId,
          status: input.status,
          evidence: input.evidence,
          date: input.date || undefined,
          userId: user.id,
        });
        return {
          ok: true as const,
          message:
            input.status === "opted-out"
              ? "Opt-out recorded: the member's posts are gone from every view, suggestion, map, report and export."
              : "Consent recorded.",
        };
      case "purge": {
        if (input.confirm !== "erase")
          failForm("Type erase to confirm: erasure cannot be undone.", "confirm");
        const result = await purgeMember({
          store,
          slug,
          memberId: input.memberId,
          userId: user.id,
        });
        return {
          ok: true as const,
          message: `Member erased for good: ${result.posts} posts and ${result.codings} codings removed. The audit log keeps no content.`,
        };
      }
    }
  });
}

const CHOICES: Record<
  (typeof PLAN_CHOICE_FIELDS)[number],
  Array<{ value: string; label: string }>
> = {
  space: [
    { value: "", label: "Not decided" },
    { value: "public", label: "Public" },
    { value: "semi-public", label: "Semi-public (registration needed)" },
    { value: "private", label: "Private" },
  ],
  privacyExpectation: [
    { value: "", label: "Not assessed" },
    { value: "low", label: "Low" },
    { value: "moderate", label: "Moderate" },
    { value: "high", label: "High" },
  ],
  consentApproach: [
    { value: "", label: "Not decided" },
    { value: "none-needed", label: "None needed (public, low risk)" },
    { value: "community-level", label: "Community-level (moderators, disclosure post)" },
    { value: "individual", label: "Individual consent" },
  ],
  vulnerablePeople: [
    { value: "", label: "Not assessed" },
    { value: "unlikely", label: "Unlikely" },
    { value: "possible", label: "Possible" },
    { value: "present", label: "Present" },
  ],
  keepsHandleKey: [
    { value: "", label: "Not decided" },
    { value: "no", label: "No key to real handles is kept" },
    { value: "yes", label: "A key is kept (secured, deleted with the data)" },
  ],
  cloakingLevel: [
    { value: "", label: "Not chosen (reports use medium)" },
    { value: "uncloaked", label: "Uncloaked" },
    { value: "minimum", label: "Minimum" },
    { value: "medium", label: "Medium" },
    { value: "maximum", label: "Maximum" },
  ],
};
const LABELS: Record<string, string> = {
  spaceReason: "Why the space is public or private",
  vulnerableNotes: "Notes on minors or vulnerable people",
  disclosure: "How the researcher discloses their presence",
  communityRules: "The community's own rules (and what they say about research)",
  termsOfService: "The platform's terms of service",
  boardName: "Ethics board",
  boardReference: "Approval reference (or why none is needed)",
  boardDate: "Approval date",
  boardFile: "Approval document (file name or link)",
  retention: "Data retention rule",
  deletionDate: "Deletion date",
  specialCategories: "Special categories of personal data (health, religion, sexuality…)",
  legalBasis: "Legal basis for processing",
  storageLocation: "Where data is stored",
  rawDataAccess: "Who sees raw data (the brand client should not)",
  researcherRisks: "Risks to the researchers themselves",
  memberCheckVeto: "What members may veto at member check",
  space: "Public or private space",
  privacyExpectation: "Do members expect privacy?",
  consentApproach: "Consent approach",
  vulnerablePeople: "Minors or vulnerable people",
  keepsHandleKey: "Key to real handles",
  cloakingLevel: "Cloaking level for reporting",
};

/** The plan as a researcher sees it: every field, no form, since only the owner changes it. */
function ReadOnlyPlan({ plan }: { plan: Record<string, unknown> | null }) {
  if (!plan) return <p className="small muted">The owner has not saved an ethics plan yet.</p>;
  const choiceLabel = (field: (typeof PLAN_CHOICE_FIELDS)[number]) =>
    CHOICES[field].find((choice) => choice.value === plan[field])?.label ?? "Not decided";
  const fields = Array.isArray(plan.pseudonymisedFields) ? plan.pseudonymisedFields : [];
  return (
    <dl className="small">
      {PLAN_CHOICE_FIELDS.map((field) => (
        <div key={field}>
          <dt>{LABELS[field]}</dt>
          <dd>{choiceLabel(field)}</dd>
        </div>
      ))}
      <div>
        <dt>Pseudonymised fields</dt>
        <dd>{fields.length ? fields.join(", ") : "None"}</dd>
      </div>
      {PLAN_TEXT_FIELDS.map((field) => (
        <div key={field}>
          <dt>{LABELS[field]}</dt>
          <dd>{typeof plan[field] === "string" && plan[field] ? String(plan[field]) : "—"}</dd>
        </div>
      ))}
    </dl>
  );
}

function consentPageUrl(q: string, page: number): string {
  const params = new URLSearchParams();
  if (q) params.set("q", q);
  params.set("page", String(page));
  return `?${params.toString()}`;
}

export default function EntreePage() {
  const {
    overview,
    q,
    page,
    pageCount,
    canEditEthics,
    canManageConsent,
    implications,
    consent,
    consentTotal,
    audit,
  } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const sent = formState(actionData);
  const { formError, fieldErrors } = sent;
  const message = actionData && "message" in actionData ? actionData.message : null;
  const plan = overview.plan;
  const missing = overview.checklist.filter((item) => !item.done);
  return (
    <>
      <h1>Ethical entrée</h1>
      <p className="muted">
        Phase 3: the ethics plan (after the AoIR guidelines 3.0), the disclosure post, and a consent
        log per member. Opt-outs are honoured everywhere from the moment they are recorded.
      </p>
      {message ? (
        <p className="notice" role="status">
          {message}
        </p>
      ) : null}
      <FormError message={formError} />
      <section
        className={missing.length ? "warning" : "notice"}
        aria-labelledby="checklist-heading"
      >
        <h2 id="checklist-heading" style={{ marginTop: 0 }}>
          {missing.length
            ? `The plan still lacks ${missing.length} item${missing.length === 1 ? "" : "s"}`
            : "The ethics plan covers every item"}
        </h2>
        <ul className="small">
          {overview.checklist.map((item) => (
            <li key={item.field}>
              {item.done ? "✓" : "○"} {item.label}
            </li>
          ))}
        </ul>
        <p className="small">
          Cloaking used for reports and exports: <strong>{overview.cloakingLevel}</strong>
          {overview.cloakingIsDefault ? " (default until the plan sets one)" : ""}.
        </p>
      </section>

      <section className="card" aria-labelledby="plan-heading">
        <h2 id="plan-heading">
          Ethics plan {overview.versions.length ? `(version ${overview.versions.length})` : ""}
        </h2>
        {canEditEthics ? (
          <Form method="post" className="stack" key={overview.versions.length}>
            <input type="hidden" name="intent" value="save-plan" />
            <div className="grid-2">
              {PLAN_CHOICE_FIELDS.filter((f) => f !== "cloakingLevel").map((field) => (
                <SelectField
                  key={field}
                  label={LABELS[field]}
                  name={field}
                  defaultValue={plan?.[field] ?? ""}
                  options={CHOICES[field]}
                  error={fieldErrors[field]}
                />
              ))}
            </div>
            <fieldset>
              <legend>
                <strong>{LABELS.cloakingLevel}</strong>
              </legend>
              {CHOICES.cloakingLevel.map((choice) => (
                <label key={choice.value} style={{ display: "block", marginBottom: ".4rem" }}>
                  <input
                    type="radio"
                    name="cloakingLevel"
                    value={choice.value}
                    defaultChecked={
                      sent.value("cloakingLevel", plan?.cloakingLevel ?? "") === choice.value
                    }
                  />{" "}
                  {choice.label}
                  {choice.value ? (
                    <span
                      className="small muted"
                      style={{ display: "block", marginLeft: "1.5rem" }}
                    >
                      {implications[choice.value as keyof typeof implications]}
                    </span>
                  ) : null}
                </label>
              ))}
            </fieldset>
            <fieldset>
              <legend>
                <strong>Pseudonymised fields</strong>
              </legend>
              {[
                "handles",
                "display names",
                "mentions in text",
                "signatures",
                "links to profiles",
                "locations",
              ].map((field) => (
                <label key={field} style={{ marginRight: "1rem" }}>
                  <input
                    type="checkbox"
                    name="pseudonymisedFields"
                    value={field}
                    defaultChecked={sent
                      .values("pseudonymisedFields", plan?.pseudonymisedFields ?? [])
                      ?.includes(field)}
                  />{" "}
                  {field}
                </label>
              ))}
            </fieldset>
            <div className="grid-2">
              {PLAN_TEXT_FIELDS.map((field) => (
                <Field
                  key={field}
                  label={LABELS[field]}
                  name={field}
                  type={field === "deletionDate" || field === "boardDate" ? "date" : "text"}
                  multiline={
                    ![
                      "boardName",
                      "boardReference",
                      "boardDate",
                      "boardFile",
                      "deletionDate",
                    ].includes(field)
                  }
                  rows={2}
                  defaultValue={plan?.[field] ?? ""}
                  error={fieldErrors[field]}
                />
              ))}
            </div>
            <div className="row">
              <SelectField
                label="Study stage of this version"
                name="stage"
                options={[
                  { value: "design", label: "Design" },
                  { value: "collection", label: "Collection" },
                  { value: "analysis", label: "Analysis" },
                  { value: "dissemination", label: "Dissemination" },
                ]}
                defaultValue={overview.versions.at(-1)?.stage ?? "design"}
              />
              <Field label="What changed and why" name="note" />
            </div>
            <button type="submit">Save as new version</button>
          </Form>
        ) : (
          <ReadOnlyPlan plan={plan} />
        )}
        {overview.versions.length > 0 ? (
          <details>
            <summary>Version history</summary>
            <ol className="small">
              {overview.versions.map((v) => (
                <li key={v.version}>
                  v{v.version}, {v.stage}, {v.savedAt.slice(0, 16).replace("T", " ")}
                  {v.note ? `: ${v.note}` : ""}
                </li>
              ))}
            </ol>
          </details>
        ) : null}
      </section>

      <section className="card" aria-labelledby="disclosure-heading">
        <h2 id="disclosure-heading">Disclosure post</h2>
        {canEditEthics ? (
          <>
            <Form method="post">
              <input type="hidden" name="intent" value="draft-disclosure" />
              <button type="submit" className="secondary">
                Draft from template
              </button>
            </Form>
            <Form method="post" className="stack" key={overview.disclosure.draft.length}>
              <input type="hidden" name="intent" value="save-disclosure" />
              <Field
                label="Post text"
                name="draft"
                multiline
                rows={8}
                defaultValue={overview.disclosure.draft}
              />
              <div className="row">
                <Field
                  label="Posted where"
                  name="postedWhere"
                  defaultValue={overview.disclosure.postedWhere}
                />
                <Field
                  label="Posted on"
                  name="postedAt"
                  type="date"
                  defaultValue={overview.disclosure.postedAt}
                  error={fieldErrors.postedAt}
                />
              </div>
              <button type="submit">Save disclosure</button>
            </Form>
          </>
        ) : overview.disclosure.draft ? (
          <>
            <pre className="small" style={{ whiteSpace: "pre-wrap" }}>
              {overview.disclosure.draft}
            </pre>
            <p className="small muted">
              {overview.disclosure.postedAt
                ? `Posted ${overview.disclosure.postedAt}${overview.disclosure.postedWhere ? ` in ${overview.disclosure.postedWhere}` : ""}.`
                : "Not posted yet."}
            </p>
          </>
        ) : (
          <p className="small muted">No disclosure post drafted yet.</p>
        )}
        <h3>Community responses</h3>
        <ul className="small">
          {overview.disclosure.responses.map((r, i) => (
            <li key={i}>
              {r.at.slice(0, 10)}: {r.summary}
            </li>
          ))}
        </ul>
        {canEditEthics ? (
          <Form method="post" className="row">
            <input type="hidden" name="intent" value="add-response" />
            <Field label="Response summary" name="summary" error={fieldErrors.summary} />
            <button type="submit" className="secondary">
              Record response
            </button>
          </Form>
        ) : null}
      </section>

      <section className="card" aria-labelledby="consent-heading">
        <h2 id="consent-heading">Consent log</h2>
        <Form method="get" className="row" role="search">
          <Field
            label="Find a member"
            name="q"
            defaultValue={q}
            placeholder="handle or pseudonym"
          />
          <button type="submit" className="secondary">
            Find
          </button>
        </Form>
        <p className="small muted">
          {consentTotal} member{consentTotal === 1 ? "" : "s"}
          {pageCount > 1 ? `, page ${page} of ${pageCount}` : ""}.
        </p>
        <table aria-label="Consent log">
          <thead>
            <tr>
              <th>Member</th>
              <th>Status</th>
              {canManageConsent ? <th>Record</th> : null}
              {canManageConsent ? <th>Erase</th> : null}
            </tr>
          </thead>
          <tbody>
            {consent.map((row) => (
              <tr key={row.member.id}>
                <td>
                  {row.member.handle}
                  <br />
                  <span className="small muted">
                    {row.member.pseudonym} · {row.member.platform} · {row.member.postCount} posts
                  </span>
                </td>
                <td>
                  {row.status ?? <span className="muted">not recorded</span>}
                  {row.entries[0] ? (
                    <div className="small muted">
                      {row.entries[0].date.slice(0, 10)}
                      {row.entries[0].evidence ? `: ${row.entries[0].evidence}` : ""}
                    </div>
                  ) : null}
                </td>
                {canManageConsent ? (
                  <td>
                    {/* Keyed by the log's length: once an entry is recorded the form starts empty
                        again; a refused one keeps what was typed. */}
                    <Form method="post" className="row" key={row.entries.length}>
                      <input type="hidden" name="intent" value="consent" />
                      <input type="hidden" name="memberId" value={row.member.id} />
                      <select
                        name="status"
                        aria-label={`Consent of ${row.member.handle}`}
                        required
                        defaultValue={row.status ?? ""}
                      >
                        {/* No preselected status: an accidental consent must not be one click away. */}
                        <option value="">Choose…</option>
                        <option value="consented">consented</option>
                        <option value="declined">declined</option>
                        <option value="opted-out">opted out</option>
                        <option value="paraphrase-only">paraphrase only</option>
                      </select>
                      <input
                        type="text"
                        name="evidence"
                        aria-label={`Evidence for ${row.member.handle}`}
                        placeholder="evidence (link, message)"
                      />
                      <input type="date" name="date" aria-label={`Date for ${row.member.handle}`} />
                      <button
                        type="submit"
                        className="secondary"
                        aria-label={`Record consent of ${row.member.handle}`}
                      >
                        Record
                      </button>
                    </Form>
                  </td>
                ) : null}
                {canManageConsent ? (
                  <td>
                    <Form method="post" className="row">
                      <input type="hidden" name="intent" value="purge" />
                      <input type="hidden" name="memberId" value={row.member.id} />
                      <input
                        type="text"
                        name="confirm"
                        aria-label={`Type erase to erase ${row.member.handle}`}
                        placeholder="type erase"
                        style={{ width: "7rem" }}
                      />
                      <button
                        type="submit"
                        className="danger"
                        aria-label={`Erase ${row.member.handle} for good`}
                      >
                        Erase
                      </button>
                    </Form>
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
        {pageCount > 1 ? (
          <nav aria-label="Consent log pages" className="row small">
            {page > 1 ? <Link to={consentPageUrl(q, page - 1)}>Previous page</Link> : null}
            {page < pageCount ? <Link to={consentPageUrl(q, page + 1)}>Next page</Link> : null}
          </nav>
        ) : null}
        {fieldErrors.status ? (
          <p className="error" role="alert">
            {fieldErrors.status}
          </p>
        ) : null}
        {fieldErrors.confirm ? (
          <p className="error" role="alert">
            {fieldErrors.confirm}
          </p>
        ) : null}
      </section>

      <section className="card" aria-labelledby="audit-heading">
        <h2 id="audit-heading">Audit log</h2>
        {audit.length === 0 ? (
          <p className="muted small">Nothing recorded yet.</p>
        ) : (
          <ul className="small">
            {audit.map((entry, i) => (
              <li key={i}>
                {entry.at.slice(0, 16).replace("T", " ")} · {entry.action} · {entry.detail}
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}
