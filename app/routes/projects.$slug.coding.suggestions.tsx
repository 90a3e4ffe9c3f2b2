import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useRevalidator } from "@remix-run/react";
import { useEffect } from "react";
import { z } from "zod";
import { actionErrors } from "~/components/action-result";
import { FormError } from "~/components/field";
import { store } from "~/server/context.server";
import { env } from "~/server/env.server";
import { failForm, formAction, parseForm } from "~/server/forms.server";
import { requireProjectCapability } from "~/server/guards.server";
import { computeSuggestions, decideSuggestions, getJob, listCodes, loadVisibleCorpus, roleAllows, startCliJob, suggestionPrecision } from "~/server/research.server";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { project, role } = await requireProjectCapability(request, params.slug, "readData");
  const url = new URL(request.url);
  const codeName = url.searchParams.get("code") || undefined;
  const jobId = url.searchParams.get("job");
  const job = jobId ? getJob<{ annotated: number; notEnglish: number }>({ slug: project.slug, jobId }) : null;
  const [codes, suggestions, precision, corpus] = await Promise.all([
    listCodes({ store, slug: project.slug }),
    computeSuggestions({ store, slug: project.slug, codeName: codeName && (await listCodes({ store, slug: project.slug })).some((c) => c.name === codeName) ? codeName : undefined, limit: 60 }),
    suggestionPrecision({ store, slug: project.slug }),
    loadVisibleCorpus({ store, slug: project.slug }),
  ]);
  return {
    slug: project.slug, codeName, canCode: roleAllows(role, "code"),
    job: job ? { id: job.id, state: job.state, progress: job.progress, error: job.error, report: job.report } : null,
    codes: codes.map((c) => ({ id: c.id, name: c.name, colour: c.colour })),
    suggestions: suggestions.map((s) => ({ ...s, threadId: corpus.postsById.get(s.sourceId)?.threadId ?? "", author: corpus.members.get(corpus.postsById.get(s.sourceId)?.memberId ?? "")?.pseudonym ?? "[deleted]" })),
    precision,
  };
}

const ids = z.union([z.string(), z.array(z.string())]).optional().transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]));
/** Bulk buttons send intent accept/reject with the ticked boxes; a row's own button sends accept:ID or reject:ID. */
const SuggestionForm = z.object({
  intent: z.string().regex(/^(accept|reject|annotate)(:[0-9a-f]+)?$/, "Unknown action."),
  suggestionId: ids,
});

export async function action(args: ActionFunctionArgs) {
  return formAction(args, async ({ request, params }) => {
    const { project, user } = await requireProjectCapability(request, params.slug, "code");
    const input = parseForm(await request.formData(), SuggestionForm);
    const [verb, one] = input.intent.split(":");
    if (verb === "annotate") {
      const job = startCliJob({ kind: "annotate", slug: project.slug, userId: user.id, title: "NLP annotation", args: ["annotate", project.slug], dataDir: env.dataDir });
      return redirect(`/projects/${project.slug}/coding/suggestions?job=${job.id}`);
    }
    const chosen = one ? [one] : input.suggestionId;
    if (chosen.length === 0) failForm("Tick the suggestions to accept or reject.");
    const count = await decideSuggestions({ store, slug: project.slug, suggestionIds: chosen, decision: verb === "accept" ? "accepted" : "rejected", userId: user.id });
    return { ok: true as const, message: `${count} suggestion${count === 1 ? "" : "s"} ${verb === "accept" ? "accepted and coded" : "rejected"}.` };
  });
}

export default function SuggestionsPage() {
  const { slug, codeName, canCode, job, codes, suggestions, precision } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const { formError } = actionErrors(actionData);
  const message = actionData && "message" in actionData ? actionData.message : null;
  const revalidator = useRevalidator();
  useEffect(() => {
    if (job?.state !== "running") return;
    const timer = setInterval(() => revalidator.state === "idle" && revalidator.revalidate(), 700);
    return () => clearInterval(timer);
  }, [job?.state, revalidator]);
  return (
    <>
      <p className="muted">Suggestions never code anything by themselves: each says why it was made; you accept or reject it. Posts not in English only get keyword suggestions.</p>
      {message ? <p className="notice" role="status">{message}</p> : null}
      <FormError message={formError} />
      <section className="card" aria-labelledby="nlp-heading">
        <h2 id="nlp-heading">NLP annotation</h2>
        {job?.state === "running" ? (
          <div role="status" aria-live="polite"><noscript><meta httpEquiv="refresh" content="2" /></noscript>
            <p>Annotating… {job.progress?.label ?? "starting"}</p>
            <progress max={job.progress?.total || 1} value={job.progress?.done ?? 0} aria-label="Annotation progress" />
          </div>
        ) : job?.state === "done" && job.report ? <p className="notice" role="status">Annotation finished: {job.report.annotated} posts annotated, {job.report.notEnglish} flagged as not English.</p>
          : job?.state === "failed" ? <p className="form-error" role="alert">{job.error}</p> : null}
        {canCode ? <Form method="post"><input type="hidden" name="intent" value="annotate" /><button type="submit" className="secondary">Annotate new posts</button></Form> : null}
        <p className="small muted">Annotation stores sentences, sentiment, entities, hashtags, mentions, emoji and key terms once, so suggestions and pages do not recompute them. It runs in the background.</p>
      </section>
      <section className="card" aria-labelledby="pending-heading">
        <h2 id="pending-heading">Pending suggestions</h2>
        <Form method="get" className="row">
          <div className="field"><label htmlFor="code-filter">For code</label>
            <select id="code-filter" name="code" defaultValue={codeName ?? ""}><option value="">All codes</option>{codes.map((c) => <option key={c.id} value={c.name}>{c.name}</option>)}</select></div>
          <button type="submit" className="secondary">Show</button>
        </Form>
        {suggestions.length === 0 ? <p className="muted">No pending suggestion. Code a few passages, mark codes as affective, or add keywords to code definitions.</p> : (
          <Form method="post" aria-label="Suggestions">
            <table aria-label="Pending suggestions">
              <thead><tr><th><span className="visually-hidden">Select</span></th><th>Code</th><th>Passage</th><th className="num">Score</th><th>Why</th><th><span className="visually-hidden">Decide</span></th></tr></thead>
              <tbody>
                {suggestions.map((s) => (
                  <tr key={s.id}>
                    <td><input type="checkbox" name="suggestionId" value={s.id} aria-label={`Select suggestion ${s.codeName} for “${s.quote.slice(0, 40)}”`} /></td>
                    <td>{s.codeName}</td>
                    <td className="small">“{s.quote.slice(0, 220)}{s.quote.length > 220 ? "…" : ""}”<br /><Link to={`/projects/${slug}/coding/threads/${s.threadId}`} className="muted">{s.author}, {s.sourceName}</Link></td>
                    <td className="num">{s.score.toFixed(2)}</td>
                    <td className="small">{s.reason}</td>
                    <td>{canCode ? (
                      <div className="row">
                        <button type="submit" name="intent" value={`accept:${s.id}`} className="small" aria-label={`Accept ${s.codeName} for “${s.quote.slice(0, 40)}”`}>Accept</button>
                        <button type="submit" name="intent" value={`reject:${s.id}`} className="secondary small" aria-label={`Reject ${s.codeName} for “${s.quote.slice(0, 40)}”`}>Reject</button>
                      </div>
                    ) : null}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {canCode ? (
              <div className="row" style={{ marginTop: ".75rem" }}>
                <button type="submit" name="intent" value="accept">Accept selected</button>
                <button type="submit" name="intent" value="reject" className="secondary">Reject selected</button>
              </div>
            ) : null}
          </Form>
        )}
      </section>
      <section className="card" aria-labelledby="precision-heading">
        <h2 id="precision-heading">Precision of suggestions per code</h2>
        {precision.length === 0 ? <p className="muted small">No decision yet.</p> : (
          <table><thead><tr><th>Code</th><th className="num">Accepted</th><th className="num">Rejected</th><th className="num">Precision</th><th>By kind (accepted/rejected)</th></tr></thead>
            <tbody>{precision.map((p) => <tr key={p.codeId}><td>{p.codeName}</td><td className="num">{p.accepted}</td><td className="num">{p.rejected}</td><td className="num">{p.precision === null ? "—" : `${Math.round(p.precision * 100)}%`}</td>
              <td className="small">similar {p.byKind.similar.accepted}/{p.byKind.similar.rejected} · keyword {p.byKind.keyword.accepted}/{p.byKind.keyword.rejected} · sentiment {p.byKind.sentiment.accepted}/{p.byKind.sentiment.rejected}</td></tr>)}</tbody></table>
        )}
      </section>
    </>
  );
}
