import { clientAddressOf } from "~/server/client-address.server";
import {
  createCookie,
  data,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  type MetaFunction,
} from "@remix-run/node";
import { randomBytes } from "node:crypto";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { CloakedQuoteView } from "~/components/quote";
import { shareThrottle, store } from "~/server/context.server";
import { failForm, formAction, parseForm } from "~/server/forms.server";
import { assertSameOrigin } from "~/server/guards.server";
import {
  isResearchError,
  listReviewerResponses,
  openShareLink,
  requireShareLink,
  respondToFinding,
} from "~/server/research.server";

export const meta: MetaFunction = () => [
  { title: "Findings for review" },
  { name: "robots", content: "noindex, nofollow" },
];

/** The member-check view: only the shared findings, cloaked; nothing else of the project is reachable. */
async function openOrNotFound(token: string | undefined) {
  try {
    return await openShareLink({ store, token: token ?? "" });
  } catch (error) {
    throw notFoundFor(error);
  }
}

/** Any invalid token is the same 404; other failures (a database down) stay errors. */
function notFoundFor(error: unknown): unknown {
  if (!isResearchError(error, "not-found")) return error;
  return new Response("This link is not valid: it may have expired or been withdrawn.", {
    status: 404,
  });
}

/**
 * The reviewer's browser, remembered for the share pages only: a random value (no account, nothing
 * about the person), so a reviewer changes their response instead of adding copies of it.
 */
const reviewerCookie = (request: Request) =>
  createCookie("netno_reviewer", {
    httpOnly: true,
    sameSite: "lax",
    path: "/share",
    maxAge: 60 * 60 * 24 * 180,
    secure:
      new URL(request.url).protocol === "https:" ||
      request.headers.get("x-forwarded-proto") === "https",
  });

/** The reviewer value the request carries, or a new one with the header that keeps it. */
async function reviewerOf(request: Request): Promise<{ reviewer: string; headers: HeadersInit }> {
  const cookie = reviewerCookie(request);
  const known: unknown = await cookie.parse(request.headers.get("cookie"));
  if (typeof known === "string" && /^[A-Za-z0-9_-]{22,64}$/.test(known))
    return { reviewer: known, headers: {} };
  const reviewer = randomBytes(18).toString("base64url");
  return { reviewer, headers: { "Set-Cookie": await cookie.serialize(reviewer) } };
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { link, report } = await openOrNotFound(params.token);
  const { reviewer, headers } = await reviewerOf(request);
  const mine = await listReviewerResponses({ store, token: params.token ?? "", reviewer });
  return data(
    {
      expiresAt: link.expiresAt,
      title: report.project.title,
      themes: report.themes.map((theme) => ({
        id: theme.id,
        name: theme.name,
        statement: theme.statement,
        evidence: theme.evidence.map(({ ref, text, author, treatment }) => ({
          ref,
          text,
          author,
          treatment,
          searchable: false,
          searchUrl: null,
          searchTested: true,
          note: text === null ? "a paraphrase is being prepared" : "",
        })),
        mine: mine.get(theme.id) ?? null,
      })),
    },
    { headers },
  );
}

const ResponseForm = z.object({
  themeId: z.string(),
  rating: z.enum(["rings-true", "partly", "does-not-ring-true"], {
    message: "Choose how the finding rings to you.",
  }),
  comment: z.string().max(4000, "Please keep the comment under 4,000 characters.").default(""),
  quoteRef: z.string().default(""),
});

export async function action(args: ActionFunctionArgs) {
  return formAction(args, async ({ request, params }) => {
    assertSameOrigin(request);
    const token = params.token ?? "";
    const key = `${token}|${clientAddressOf(request) ?? "direct"}`;
    const wait = shareThrottle.retryAfterMs(key);
    if (wait > 0)
      failForm(
        `Thank you: please wait ${Math.ceil(wait / 1000)} seconds before sending another response.`,
        undefined,
        429,
      );
    await requireShareLink({ store, token }).catch((error: unknown) => {
      throw notFoundFor(error);
    });
    const input = parseForm(await request.formData(), ResponseForm);
    const { reviewer, headers } = await reviewerOf(request);
    const { changed } = await respondToFinding({
      store,
      token,
      themeId: input.themeId,
      rating: input.rating,
      comment: input.comment,
      quoteRef: input.quoteRef || null,
      reviewer,
    });
    shareThrottle.recordFailure(key); // counts responses: after a few, each further one waits longer
    return data(
      {
        ok: true as const,
        message: changed
          ? "Thank you, your response was changed: the researchers see the new one."
          : "Thank you, your response was sent to the researchers.",
      },
      { headers },
    );
  });
}

const day = (iso: string) => new Date(iso).toLocaleDateString("en-GB", { dateStyle: "medium" });

export default function SharedFindings() {
  const { expiresAt, title, themes } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const message = actionData && "message" in actionData ? actionData.message : null;
  const error =
    actionData && "ok" in actionData && !actionData.ok
      ? (actionData.formError ?? Object.values(actionData.fieldErrors)[0])
      : null;
  return (
    <div style={{ maxWidth: 820, margin: "0 auto" }}>
      <h1>Findings for your review</h1>
      <p>
        Researchers studying <strong>{title}</strong> ask whether these findings ring true to you.
        Names are pseudonyms. You need no account; this link works until {expiresAt.slice(0, 10)}.
      </p>
      {message ? (
        <p className="notice" role="status">
          {message}
        </p>
      ) : null}
      {error ? (
        <p className="form-error" role="alert">
          {error}
        </p>
      ) : null}
      {themes.map((theme) => (
        <article key={theme.id} className="card" aria-labelledby={`f-${theme.id}`}>
          <h2 id={`f-${theme.id}`}>{theme.name}</h2>
          <p>{theme.statement}</p>
          {theme.evidence.map((quote) => (
            <CloakedQuoteView key={quote.ref} quote={quote} />
          ))}
          {/* Keyed by the answer, so a changed answer shows once the page reloads its data. */}
          <Form
            method="post"
            className="stack"
            key={theme.mine?.changedAt ?? theme.mine?.at ?? "new"}
          >
            <input type="hidden" name="themeId" value={theme.id} />
            {theme.mine ? (
              <p className="small muted">
                You answered on {day(theme.mine.at)}
                {theme.mine.changedAt ? ` and changed it on ${day(theme.mine.changedAt)}` : ""}.
                Sending again changes your answer.
              </p>
            ) : null}
            <fieldset>
              <legend>Does this ring true?</legend>
              <label>
                <input
                  type="radio"
                  name="rating"
                  value="rings-true"
                  required
                  defaultChecked={theme.mine?.rating === "rings-true"}
                />{" "}
                Rings true
              </label>{" "}
              <label>
                <input
                  type="radio"
                  name="rating"
                  value="partly"
                  defaultChecked={theme.mine?.rating === "partly"}
                />{" "}
                Partly
              </label>{" "}
              <label>
                <input
                  type="radio"
                  name="rating"
                  value="does-not-ring-true"
                  defaultChecked={theme.mine?.rating === "does-not-ring-true"}
                />{" "}
                Doesn&apos;t ring true
              </label>
            </fieldset>
            <div className="field">
              <label htmlFor={`c-${theme.id}`}>Comment (optional)</label>
              <textarea
                id={`c-${theme.id}`}
                name="comment"
                rows={3}
                maxLength={4000}
                defaultValue={theme.mine?.comment ?? ""}
              />
            </div>
            {theme.evidence.some((q) => q.text) ? (
              <div className="field">
                <label htmlFor={`q-${theme.id}`}>
                  This quote is mine, please remove or paraphrase it
                </label>
                <select id={`q-${theme.id}`} name="quoteRef" defaultValue="">
                  <option value="">No</option>
                  {theme.evidence
                    .filter((q) => q.text)
                    .map((q) => (
                      <option key={q.ref} value={q.ref}>
                        {q.ref}
                      </option>
                    ))}
                </select>
              </div>
            ) : null}
            <button type="submit">{theme.mine ? "Change my response" : "Send response"}</button>
          </Form>
        </article>
      ))}
    </div>
  );
}
