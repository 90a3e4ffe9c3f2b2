import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { formState } from "~/components/form-state";
import { Field, FormError, SelectField } from "~/components/field";
import { store } from "~/server/context.server";
import { formAction, parseForm } from "~/server/forms.server";
import { requireProjectCapability } from "~/server/guards.server";
import {
  DEFAULT_BASE_URLS,
  addCandidate,
  compareCandidates,
  decideCandidate,
  getObjectives,
  judgeCandidate,
  linkCandidateSample,
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
    intent: z.literal("link-sample"),
    candidateId: z.string(),
    communityId: z.string().default(""),
  }),
  z.object({
    intent: z.literal("judge"),
    candidateId: z.string(),
    indicator: z.enum([
      "relevance",
      "activity",
      "interactivity",
      "substance",
      "heterogeneity",
      "richness",
    ]),
    score: z.string().default(""),
    comment: z.string().default(""),
  }),
  z.object({
    intent: z.literal("decide"),
    candidateId: z.string(),
    status: z.enum(["selected", "rejected", "undecided"], { message: "Choose a decision." }),
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
        await addCandidate({ store, slug, ...candidate });
        return { ok: true as const, message: `${input.name} added as a candidate.` };
      }
      case "remove":
        await removeCandidate({ store, slug, candidateId: input.candidateId });
        break;
      case "link-sample":
        await linkCandidateSample({
          store,
          slug,
          candidateId: input.candidateId,
          communityId: input.communityId || null,
        });
        break;
      case "judge":
        await judgeCandidate({
          store,
          slug,
          candidateId: input.candidateId,
          indicator: input.indicator,
          score: input.score ? Number(input.score) : null,
          comment: input.comment,
        });
        break;
      case "decide":
        await decideCandidate({
          store,
          slug,
          candidateId: input.candidateId,
          status: input.status === "undecided" ? null : input.status,
          reason: input.reason,
          userId: user.id,
        });
        break;
    }
    return { ok: true as const, message: null };
  });
}

const pct = (value: number | null | undefined) =>
  value === null || value === undefined ? "—" : `${Math.round(value * 100)}%`;
const num = (value: number | null | undefined, digits = 1) =>
  value === null || value === undefined ? "—" : value.toFixed(digits);

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

      {candidates.map((c) => {
        const sample = formState(actionData, `sample-${c.id}`);
        const decision = formState(actionData, `decide-${c.id}`);
        const removal = formState(actionData, `remove-${c.id}`);
        return (
          <section
            key={c.id}
            className="card"
            id={`candidate-${c.id}`}
            aria-labelledby={`candidate-heading-${c.id}`}
          >
            <h2 id={`candidate-heading-${c.id}`}>{c.name}</h2>
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
            </p>
            {c.notes ? <p className="small">{c.notes}</p> : null}
            <div className="grid-2">
              <div>
                <Form method="post" className="row">
                  <input type="hidden" name="intent" value="link-sample" />
                  <input type="hidden" name="candidateId" value={c.id} />
                  <input type="hidden" name="formId" value={`sample-${c.id}`} />
                  <SelectField
                    label="Sample data"
                    name="communityId"
                    defaultValue={sample.value("communityId", c.communityId ?? "")}
                    error={sample.fieldErrors.communityId ?? sample.formError}
                    options={[
                      { value: "", label: "None (import a sample on the data collection page)" },
                      ...communities.map((co) => ({ value: co.id, label: co.name })),
                    ]}
                  />
                  <button type="submit" className="secondary">
                    Use as sample
                  </button>
                </Form>
                <h3>Decision</h3>
                {c.decision ? (
                  <p className="small">
                    {c.decision.status} on {c.decision.at.slice(0, 10)}: {c.decision.reason}
                  </p>
                ) : null}
                <Form method="post" className="stack">
                  <input type="hidden" name="intent" value="decide" />
                  <input type="hidden" name="candidateId" value={c.id} />
                  <input type="hidden" name="formId" value={`decide-${c.id}`} />
                  <FormError message={decision.formError} />
                  <SelectField
                    label="Decision"
                    name="status"
                    defaultValue={decision.value("status", c.decision?.status ?? "")}
                    error={decision.fieldErrors.status}
                    options={[
                      // Nothing chosen until the researcher chooses: no accidental selection.
                      { value: "", label: "Choose a decision" },
                      { value: "selected", label: "Select: study this community" },
                      { value: "rejected", label: "Reject" },
                      { value: "undecided", label: "Undecided" },
                    ]}
                  />
                  <Field
                    label="Reason"
                    name="reason"
                    multiline
                    rows={2}
                    defaultValue={decision.value("reason", c.decision?.reason)}
                    error={decision.fieldErrors.reason}
                  />
                  <button type="submit">Record decision</button>
                </Form>
                <Form method="post" style={{ marginTop: ".5rem" }}>
                  <input type="hidden" name="intent" value="remove" />
                  <input type="hidden" name="candidateId" value={c.id} />
                  <input type="hidden" name="formId" value={`remove-${c.id}`} />
                  <FormError message={removal.formError} />
                  <button type="submit" className="link small">
                    Remove candidate
                  </button>
                </Form>
              </div>
              <div>
                <h3>Your judgement</h3>
                <table aria-label={`Judgements of ${c.name}`}>
                  <tbody>
                    {INDICATORS.map((indicator) => {
                      const judgement = formState(actionData, `judge-${c.id}-${indicator.id}`);
                      const judgementError =
                        judgement.formError ?? Object.values(judgement.fieldErrors)[0];
                      return (
                        <tr key={indicator.id}>
                          <th scope="row">{indicator.label}</th>
                          <td>
                            <Form method="post" className="row">
                              <input type="hidden" name="intent" value="judge" />
                              <input type="hidden" name="candidateId" value={c.id} />
                              <input type="hidden" name="indicator" value={indicator.id} />
                              <input
                                type="hidden"
                                name="formId"
                                value={`judge-${c.id}-${indicator.id}`}
                              />
                              <select
                                name="score"
                                aria-label={`${indicator.label} score for ${c.name}`}
                                aria-invalid={judgementError ? true : undefined}
                                defaultValue={judgement.value(
                                  "score",
                                  String(c.judgements[indicator.id]?.score ?? ""),
                                )}
                              >
                                <option value="">–</option>
                                {[1, 2, 3, 4, 5].map((n) => (
                                  <option key={n} value={n}>
                                    {n}
                                  </option>
                                ))}
                              </select>
                              <input
                                type="text"
                                name="comment"
                                aria-label={`${indicator.label} comment for ${c.name}`}
                                defaultValue={judgement.value(
                                  "comment",
                                  c.judgements[indicator.id]?.comment ?? "",
                                )}
                                style={{ width: "12rem" }}
                              />
                              <button type="submit" className="secondary small">
                                Save
                              </button>
                              {judgementError ? (
                                <span className="error small" role="alert">
                                  {judgementError}
                                </span>
                              ) : null}
                            </Form>
                          </td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </div>
            </div>
          </section>
        );
      })}

      <div className="grid-2">
        <section className="card" aria-labelledby="search-heading">
          <h2 id="search-heading">Search public APIs</h2>
          <Form method="post" className="stack">
            <input type="hidden" name="intent" value="search" />
            <input type="hidden" name="formId" value="search" />
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
          </Form>
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
          <Form method="post" className="stack" key={candidates.length}>
            <input type="hidden" name="intent" value="add" />
            <input type="hidden" name="formId" value="add" />
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
          </Form>
        </section>
      </div>
    </>
  );
}
