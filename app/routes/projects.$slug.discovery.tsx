import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { formState, type FormState } from "~/components/form-state";
import { ConfirmedRemoval } from "~/components/confirmed-removal";
import { Field, FormError, SelectField, ScopedForm } from "~/components/field";
import { store } from "~/server/context.server";
import { formAction, parseForm } from "~/server/forms.server";
import { requireProjectCapability } from "~/server/guards.server";
import {
  DEFAULT_BASE_URLS,
  addCandidate,
  compareCandidates,
  assessCandidate,
  getObjectives,
  listCommunities,
  removeCandidate,
  searchCommunities,
  type CandidateComparison,
} from "~/server/research.server";

const SORT_COLUMNS = [
  "name",
  "relevance",
  "activity",
  "replies",
  "depth",
  "posts",
  "members",
  "top10",
  "gini",
  "words",
  "judgement",
] as const;
type SortColumn = (typeof SORT_COLUMNS)[number];
const INDICATORS = [
  { id: "relevance", label: "Relevant" },
  { id: "activity", label: "Active" },
  { id: "interactivity", label: "Interactive" },
  { id: "substance", label: "Substantial" },
  { id: "heterogeneity", label: "Heterogeneous" },
  { id: "richness", label: "Data-rich" },
] as const;

function sortValue(candidate: CandidateComparison, column: SortColumn): number | string {
  const i = candidate.indicators;
  const scores = Object.values(candidate.judgements)
    .map((j) => j?.score)
    .filter((s): s is number => typeof s === "number");
  switch (column) {
    case "name":
      return candidate.name.toLowerCase();
    case "relevance":
      return i?.relevance ?? -1;
    case "activity":
      return i?.postsPerDay ?? -1;
    case "replies":
      return i?.replyShare ?? -1;
    case "depth":
      return i?.meanThreadDepth ?? -1;
    case "posts":
      return i?.posts ?? -1;
    case "members":
      return i?.members ?? -1;
    case "top10":
      return i?.top10Share ?? -1;
    case "gini":
      return i?.gini ?? -1;
    case "words":
      return i?.medianWords ?? -1;
    case "judgement":
      return scores.length ? scores.reduce((a, b) => a + b, 0) / scores.length : -1;
  }
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { project } = await requireProjectCapability(request, params.slug, "readData");
  const url = new URL(request.url);
  const sort = (SORT_COLUMNS as readonly string[]).includes(url.searchParams.get("sort") ?? "")
    ? (url.searchParams.get("sort") as SortColumn)
    : "relevance";
  const dir = url.searchParams.get("dir") === "asc" ? "asc" : "desc";
  const [candidates, objectives, communities] = await Promise.all([
    compareCandidates({ store, slug: project.slug }),
    getObjectives({ store, slug: project.slug }),
    listCommunities({ store, slug: project.slug }),
  ]);
  const sorted = [...candidates].sort((a, b) => {
    const x = sortValue(a, sort);
    const y = sortValue(b, sort);
    const order =
      typeof x === "string" && typeof y === "string" ? x.localeCompare(y) : Number(x) - Number(y);
    return dir === "asc" ? order : -order;
  });
  return {
    slug: project.slug,
    sort,
    dir,
    candidates: sorted,
    defaultQuery: objectives.keywords.map((k) => k.term).join(" "),
    hasKeywords: objectives.keywords.length > 0,
    baseUrls: DEFAULT_BASE_URLS,
    communities: communities.map((c) => ({ id: c.id, name: c.name })),
  };
}

// One indicator's row of a candidate's card: judgements.<indicator>.score and .comment.
const judgement = z
  .object({
    score: z
      .enum(["1", "2", "3", "4", "5"], { message: "A judgement is a score from 1 to 5." })
      .optional(),
    comment: z.string().default(""),
  })
  .optional();

const DiscoveryForm = z.discriminatedUnion("intent", [
  z.object({
    intent: z.literal("search"),
    connector: z.enum(["reddit", "hn", "mastodon", "discourse"]),
    query: z.string(),
    baseUrl: z.string().default(""),
  }),
  z.object({
    intent: z.literal("add"),
    name: z.string(),
    platform: z.string(),
    url: z.string().default(""),
    language: z.string().default(""),
    visibility: z.enum(["public", "private", "unknown"]).default("unknown"),
    size: z.string().default(""),
    notes: z.string().default(""),
    origin: z.string().default("manual"),
  }),
  z.object({ intent: z.literal("remove"), candidateId: z.string() }),
  z.object({
    intent: z.literal("assess"),
    candidateId: z.string(),
    communityId: z.string().optional(),
    judgements: z
      .object({
        relevance: judgement,
        activity: judgement,
        interactivity: judgement,
        substance: judgement,
        heterogeneity: judgement,
        richness: judgement,
      })
      .default({}),
    decision: z.enum(["selected", "rejected"], { message: "Choose a decision." }).optional(),
    reason: z.string().default(""),
  }),
]);

export async function action(args: ActionFunctionArgs) {
  return formAction(args, async ({ request, params }) => {
    const { project, user } = await requireProjectCapability(request, params.slug, "editPlan");
    const input = parseForm(await request.formData(), DiscoveryForm);
    const slug = project.slug;
    switch (input.intent) {
      case "search": {
        const proposals = await searchCommunities({
          connector: input.connector,
          query: input.query,
          baseUrl: input.baseUrl || undefined,
        });
        return {
          ok: true as const,
          proposals,
          message: `${proposals.length} communit${proposals.length === 1 ? "y" : "ies"} proposed by ${input.connector}.`,
        };
      }
      case "add": {
        const { intent: _intent, ...candidate } = input;
        await addCandidate({ store, slug, ...candidate, userId: user.id });
        return { ok: true as const, message: `${input.name} added as a candidate.` };
      }
      case "remove":
        await removeCandidate({ store, slug, candidateId: input.candidateId, userId: user.id });
        break;
      case "assess": {
        const saved = await assessCandidate({
          store,
          slug,
          candidateId: input.candidateId,
          userId: user.id,
          communityId: input.communityId || null,
          judgements: Object.fromEntries(
            Object.entries(input.judgements).map(([indicator, row]) => [
              indicator,
              { score: row?.score ? Number(row.score) : null, comment: row?.comment ?? "" },
            ]),
          ),
          decision: input.decision ?? null,
          reason: input.reason,
        });
        return { ok: true as const, message: `Assessment of ${saved.name} saved.` };
      }
    }
    return { ok: true as const, message: null };
  });
}

const pct = (value: number | null | undefined) =>
  value === null || value === undefined ? "—" : `${Math.round(value * 100)}%`;
const num = (value: number | null | undefined, digits = 1) =>
  value === null || value === undefined ? "—" : value.toFixed(digits);

/**
 * One candidate, one form: its sample, the six judgements and the decision are saved together by one
 * button (a refused part, such as a decision without a reason, keeps everything typed and saves nothing).
 */
function CandidateCard({
  candidate: c,
  communities,
  card,
  removal,
}: {
  candidate: CandidateComparison;
  communities: Array<{ id: string; name: string }>;
  card: FormState;
  removal: FormState;
}) {
  const judgementError = (indicator: string) =>
    card.fieldErrors[`judgements.${indicator}.score`] ??
    card.fieldErrors[`judgements.${indicator}.comment`];
  return (
    <section
      className="card candidate-card"
      id={`candidate-${c.id}`}
      aria-labelledby={`candidate-heading-${c.id}`}
    >
      <div className="candidate-head">
        <h2 id={`candidate-heading-${c.id}`}>{c.name}</h2>
        <ConfirmedRemoval
          fields={{ intent: "remove", candidateId: c.id, formId: `remove-${c.id}` }}
          label="Remove candidate"
          accessibleLabel={`Remove candidate ${c.name}`}
          question={`Remove ${c.name} from the candidates, with its judgements and decision?`}
        />
      </div>
      <FormError message={removal.formError} />
      <p className="small muted">
        {c.platform}
        {c.url ? (
          <>
            {" "}
            ·{" "}
            <a href={c.url} rel="noreferrer noopener" target="_blank">
              {c.url}
            </a>
          </>
        ) : null}{" "}
        · {c.visibility}
        {c.size !== null ? ` · ${c.size} members (stated)` : ""}
        {c.language ? ` · ${c.language}` : ""} · from {c.origin}
        {c.decision ? ` · ${c.decision.status} on ${c.decision.at.slice(0, 10)}` : ""}
      </p>
      {c.notes ? <p className="small">{c.notes}</p> : null}
      <ScopedForm
        formId={`assess-${c.id}`}
        method="post"
        className="candidate-form"
        aria-label={`Assessment of ${c.name}`}
      >
        <input type="hidden" name="intent" value="assess" />
        <input type="hidden" name="candidateId" value={c.id} />
        <FormError message={card.formError} />
        <div className="candidate-grid">
          <table className="compact" aria-label={`Judgements of ${c.name}`}>
            <caption className="small muted">Your judgement, 1 (weak) to 5 (strong)</caption>
            <thead>
              <tr>
                <th scope="col">Criterion</th>
                <th scope="col">Score</th>
                <th scope="col">Why</th>
              </tr>
            </thead>
            <tbody>
              {INDICATORS.map((indicator) => {
                const error = judgementError(indicator.id);
                const stored = c.judgements[indicator.id];
                return (
                  <tr key={indicator.id}>
                    <th scope="row">{indicator.label}</th>
                    <td>
                      <select
                        name={`judgements.${indicator.id}.score`}
                        aria-label={`${indicator.label} score for ${c.name}`}
                        aria-invalid={error ? true : undefined}
                        defaultValue={card.value(
                          `judgements.${indicator.id}.score`,
                          stored?.score ? String(stored.score) : "",
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
                        name={`judgements.${indicator.id}.comment`}
                        aria-label={`${indicator.label} comment for ${c.name}`}
                        defaultValue={card.value(
                          `judgements.${indicator.id}.comment`,
                          stored?.comment ?? "",
                        )}
                      />
                      {error ? (
                        <span className="error small" role="alert">
                          {error}
                        </span>
                      ) : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <div className="stack">
            <SelectField
              label="Sample data"
              name="communityId"
              defaultValue={card.value("communityId", c.communityId ?? "")}
              error={card.fieldErrors.communityId}
              hint="The imported community whose posts the figures above are computed from."
              options={[
                { value: "", label: "None yet (import a sample first)" },
                ...communities.map((co) => ({ value: co.id, label: co.name })),
              ]}
            />
            <SelectField
              label="Decision"
              name="decision"
              defaultValue={card.value("decision", c.decision?.status ?? "")}
              error={card.fieldErrors.decision}
              options={[
                // Nothing chosen until the researcher chooses: no accidental selection.
                { value: "", label: "Not decided yet" },
                { value: "selected", label: "Select: study this community" },
                { value: "rejected", label: "Reject" },
              ]}
            />
            <Field
              label="Reason"
              name="reason"
              multiline
              rows={3}
              hint="Needed for a decision: it is part of the method."
              defaultValue={card.value("reason", c.decision?.reason ?? "")}
              error={card.fieldErrors.reason}
            />
          </div>
        </div>
        <button type="submit">Save assessment</button>
      </ScopedForm>
    </section>
  );
}

export default function DiscoveryPage() {
  const { slug, sort, dir, candidates, defaultQuery, hasKeywords, baseUrls, communities } =
    useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  // Every form names itself, so a failure shows under the form (and candidate) that was submitted.
  const page = formState(actionData);
  const search = formState(actionData, "search");
  const manual = formState(actionData, "add");
  const proposals = actionData && "proposals" in actionData ? actionData.proposals : null;
  const message = actionData && "message" in actionData ? actionData.message : null;
  const searching = useNavigation().formData?.get("intent") === "search";
  const header = (column: SortColumn, label: string, title?: string) => {
    const active = sort === column;
    const nextDir = active && dir === "desc" ? "asc" : "desc";
    return (
      <th
        className={column === "name" ? undefined : "num"}
        aria-sort={active ? (dir === "asc" ? "ascending" : "descending") : "none"}
        title={title}
      >
        <Link to={`?sort=${column}&dir=${nextDir}`} preventScrollReset>
          {label}
          {active ? (dir === "asc" ? " ▲" : " ▼") : ""}
        </Link>
      </th>
    );
  };
  return (
    <>
      <h1>Community discovery</h1>
      <p className="muted">
        Phase 2: find candidate communities, import a sample of each, and compare them on figures
        computed from their data.
      </p>
      {message ? (
        <p className="notice" role="status">
          {message}
        </p>
      ) : null}
      <FormError message={page.formError} />

      <section className="card" aria-labelledby="compare-heading">
        <h2 id="compare-heading">Compare candidates</h2>
        {candidates.length === 0 ? (
          <p className="muted">No candidate yet: search below or add one by hand.</p>
        ) : (
          <div style={{ overflowX: "auto" }}>
            <table aria-label="Candidate comparison">
              <thead>
                <tr>
                  {header("name", "Community")}
                  {header("relevance", "Relevance", "Share of posts matching the project keywords")}
                  {header(
                    "activity",
                    "Posts/day",
                    "Posts per day over the objectives' window, or the sample's span",
                  )}
                  {header("replies", "Replies", "Share of posts that reply to another post")}
                  {header("depth", "Depth", "Mean over threads of the deepest reply chain")}
                  {header("posts", "Posts")}
                  {header("members", "Members", "Distinct members")}
                  {header("top10", "Top 10%", "Share of posts by the most active 10% of members")}
                  {header("gini", "Gini", "Concentration of posting among members (0 = equal)")}
                  {header("words", "Words", "Median words per post")}
                  {header("judgement", "Judged", "Mean of your 1-5 judgements")}
                  <th>Decision</th>
                </tr>
              </thead>
              <tbody>
                {candidates.map((c) => {
                  const scores = Object.values(c.judgements)
                    .map((j) => j?.score)
                    .filter((s): s is number => typeof s === "number");
                  return (
                    <tr key={c.id}>
                      <td>
                        <a href={`#candidate-${c.id}`}>{c.name}</a>
                        <br />
                        <span className="small muted">
                          {c.platform}
                          {c.sampleName ? ` · sample: ${c.sampleName}` : " · no sample data"}
                        </span>
                      </td>
                      <td className="num">{c.indicators ? pct(c.indicators.relevance) : "—"}</td>
                      <td className="num">{num(c.indicators?.postsPerDay, 2)}</td>
                      <td className="num">{pct(c.indicators?.replyShare)}</td>
                      <td className="num">{num(c.indicators?.meanThreadDepth, 2)}</td>
                      <td className="num">{c.indicators?.posts ?? "—"}</td>
                      <td className="num">{c.indicators?.members ?? "—"}</td>
                      <td className="num">{pct(c.indicators?.top10Share)}</td>
                      <td className="num">{num(c.indicators?.gini, 2)}</td>
                      <td className="num">
                        {c.indicators ? num(c.indicators.medianWords, 0) : "—"}
                      </td>
                      <td className="num">
                        {scores.length
                          ? (scores.reduce((a, b) => a + b, 0) / scores.length).toFixed(1)
                          : "—"}
                      </td>
                      <td>
                        {c.decision ? (
                          <span
                            className={`badge ${c.decision.status === "selected" ? "status-done" : "status-not-started"}`}
                          >
                            {c.decision.status}
                          </span>
                        ) : (
                          <span className="muted small">open</span>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
        {!hasKeywords ? (
          <p className="small warning">
            Relevance needs keywords: add them on the{" "}
            <Link to={`/projects/${slug}/objectives`}>objectives</Link> page.
          </p>
        ) : null}
      </section>

      {candidates.map((c) => (
        <CandidateCard
          key={c.id}
          candidate={c}
          communities={communities}
          card={formState(actionData, `assess-${c.id}`)}
          removal={formState(actionData, `remove-${c.id}`)}
        />
      ))}

      <div className="grid-2">
        <section className="card" aria-labelledby="search-heading">
          <h2 id="search-heading">Search public APIs</h2>
          <ScopedForm formId={"search"} method="post" className="stack">
            <input type="hidden" name="intent" value="search" />
            <FormError message={search.formError} />
            <SelectField
              label="Where"
              name="connector"
              defaultValue={search.value("connector")}
              error={search.fieldErrors.connector}
              options={[
                { value: "reddit", label: "Reddit (subreddit search)" },
                { value: "hn", label: "Hacker News (Algolia)" },
                { value: "mastodon", label: "Mastodon (hashtag timeline)" },
                { value: "discourse", label: "A Discourse forum (/search.json)" },
              ]}
            />
            <Field
              label="Query"
              name="query"
              defaultValue={search.value("query", defaultQuery)}
              hint="Prefilled with the project keywords."
              error={search.fieldErrors.query}
            />
            <Field
              label="API base URL"
              name="baseUrl"
              placeholder={baseUrls.reddit}
              hint="Leave empty for the platform's public API; give the forum's address for Discourse or an instance for Mastodon."
              defaultValue={search.value("baseUrl")}
              error={search.fieldErrors.baseUrl}
            />
            <button type="submit" disabled={searching}>
              {searching ? "Searching…" : "Search"}
            </button>
          </ScopedForm>
          {proposals ? (
            proposals.length === 0 ? (
              <p className="muted">Nothing found.</p>
            ) : (
              <ul className="list-plain" aria-label="Proposed communities">
                {proposals.map((p) => (
                  <li key={p.url}>
                    <strong>{p.name}</strong>{" "}
                    <span className="small muted">
                      {p.size !== null ? `${p.size} · ` : ""}
                      {p.description}
                    </span>
                    <Form method="post" style={{ display: "inline" }}>
                      <input type="hidden" name="intent" value="add" />
                      {Object.entries({
                        name: p.name,
                        platform: p.platform,
                        url: p.url,
                        language: p.language,
                        size: p.size === null ? "" : String(p.size),
                        notes: p.description,
                        origin: p.origin,
                        visibility: "public",
                      }).map(([key, value]) => (
                        <input key={key} type="hidden" name={key} value={value} />
                      ))}{" "}
                      <button
                        type="submit"
                        className="link small"
                        aria-label={`Add ${p.name} as a candidate`}
                      >
                        Add as candidate
                      </button>
                    </Form>
                  </li>
                ))}
              </ul>
            )
          ) : null}
        </section>
        <section className="card" aria-labelledby="add-heading">
          <h2 id="add-heading">Add a candidate by hand</h2>
          <ScopedForm formId={"add"} method="post" className="stack" clearAfterSuccess>
            <input type="hidden" name="intent" value="add" />
            <FormError message={manual.formError} />
            <Field
              label="Community name"
              name="name"
              required
              placeholder="r/vandwellers"
              defaultValue={manual.value("name")}
              error={manual.fieldErrors.name}
            />
            <Field
              label="Platform"
              name="platform"
              required
              placeholder="reddit, discourse, mastodon, telegram…"
              defaultValue={manual.value("platform")}
              error={manual.fieldErrors.platform}
            />
            <Field
              label="URL"
              name="url"
              type="url"
              defaultValue={manual.value("url")}
              error={manual.fieldErrors.url}
            />
            <div className="row">
              <Field
                label="Language"
                name="language"
                defaultValue={manual.value("language")}
                error={manual.fieldErrors.language}
              />
              <SelectField
                label="Space"
                name="visibility"
                defaultValue={manual.value("visibility")}
                error={manual.fieldErrors.visibility}
                options={[
                  { value: "public", label: "Public" },
                  { value: "private", label: "Private" },
                  { value: "unknown", label: "Not sure" },
                ]}
              />
              <Field
                label="Size (members)"
                name="size"
                type="number"
                min={0}
                defaultValue={manual.value("size")}
                error={manual.fieldErrors.size}
              />
            </div>
            <Field
              label="Notes"
              name="notes"
              multiline
              rows={2}
              defaultValue={manual.value("notes")}
              error={manual.fieldErrors.notes}
            />
            <button type="submit">Add candidate</button>
          </ScopedForm>
        </section>
      </div>
    </>
  );
}
