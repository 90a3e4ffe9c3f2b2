import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useRevalidator } from "@remix-run/react";
import { useEffect } from "react";
import { z } from "zod";
import { formState } from "~/components/form-state";
import { FormError } from "~/components/field";
import { store } from "~/server/context.server";
import { env } from "~/server/env.server";
import { failForm, formAction, parseForm } from "~/server/forms.server";
import { requireProjectCapability } from "~/server/guards.server";
import {
  decideSuggestions,
  getAnnotationJob,
  getCorpusRevision,
  getSuggestionsJob,
  listCodes,
  listSuggestions,
  roleAllows,
  startAnnotationJob,
  startSuggestionsJob,
  suggestionCoverage,
  suggestionPrecision,
  type BackgroundJob,
} from "~/server/research.server";

const PAGE_SIZE = 50;

const Query = z.object({
  code: z.string().trim().optional().catch(undefined),
  page: z.coerce.number().int().min(1).default(1).catch(1),
});

/** What the page shows of a job: never its arguments or process. */
function presentJob<Report>(job: BackgroundJob<Report> | null) {
  if (!job) return null;
  const { id, state, progress, error, report, finishedAt } = job;
  return { id, state, progress, error, report, finishedAt };
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { project, role } = await requireProjectCapability(request, params.slug, "readData");
  const slug = project.slug;
  const query = Query.parse(Object.fromEntries(new URL(request.url).searchParams));
  const codes = await listCodes({ store, slug });
  const codeName = codes.some((code) => code.name === query.code) ? query.code : undefined;
  // Suggestions are read from the stored run (a background job computes them): never computed here.
  const [page, precision, coverage, suggestionsJob, annotationJob, revision] = await Promise.all([
    listSuggestions({
      store,
      slug,
      codeName,
      offset: (query.page - 1) * PAGE_SIZE,
      limit: PAGE_SIZE,
    }),
    suggestionPrecision({ store, slug }),
    suggestionCoverage({ store, slug }),
    getSuggestionsJob({ store, slug }),
    getAnnotationJob({ store, slug }),
    getCorpusRevision({ store, slug }),
  ]);
  const runRevision =
    suggestionsJob?.state === "done" ? suggestionsJob.report?.corpusRevision : undefined;
  return {
    slug,
    codeName,
    page: query.page,
    pages: Math.max(1, Math.ceil(page.total / PAGE_SIZE)),
    total: page.total,
    computed: page.computed,
    // Imports, erasures and consent changes since the run: its suggestions may miss new posts.
    stale: runRevision !== undefined && runRevision !== revision,
    canCode: roleAllows(role, "code"),
    suggestionsJob: presentJob(suggestionsJob),
    annotationJob: presentJob(annotationJob),
    codes: codes.map((c) => ({ id: c.id, name: c.name, colour: c.colour })),
    suggestions: page.suggestions,
    // One row per active code, with the decisions of codes since merged or deleted after them.
    perCode: [
      ...coverage.map((row) => ({
        ...row,
        decisions: precision.find((p) => p.codeId === row.codeId) ?? null,
      })),
      ...precision
        .filter((p) => !coverage.some((row) => row.codeId === p.codeId))
        .map((p) => ({
          codeId: p.codeId,
          codeName: p.codeName,
          codedPassages: null,
          pending: null,
          heldOut: null,
          decisions: p,
        })),
    ],
  };
}

// Ticked boxes and multiple selects: Conform reads one value or several as a list.
const ids = z.array(z.string()).default([]);
/** Bulk buttons send intent accept/reject with the ticked boxes; a row's own button sends accept:ID or reject:ID. */
const SuggestionForm = z.object({
  intent: z.string().regex(/^(accept|reject|annotate|compute)(:[0-9a-f]+)?$/, "Unknown action."),
  suggestionId: ids,
});

export async function action(args: ActionFunctionArgs) {
  return formAction(args, async ({ request, params }) => {
    const { project, user } = await requireProjectCapability(request, params.slug, "code");
    const input = parseForm(await request.formData(), SuggestionForm);
    const [verb, one] = input.intent.split(":");
    const slug = project.slug;
    if (verb === "annotate") {
      await startAnnotationJob({ store, dataDir: env.dataDir, slug, userId: user.id });
      return redirect(`/projects/${slug}/coding/suggestions`);
    }
    if (verb === "compute") {
      await startSuggestionsJob({ store, dataDir: env.dataDir, slug, userId: user.id });
      return redirect(`/projects/${slug}/coding/suggestions`);
    }
    const chosen = one ? [one] : input.suggestionId;
    if (chosen.length === 0) failForm("Tick the suggestions to accept or reject.");
    const decision = verb === "accept" ? "accepted" : "rejected";
    const count = await decideSuggestions({
      store,
      slug,
      suggestionIds: chosen,
      decision,
      userId: user.id,
    });
    const done = verb === "accept" ? "accepted and coded" : "rejected";
    return { ok: true as const, message: `${count} suggestion${count === 1 ? "" : "s"} ${done}.` };
  });
}

type JobView = {
  state: string;
  progress: { done: number; total: number; label: string } | null;
  error: string | null;
};

function JobProgress({ job, label }: { job: JobView; label: string }) {
  return (
    <div role="status" aria-live="polite">
      <noscript>
        <meta httpEquiv="refresh" content="2" />
      </noscript>
      <p>
        {label}… {job.progress?.label ?? "starting"}
      </p>
      <progress
        max={job.progress?.total || 1}
        value={job.progress?.done ?? 0}
        aria-label={`${label} progress`}
      />
    </div>
  );
}

export default function SuggestionsPage() {
  const data = useLoaderData<typeof loader>();
  const { slug, codeName, canCode, suggestionsJob, annotationJob, codes, suggestions, perCode } =
    data;
  const actionData = useActionData<typeof action>();
  const { formError } = formState(actionData);
  const message = actionData && "message" in actionData ? actionData.message : null;
  const revalidator = useRevalidator();
  const running = suggestionsJob?.state === "running" || annotationJob?.state === "running";
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => revalidator.state === "idle" && revalidator.revalidate(), 700);
    return () => clearInterval(timer);
  }, [running, revalidator]);
  const pageLink = (page: number) => {
    const params = new URLSearchParams();
    if (codeName) params.set("code", codeName);
    params.set("page", String(page));
    return `?${params.toString()}`;
  };
  return (
    <>
      <p className="muted">
        Suggestions never code anything by themselves: each says why it was made; you accept or
        reject it. Posts not in English only get keyword suggestions.
      </p>
      {message ? (
        <p className="notice" role="status">
          {message}
        </p>
      ) : null}
      <FormError message={formError} />
      <section className="card" aria-labelledby="nlp-heading">
        <h2 id="nlp-heading">NLP annotation</h2>
        {annotationJob?.state === "running" ? (
          <JobProgress job={annotationJob} label="Annotating" />
        ) : annotationJob?.state === "done" && annotationJob.report ? (
          <p className="notice" role="status">
            Annotation finished: {annotationJob.report.annotated} posts annotated,{" "}
            {annotationJob.report.notEnglish} flagged as not English.
          </p>
        ) : annotationJob?.state === "failed" ? (
          <p className="form-error" role="alert">
            {annotationJob.error}
          </p>
        ) : null}
        {canCode ? (
          <Form method="post">
            <input type="hidden" name="intent" value="annotate" />
            <button
              type="submit"
              className="secondary"
              disabled={annotationJob?.state === "running"}
            >
              Annotate new posts
            </button>
          </Form>
        ) : null}
        <p className="small muted">
          Annotation stores sentences, sentiment, entities, hashtags, mentions, emoji and key terms
          once, so suggestions and pages do not recompute them. It runs in the background.
        </p>
      </section>
      <section className="card" aria-labelledby="pending-heading">
        <h2 id="pending-heading">Pending suggestions</h2>
        {suggestionsJob?.state === "running" ? (
          <JobProgress job={suggestionsJob} label="Computing suggestions" />
        ) : suggestionsJob?.state === "failed" ? (
          <p className="form-error" role="alert">
            Computing suggestions failed: {suggestionsJob.error}
          </p>
        ) : suggestionsJob?.state === "done" && suggestionsJob.finishedAt ? (
          <p className="small muted" role="status">
            Computed {suggestionsJob.finishedAt.slice(0, 16).replace("T", " ")} UTC
            {suggestionsJob.report ? ` (${suggestionsJob.report.suggestions} suggestions)` : ""}.
            Decisions and codings made since are taken into account; compute again after new imports
            or codings.
            {data.stale
              ? " The corpus changed since (imports, erasures or consent): compute again."
              : ""}
          </p>
        ) : null}
        {canCode ? (
          <Form method="post">
            <input type="hidden" name="intent" value="compute" />
            <button type="submit" disabled={suggestionsJob?.state === "running"}>
              {data.computed ? "Compute suggestions again" : "Compute suggestions"}
            </button>
          </Form>
        ) : null}
        <Form method="get" className="row">
          <div className="field">
            <label htmlFor="code-filter">For code</label>
            <select id="code-filter" name="code" defaultValue={codeName ?? ""}>
              <option value="">All codes</option>
              {codes.map((c) => (
                <option key={c.id} value={c.name}>
                  {c.name}
                </option>
              ))}
            </select>
          </div>
          <button type="submit" className="secondary">
            Show
          </button>
        </Form>
        {suggestions.length === 0 ? (
          <p className="muted">
            {data.computed
              ? "No pending suggestion. Code a few passages, mark codes as affective, or add keywords to code definitions, then compute again."
              : "No suggestions computed yet: compute them (it runs in the background)."}
          </p>
        ) : (
          <Form method="post" aria-label="Suggestions">
            <p className="small muted">
              {data.total} pending suggestion{data.total === 1 ? "" : "s"}
              {codeName ? ` for ${codeName}` : ""}.
            </p>
            <table aria-label="Pending suggestions">
              <thead>
                <tr>
                  <th>
                    <span className="visually-hidden">Select</span>
                  </th>
                  <th>Code</th>
                  <th>Passage</th>
                  <th className="num">Score</th>
                  <th>Why</th>
                  <th>
                    <span className="visually-hidden">Decide</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {suggestions.map((s) => (
                  <tr key={s.id}>
                    <td>
                      <input
                        type="checkbox"
                        name="suggestionId"
                        value={s.id}
                        aria-label={`Select suggestion ${s.codeName} for “${s.quote.slice(0, 40)}”`}
                      />
                    </td>
                    <td>{s.codeName}</td>
                    <td className="small">
                      “{s.quote.slice(0, 220)}
                      {s.quote.length > 220 ? "…" : ""}”<br />
                      <Link to={`/projects/${slug}/coding/threads/${s.threadId}`} className="muted">
                        {s.author}, {s.sourceName}
                      </Link>
                    </td>
                    <td className="num">{s.score.toFixed(2)}</td>
                    <td className="small">{s.reason}</td>
                    <td>
                      {canCode ? (
                        <div className="row">
                          <button
                            type="submit"
                            name="intent"
                            value={`accept:${s.id}`}
                            className="small"
                            aria-label={`Accept ${s.codeName} for “${s.quote.slice(0, 40)}”`}
                          >
                            Accept
                          </button>
                          <button
                            type="submit"
                            name="intent"
                            value={`reject:${s.id}`}
                            className="secondary small"
                            aria-label={`Reject ${s.codeName} for “${s.quote.slice(0, 40)}”`}
                          >
                            Reject
                          </button>
                        </div>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {canCode ? (
              <div className="row" style={{ marginTop: ".75rem" }}>
                <button type="submit" name="intent" value="accept">
                  Accept selected
                </button>
                <button type="submit" name="intent" value="reject" className="secondary">
                  Reject selected
                </button>
              </div>
            ) : null}
          </Form>
        )}
        {data.pages > 1 ? (
          <nav aria-label="Pages" className="row" style={{ marginTop: "1rem" }}>
            {data.page > 1 ? <Link to={pageLink(data.page - 1)}>Previous</Link> : null}
            <span>
              Page {data.page} of {data.pages}
            </span>
            {data.page < data.pages ? <Link to={pageLink(data.page + 1)}>Next</Link> : null}
          </nav>
        ) : null}
      </section>
      <section className="card" aria-labelledby="precision-heading">
        <h2 id="precision-heading">Coverage and precision per code</h2>
        <p className="small muted">
          Held-out reach: every third passage coded with a code is set aside when suggestions run
          and scored against the rest, as an uncoded passage would be; the share that would rank
          among the code&apos;s kept suggestions is an estimate of how much of the code&apos;s like
          the suggestions find (codes with fewer than six coded passages get none). Precision:
          accepted among decided suggestions.
        </p>
        {perCode.length === 0 ? (
          <p className="muted small">No code yet.</p>
        ) : (
          <table aria-label="Coverage and precision per code">
            <thead>
              <tr>
                <th>Code</th>
                <th className="num">Coded passages</th>
                <th className="num">Pending</th>
                <th className="num">Held-out reach</th>
                <th className="num">Accepted</th>
                <th className="num">Rejected</th>
                <th className="num">Precision</th>
                <th>By kind (accepted/rejected)</th>
              </tr>
            </thead>
            <tbody>
              {perCode.map((row) => {
                const p = row.decisions;
                return (
                  <tr key={row.codeId}>
                    <td>{row.codeName}</td>
                    <td className="num">{row.codedPassages ?? "—"}</td>
                    <td className="num">{row.pending ?? "—"}</td>
                    <td className="num">
                      {row.heldOut
                        ? `${Math.round((row.heldOut.reached / row.heldOut.tested) * 100)}% of ${row.heldOut.tested}`
                        : "—"}
                    </td>
                    <td className="num">{p?.accepted ?? 0}</td>
                    <td className="num">{p?.rejected ?? 0}</td>
                    <td className="num">
                      {p?.precision == null ? "—" : `${Math.round(p.precision * 100)}%`}
                    </td>
                    <td className="small">
                      {p
                        ? `similar ${p.byKind.similar.accepted}/${p.byKind.similar.rejected} · keyword ${p.byKind.keyword.accepted}/${p.byKind.keyword.rejected} · sentiment ${p.byKind.sentiment.accepted}/${p.byKind.sentiment.rejected}`
                        : "no decision yet"}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}
