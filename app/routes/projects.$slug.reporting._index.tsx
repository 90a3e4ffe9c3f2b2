import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { ConfirmedRemoval } from "~/components/confirmed-removal";
import { Link, useActionData, useLoaderData, useLocation } from "@remix-run/react";
import { useState, type MouseEvent } from "react";
import { z } from "zod";
import { formState } from "~/components/form-state";
import {
  Field,
  FormError,
  SelectField,
  ScopedForm,
  ScopedFormError,
  useFormEcho,
} from "~/components/field";
import { CloakedQuoteView } from "~/components/quote";
import { store } from "~/server/context.server";
import { formAction, parseForm } from "~/server/forms.server";
import { requireProjectCapability } from "~/server/guards.server";
import {
  buildReportData,
  createTheme,
  deleteTheme,
  getQuoteOriginals,
  getThemesFile,
  findEvidenceSegments,
  listCodes,
  roleAllows,
  saveQuoteTreatment,
  updateTheme,
  type ReportQuote,
} from "~/server/research.server";

/** How many coded passages a theme form lists at once; the finder reaches the others. */
const LISTED_PASSAGES = 200;
/**
 * A find sends the whole draft in its link (so it works without JavaScript), and the server refuses a
 * request whose headers pass 64 KB (`--max-http-header-size` in `npm start`): past this many characters
 * of query the page says so instead of sending a link that would be refused and lose what was typed.
 */
const MAX_FIND_QUERY = 48_000;

/** What a theme form holds when the finder sent it (a GET, so nothing typed is lost on the way). */
function draftFrom(params: URLSearchParams) {
  const confidence = params.get("confidence");
  return {
    name: params.get("name") ?? "",
    statement: params.get("statement") ?? "",
    confidence: confidence === "low" || confidence === "high" ? confidence : "medium",
    codeIds: params.getAll("codeIds"),
    evidence: params.getAll("evidence"),
    counter: params.getAll("counter"),
  };
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { project, role } = await requireProjectCapability(request, params.slug, "readReports");
  const canReadData = roleAllows(role, "readData");
  const report = await buildReportData({
    store,
    slug: project.slug,
    includeMemberNetwork: false,
    includeCodeNetwork: false,
  });
  // Researchers also see the original of each quote, to write paraphrases; strategists never do.
  const noTreatments: Record<string, { paraphrase: string }> = {};
  const quotedIds = report.themes.flatMap((theme) =>
    [...theme.evidence, ...theme.counterEvidence].map((quote) => quote.codingId),
  );
  const [originals, themesFile, codes] = canReadData
    ? await Promise.all([
        getQuoteOriginals({ store, slug: project.slug, codingIds: quotedIds }),
        getThemesFile({ store, slug: project.slug }),
        listCodes({ store, slug: project.slug }),
      ])
    : [new Map<string, string>(), null, []];
  const treatments = themesFile?.quoteTreatments ?? noTreatments;
  // What an edit starts from: the theme as stored, with evidence from outside the report's scope too
  // (the report shows only its scope; editing must not drop the rest).
  const stored = new Map((themesFile?.themes ?? []).map((theme) => [theme.id, theme]));
  const strip = (quote: ReportQuote) => {
    const { codingId, ...rest } = quote;
    return {
      ...rest,
      codingId: canReadData ? codingId : null,
      original: canReadData ? (originals.get(codingId) ?? null) : null,
      paraphrase: treatments[codingId]?.paraphrase ?? "",
    };
  };
  const canEdit = roleAllows(role, "code") && canReadData;
  // One theme's edit form at a time (?edit=<theme id>): each lists coded passages twice, and a large
  // project's page with all of them open was megabytes of checkboxes.
  const url = new URL(request.url);
  const edit = url.searchParams.get("edit");
  const editing = canEdit && report.themes.some((theme) => theme.id === edit) ? edit : null;
  // The passage finder of the open edit form, or of the New theme form when none is open; a find is a
  // GET of the whole form, so the draft comes back with it (`intent` is one of the form's fields).
  const codeId = url.searchParams.get("passagesCode");
  const finder = {
    for: editing ?? "new",
    codeId: codes.some((code) => code.id === codeId) ? codeId : null,
    words: (url.searchParams.get("passagesWords") ?? "").trim().slice(0, 200),
  };
  const finding = finder.codeId !== null || finder.words !== "";
  const draft = canEdit && url.searchParams.has("intent") ? draftFrom(url.searchParams) : null;
  const empty = { segments: [], matching: 0 };
  const list = (chosen?: typeof finder) =>
    findEvidenceSegments({ store, slug: project.slug, finder: chosen, limit: LISTED_PASSAGES });
  const [found, unfiltered] = !canEdit
    ? [empty, empty]
    : !finding
      ? await list(finder).then((listing) => [listing, listing])
      : // While an edit form finds, the New theme form beside it lists the oldest passages.
        await Promise.all([list(finder), editing ? list() : empty]);
  const passages = { finder, found, unfiltered, draft };
  return {
    canEdit,
    editing,
    cloakingLevel: report.cloakingLevel,
    ethicsIncomplete: !report.ethics.complete,
    themes: report.themes.map((theme) => ({
      ...theme,
      stored: canReadData
        ? {
            codeIds: stored.get(theme.id)?.codeIds ?? [],
            evidence: stored.get(theme.id)?.evidenceCodingIds ?? [],
            counter: stored.get(theme.id)?.counterEvidenceCodingIds ?? [],
          }
        : null,
      evidence: theme.evidence.map(strip),
      counterEvidence: theme.counterEvidence.map(strip),
    })),
    codes: codes.map((code) => ({ id: code.id, name: code.name })),
    passages,
  };
}

// Ticked boxes and multiple selects: Conform reads one value or several as a list.
const list = z.array(z.string()).default([]);
const FindingsForm = z.discriminatedUnion("intent", [
  z.object({
    intent: z.literal("create-theme"),
    name: z.string(),
    statement: z.string(),
    codeIds: list,
    evidence: list,
    counter: list,
    confidence: z.enum(["low", "medium", "high"]),
  }),
  z.object({
    intent: z.literal("update-theme"),
    themeId: z.string(),
    name: z.string(),
    statement: z.string(),
    codeIds: list,
    evidence: list,
    counter: list,
    confidence: z.enum(["low", "medium", "high"]),
  }),
  z.object({ intent: z.literal("delete-theme"), themeId: z.string() }),
  z.object({
    intent: z.literal("treat-quote"),
    codingId: z.string(),
    paraphrase: z.string().default(""),
    searchTested: z.boolean().default(false),
  }),
]);

export async function action(args: ActionFunctionArgs) {
  return formAction(args, async ({ request, params }) => {
    const { project, user } = await requireProjectCapability(request, params.slug, "code");
    const input = parseForm(await request.formData(), FindingsForm);
    const slug = project.slug;
    if (input.intent === "delete-theme") {
      await deleteTheme({ store, slug, themeId: input.themeId, userId: user.id });
      return { ok: true as const, message: "Theme deleted." };
    }
    if (input.intent === "update-theme") {
      await updateTheme({
        store,
        slug,
        themeId: input.themeId,
        userId: user.id,
        name: input.name,
        statement: input.statement,
        codeIds: input.codeIds,
        confidence: input.confidence,
        evidenceCodingIds: input.evidence,
        counterEvidenceCodingIds: input.counter,
      });
      return { ok: true as const, message: `Theme "${input.name.trim()}" saved.` };
    }
    if (input.intent === "treat-quote") {
      await saveQuoteTreatment({
        store,
        slug,
        codingId: input.codingId,
        paraphrase: input.paraphrase,
        searchTested: input.searchTested,
        userId: user.id,
      });
      return { ok: true as const, message: "Quote treatment saved." };
    }
    await createTheme({
      store,
      slug,
      userId: user.id,
      name: input.name,
      statement: input.statement,
      codeIds: input.codeIds,
      confidence: input.confidence,
      evidenceCodingIds: input.evidence,
      counterEvidenceCodingIds: input.counter,
    });
    return { ok: true as const, message: `Theme "${input.name.trim()}" created.` };
  });
}

type Segment = { id: string; codeId: string; quote: string; coders: string[]; source: string };

/** Coded segments to cite, grouped by code, each with where it comes from and who coded it. */
function SegmentChoices({
  name,
  segments,
  codes,
  chosen = [],
}: {
  name: "evidence" | "counter";
  segments: Segment[];
  codes: Array<{ id: string; name: string }>;
  /** Already cited (editing a theme); those not among the listed segments are kept as they are. */
  chosen?: string[];
}) {
  const sent = useFormEcho();
  const listed = new Set(segments.map((segment) => segment.id));
  const ticked = sent.values(name, chosen) ?? chosen;
  const groups = codes
    .map((code) => ({ code, segments: segments.filter((s) => s.codeId === code.id) }))
    .filter((group) => group.segments.length > 0);
  const kept = ticked.filter((id) => !listed.has(id));
  return (
    <div className="code-list">
      {kept.map((id) => (
        <input key={id} type="hidden" name={name} value={id} />
      ))}
      {kept.length > 0 ? (
        <p className="small muted">
          Also cited: {kept.length === 1 ? "1 passage" : `${kept.length} passages`} not listed here.
        </p>
      ) : null}
      {groups.map(({ code, segments: ofCode }) => (
        <div key={code.id}>
          <p className="small" style={{ margin: ".4rem 0 .1rem" }}>
            <strong>{code.name}</strong>
          </p>
          {ofCode.map((s) => (
            <label key={s.id} style={{ display: "block" }} className="small">
              <input
                type="checkbox"
                name={name}
                value={s.id}
                defaultChecked={ticked.includes(s.id)}
              />{" "}
              “{s.quote}”{" "}
              <span className="muted">
                · {s.source} · coded by {s.coders.join(", ")}
              </span>
            </label>
          ))}
        </div>
      ))}
    </div>
  );
}

type Quote = ReturnType<typeof useLoaderData<typeof loader>>["themes"][number]["evidence"][number];

function QuoteWithTreatment({ quote, canEdit }: { quote: Quote; canEdit: boolean }) {
  // A refused treatment opens again with its error under the paraphrase.
  const refused = Boolean(formState(useActionData(), `treat-${quote.codingId}`).lastResult);
  return (
    <div>
      <CloakedQuoteView quote={quote} />
      {canEdit && quote.codingId ? (
        <details className="small" open={refused || undefined}>
          <summary>Disguise [{quote.ref}]</summary>
          {quote.original ? (
            <p className="muted">Original (researchers only): “{quote.original}”</p>
          ) : null}
          <ScopedForm formId={`treat-${quote.codingId}`} method="post" className="stack">
            <input type="hidden" name="intent" value="treat-quote" />
            <input type="hidden" name="codingId" value={quote.codingId} />
            <ScopedFormError />
            <Field
              label="Paraphrase"
              name="paraphrase"
              multiline
              rows={2}
              defaultValue={quote.paraphrase}
              hint="Required at maximum cloaking and for members who asked for paraphrase only; must not keep six words of the original in a row."
            />
            {quote.searchUrl ? (
              <p>
                <a href={quote.searchUrl} target="_blank" rel="noreferrer noopener">
                  Run the search test
                </a>{" "}
                (opens a web search for the exact quote)
              </p>
            ) : null}
            <label>
              <input type="checkbox" name="searchTested" defaultChecked={quote.searchTested} /> I
              ran the search test and the quote did not lead back to its author
            </label>
            <button type="submit" className="secondary">
              Save treatment
            </button>
          </ScopedForm>
        </details>
      ) : null}
    </div>
  );
}

type LoadedTheme = ReturnType<typeof useLoaderData<typeof loader>>["themes"][number];
type ThemeStart = {
  name: string;
  statement: string;
  confidence: string;
  codeIds: string[];
  evidence: string[];
  counter: string[];
};

type Listing = { segments: Segment[]; matching: number };

/** The passages a theme form lists, and the finder that chose them. */
type PassageChoices = {
  listing: Listing;
  /** The finder's fields as sent (empty in a form the finder did not send). */
  codeId: string | null;
  words: string;
  /** Which form: "new" or the id of the theme being edited (the find button opens it again). */
  form: string;
  /** The finder's fields as a query, for the form's POST: the list stays as found after saving. */
  query: string;
};

/**
 * Narrows the passages a theme form lists to one code and to passages with some words. It sends the
 * whole form as a GET (formmethod): the page comes back with what was typed and ticked, and the ticked
 * passages no longer listed are kept as hidden fields, so a theme can cite passages from several finds.
 */
function PassageFinder({
  codes,
  passages,
}: {
  codes: Array<{ id: string; name: string }>;
  passages: PassageChoices;
}) {
  const { pathname } = useLocation();
  const { listing, codeId, words, form } = passages;
  const [tooLong, setTooLong] = useState(false);
  const checkLength = (event: MouseEvent<HTMLButtonElement>) => {
    const draft = event.currentTarget.form;
    if (!draft) return;
    const entries = [...new FormData(draft)].map(([key, value]) => [key, String(value)]);
    const long = new URLSearchParams(entries).toString().length > MAX_FIND_QUERY;
    setTooLong(long);
    if (long) event.preventDefault();
  };
  const finding = codeId !== null || words !== "";
  const id = `find-${form}`;
  const shown = listing.segments.length;
  const count = (n: number) => n.toLocaleString("en");
  const summary =
    listing.matching === 0
      ? finding
        ? "No coded passage matches."
        : "No coded passage yet."
      : shown >= listing.matching
        ? `${finding ? "Every matching passage" : "Every coded passage"} is listed (${count(listing.matching)}).`
        : `The oldest ${count(shown)} of ${count(listing.matching)} ${finding ? "matching" : "coded"} passages are listed: find by code or words to reach the others.`;
  return (
    <fieldset id={id} aria-describedby={`${id}-summary`}>
      <legend>Find passages to cite</legend>
      <div className="grid-2">
        <SelectField
          label="Coded with"
          name="passagesCode"
          defaultValue={codeId ?? ""}
          options={[
            { value: "", label: "Any code" },
            ...codes.map((code) => ({ value: code.id, label: code.name })),
          ]}
        />
        <Field
          label="Words in the passage"
          name="passagesWords"
          defaultValue={words}
          hint="All of them, in any order and any case; a word also finds longer words it begins (batt: battery)."
        />
      </div>
      <p>
        <button
          type="submit"
          className="secondary"
          formMethod="get"
          formAction={`${pathname}#${id}`}
          name={form === "new" ? undefined : "edit"}
          value={form === "new" ? undefined : form}
          onClick={checkLength}
        >
          Find passages
        </button>
      </p>
      <p className="small muted" id={`${id}-summary`} role="status">
        {tooLong
          ? `This draft is too long to send with a find (its statement and ticked passages). ${form === "new" ? "Create" : "Save"} the theme first, then find more passages to cite.`
          : summary}
      </p>
    </fieldset>
  );
}

/**
 * The fields of a theme, for the New theme form and each theme's edit form alike. Inside a ScopedForm:
 * a refused submit refills them (ticks included) and marks their errors in that form only.
 */
function ThemeFields({
  start,
  codes,
  passages,
  submitLabel,
  secondary = false,
}: {
  start: ThemeStart;
  codes: Array<{ id: string; name: string }>;
  passages: PassageChoices;
  submitLabel: string;
  secondary?: boolean;
}) {
  const sent = useFormEcho();
  const segments = passages.listing.segments;
  return (
    <>
      <ScopedFormError />
      <Field label="Theme name" name="name" required defaultValue={start.name} />
      <Field
        label="Statement of the insight"
        name="statement"
        multiline
        rows={3}
        required
        defaultValue={start.statement}
      />
      <fieldset>
        <legend>Codes in this theme</legend>
        {codes.map((code) => (
          <label key={code.id} style={{ marginRight: "1rem" }}>
            <input
              type="checkbox"
              name="codeIds"
              value={code.id}
              defaultChecked={sent.values("codeIds", start.codeIds)?.includes(code.id)}
            />{" "}
            {code.name}
          </label>
        ))}
        {sent.fieldErrors.codeIds ? <p className="error">{sent.fieldErrors.codeIds}</p> : null}
      </fieldset>
      <PassageFinder codes={codes} passages={passages} />
      {segments.length > 0 || start.evidence.length + start.counter.length > 0 ? (
        <div className="grid-2">
          <fieldset>
            <legend>Supporting evidence</legend>
            <SegmentChoices
              name="evidence"
              segments={segments}
              codes={codes}
              chosen={start.evidence}
            />
          </fieldset>
          <fieldset>
            <legend>Counter-evidence</legend>
            <SegmentChoices
              name="counter"
              segments={segments}
              codes={codes}
              chosen={start.counter}
            />
          </fieldset>
        </div>
      ) : null}
      <SelectField
        label="Confidence"
        name="confidence"
        defaultValue={start.confidence}
        options={[
          { value: "low", label: "Low" },
          { value: "medium", label: "Medium" },
          { value: "high", label: "High" },
        ]}
      />
      <button type="submit" className={secondary ? "secondary" : undefined}>
        {submitLabel}
      </button>
    </>
  );
}

/**
 * Edits a theme in place: name, statement, confidence, codes and the passages it cites. Closed, it is a
 * link that opens it (a page request, so it works without JavaScript); only the open one is sent.
 */
function ThemeEditForm({
  theme,
  open,
  codes,
  passages,
  draft,
}: {
  theme: LoadedTheme & { stored: NonNullable<LoadedTheme["stored"]> };
  open: boolean;
  codes: Array<{ id: string; name: string }>;
  passages: PassageChoices;
  /** What the form held when its finder sent it, if it did. */
  draft: ThemeStart | null;
}) {
  const formId = `edit-theme-${theme.id}`;
  // A refused edit opens again with what was typed and its errors.
  const refused = Boolean(formState(useActionData(), formId).lastResult);
  if (!open && !refused)
    return (
      <p>
        <Link
          to={`?edit=${encodeURIComponent(theme.id)}#theme-${theme.id}`}
          aria-label={`Edit theme ${theme.name}`}
          preventScrollReset
        >
          Edit theme
        </Link>
      </p>
    );
  return (
    <section aria-label={`Edit theme ${theme.name}`}>
      <h3>Edit theme</h3>
      <p className="small">
        <Link to="." preventScrollReset>
          Close the edit form
        </Link>
      </p>
      <ScopedForm
        formId={formId}
        method="post"
        action={`?index&edit=${encodeURIComponent(theme.id)}${passages.query}`}
        className="stack"
      >
        <input type="hidden" name="intent" value="update-theme" />
        <input type="hidden" name="themeId" value={theme.id} />
        <ThemeFields
          start={draft ?? { ...theme, ...theme.stored }}
          codes={codes}
          passages={passages}
          submitLabel="Save theme"
          secondary
        />
      </ScopedForm>
    </section>
  );
}

const NEW_THEME: ThemeStart = {
  name: "",
  statement: "",
  confidence: "medium",
  codeIds: [],
  evidence: [],
  counter: [],
};

export default function FindingsPage() {
  const { canEdit, editing, cloakingLevel, ethicsIncomplete, themes, codes, passages } =
    useLoaderData<typeof loader>();
  const { finder, found, unfiltered, draft } = passages;
  // The finder's list goes to the form that sent it; the other open form lists the oldest passages.
  const choicesFor = (form: string): PassageChoices => {
    const owns = finder.for === form;
    const query = new URLSearchParams();
    if (owns && finder.codeId) query.set("passagesCode", finder.codeId);
    if (owns && finder.words) query.set("passagesWords", finder.words);
    return {
      listing: owns ? found : unfiltered,
      codeId: owns ? finder.codeId : null,
      words: owns ? finder.words : "",
      form,
      query: query.size > 0 ? `&${query}` : "",
    };
  };
  const draftFor = (form: string) => (draft && finder.for === form ? draft : null);
  const actionData = useActionData<typeof action>();
  const echo = formState(actionData);
  const { formError } = echo;
  const message = actionData && "message" in actionData ? actionData.message : null;
  return (
    <>
      <p className="muted">
        Quotes follow the project's cloaking level (<strong>{cloakingLevel}</strong>) everywhere:
        here, in exports and in member checks.
      </p>
      {ethicsIncomplete ? (
        <p className="warning" role="alert">
          The ethics plan is incomplete: reports carry this warning.
        </p>
      ) : null}
      {message ? (
        <p className="notice" role="status">
          {message}
        </p>
      ) : null}
      <FormError message={formError} />
      {themes.length === 0 ? <p className="muted">No theme yet.</p> : null}
      {themes.map((theme) => (
        <article key={theme.id} className="card" aria-labelledby={`theme-${theme.id}`}>
          <h2 id={`theme-${theme.id}`}>
            {theme.name} <span className="pill">confidence: {theme.confidence}</span>
          </h2>
          <p>{theme.statement}</p>
          <p className="small muted">Codes: {theme.codes.join(", ")}</p>
          {theme.evidence.length ? (
            <>
              <h3>Evidence</h3>
              {theme.evidence.map((quote) => (
                <QuoteWithTreatment key={quote.ref} quote={quote} canEdit={canEdit} />
              ))}
            </>
          ) : null}
          {theme.counterEvidence.length ? (
            <>
              <h3>Counter-evidence</h3>
              {theme.counterEvidence.map((quote) => (
                <QuoteWithTreatment key={quote.ref} quote={quote} canEdit={canEdit} />
              ))}
            </>
          ) : null}
          {canEdit && theme.stored ? (
            <ThemeEditForm
              theme={{ ...theme, stored: theme.stored }}
              open={editing === theme.id}
              codes={codes}
              passages={choicesFor(theme.id)}
              draft={draftFor(theme.id)}
            />
          ) : null}
          {canEdit ? (
            <ConfirmedRemoval
              fields={{ intent: "delete-theme", themeId: theme.id }}
              label="Delete theme"
              accessibleLabel={`Delete theme ${theme.name}`}
              question={`Delete the theme "${theme.name}" and its guideline?`}
              confirmLabel="Yes, delete"
            />
          ) : null}
        </article>
      ))}
      {canEdit ? (
        <section className="card" aria-labelledby="new-theme-heading">
          <h2 id="new-theme-heading">New theme</h2>
          {codes.length === 0 ? (
            <p className="muted">Create codes and code data first.</p>
          ) : (
            <ScopedForm
              formId="create-theme"
              method="post"
              action={`?index${choicesFor("new").query}`}
              className="stack"
              clearAfterSuccess
            >
              <input type="hidden" name="intent" value="create-theme" />
              <ThemeFields
                start={draftFor("new") ?? NEW_THEME}
                codes={codes}
                passages={choicesFor("new")}
                submitLabel="Create theme"
              />
            </ScopedForm>
          )}
        </section>
      ) : null}
    </>
  );
}
