import { getFormProps } from "@conform-to/react";
import type { ActionFunctionArgs, LoaderFunctionArgs, SerializeFrom } from "@remix-run/node";
import { Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { formState } from "~/components/form-state";
import { useScopedForm } from "~/components/use-scoped-form";
import { Field, FormError, SelectField, ScopedForm } from "~/components/field";
import { MemoPanel } from "~/components/memo-panel";
import { store } from "~/server/context.server";
import { loadMemoViews, MemoForm, runMemoForm } from "~/server/memos.server";
import { formAction, parseForm } from "~/server/forms.server";
import { requireProjectCapability } from "~/server/guards.server";
import {
  countCodingsByCode,
  createCodes,
  deleteCode,
  getCodebook,
  listCoders,
  mergeCodes,
  updateCode,
  roleAllows,
  splitCode,
} from "~/server/research.server";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { project, role } = await requireProjectCapability(request, params.slug, "readData");
  const [codebook, counts, users] = await Promise.all([
    getCodebook({ store, slug: project.slug }),
    countCodingsByCode({ store, slug: project.slug }),
    listCoders({ store, slug: project.slug }),
  ]);
  const names = new Map(users.map((user) => [user.id, user.name]));
  return {
    memos: await loadMemoViews(project.slug, [{ type: "project", id: project.slug }]),
    canCode: roleAllows(role, "code"),
    slug: project.slug,
    codes: codebook.codes.map((code) => ({ ...code, count: counts.get(code.id) ?? 0 })),
    history: codebook.history
      .slice(0, 50)
      .map((entry) => ({ ...entry, by: names.get(entry.by) ?? entry.by })),
  };
}

// An unticked checkbox is absent from the form data; Conform reads a ticked one ("on") as true.
const checkbox = z.boolean().default(false);
const CodebookForm = z.discriminatedUnion("intent", [
  z.object({
    intent: z.literal("create"),
    name: z.string(),
    definition: z.string().default(""),
    parentId: z.string().default(""),
    affective: checkbox,
  }),
  z.object({
    intent: z.literal("edit"),
    codeId: z.string(),
    name: z.string(),
    definition: z.string().default(""),
    inclusion: z.string().default(""),
    exclusion: z.string().default(""),
    example: z.string().default(""),
    colour: z.string(),
    affective: checkbox,
    draft: checkbox,
    parentId: z.string().default(""),
    reason: z.string().default(""),
  }),
  z.object({
    intent: z.literal("merge"),
    codeIds: z.array(z.string()).min(1, "Tick the codes to merge."),
    targetId: z.string(),
    reason: z.string().default(""),
  }),
  z.object({
    intent: z.literal("split"),
    codeId: z.string(),
    into: z.string(),
    reason: z.string().default(""),
  }),
  z.object({
    intent: z.literal("delete"),
    codeId: z.string(),
    confirm: z.literal(true, { message: "Tick the box to confirm." }),
    reason: z.string().default(""),
  }),
]);

export async function action(args: ActionFunctionArgs) {
  return formAction(args, async ({ request, params }) => {
    const { project, user } = await requireProjectCapability(request, params.slug, "code");
    const formData = await request.formData();
    if (String(formData.get("intent")).endsWith("-memo"))
      return runMemoForm({
        slug: project.slug,
        userId: user.id,
        input: parseForm(formData, MemoForm),
      });
    const input = parseForm(formData, CodebookForm);
    const slug = project.slug;
    switch (input.intent) {
      case "create":
        await createCodes({
          store,
          slug,
          userId: user.id,
          codes: [
            {
              name: input.name,
              definition: input.definition,
              parentId: input.parentId || null,
              affective: input.affective,
            },
          ],
        });
        return { ok: true as const, message: `Code "${input.name.trim()}" created.` };
      case "edit": {
        await updateCode({
          store,
          slug,
          codeId: input.codeId,
          name: input.name,
          parentId: input.parentId || null,
          userId: user.id,
          reason: input.reason,
          details: {
            definition: input.definition,
            inclusion: input.inclusion,
            exclusion: input.exclusion,
            example: input.example,
            colour: input.colour,
            affective: input.affective,
            draft: input.draft,
          },
        });
        return { ok: true as const, message: "Code saved." };
      }
      case "merge": {
        const moved = await mergeCodes({
          store,
          slug,
          codeIds: input.codeIds,
          targetId: input.targetId,
          userId: user.id,
          reason: input.reason,
        });
        return {
          ok: true as const,
          message: `Codes merged; ${moved} coded segment${moved === 1 ? "" : "s"} moved.`,
        };
      }
      case "delete": {
        const removed = await deleteCode({
          store,
          slug,
          codeId: input.codeId,
          userId: user.id,
          reason: input.reason,
        });
        return {
          ok: true as const,
          message: `Code deleted with its ${removed} coded segment${removed === 1 ? "" : "s"}.`,
        };
      }
      case "split": {
        const created = await splitCode({
          store,
          slug,
          codeId: input.codeId,
          into: input.into.split(","),
          userId: user.id,
          reason: input.reason,
        });
        return {
          ok: true as const,
          message: `Split into ${created.map((c) => c.name).join(", ")}: reassign segments from the retrieval view.`,
        };
      }
    }
  });
}

type CodeRow = ReturnType<typeof useLoaderData<typeof loader>>["codes"][number];

function CodeTree({
  codes,
  parentId,
  slug,
  depth,
}: {
  codes: CodeRow[];
  parentId: string | null;
  slug: string;
  depth: number;
}) {
  const children = codes.filter((code) => code.parentId === parentId);
  if (children.length === 0) return null;
  return (
    <ul className="list-plain" style={{ marginLeft: depth ? "1.25rem" : 0 }}>
      {children.map((code) => (
        <li key={code.id}>
          <span
            aria-hidden="true"
            style={{
              display: "inline-block",
              width: 12,
              height: 12,
              borderRadius: 3,
              background: code.colour,
              marginRight: 6,
            }}
          />
          <Link to={`/projects/${slug}/coding/codes/${code.id}`}>{code.name}</Link>{" "}
          <span className="muted small">({code.count})</span>
          {code.draft ? <span className="pill">draft</span> : null}
          {code.affective ? <span className="pill">affective</span> : null}
          {code.definition ? <div className="small muted">{code.definition}</div> : null}
          <CodeEditForms code={code} codes={codes} />
          <CodeTree codes={codes} parentId={code.id} slug={slug} depth={depth + 1} />
        </li>
      ))}
    </ul>
  );
}

type CodebookEntry = SerializeFrom<typeof loader>["codes"][number];

/** A code's edit and delete forms, folded under its name; a refused change opens them again. */
function CodeEditForms({ code, codes }: { code: CodebookEntry; codes: CodebookEntry[] }) {
  const actionData = useActionData<typeof action>();
  const edit = useScopedForm(actionData, `edit-${code.id}`, CodebookForm);
  const removal = useScopedForm(actionData, `delete-${code.id}`, CodebookForm);
  const { state } = edit;
  const error = (name: string) => edit.fields[name]?.errors?.[0];
  const refused = Boolean(
    edit.form.errors?.length || edit.state.lastResult || removal.state.lastResult,
  );
  return (
    <details open={refused || undefined}>
      <summary className="small">Edit “{code.name}”</summary>
      <ScopedForm
        formId={edit.form.id}
        method="post"
        className="stack"
        {...getFormProps(edit.form)}
      >
        <input type="hidden" name="intent" value="edit" />
        <input type="hidden" name="codeId" value={code.id} />
        <FormError message={edit.form.errors?.[0]} />
        <Field
          label="Name"
          name="name"
          defaultValue={state.value("name", code.name)}
          required
          error={error("name")}
        />
        <SelectField
          label="Parent"
          name="parentId"
          defaultValue={state.value("parentId", code.parentId ?? "")}
          error={error("parentId")}
          options={[
            { value: "", label: "Top level" },
            ...codes.filter((c) => c.id !== code.id).map((c) => ({ value: c.id, label: c.name })),
          ]}
        />
        <Field
          label="Definition"
          name="definition"
          multiline
          rows={2}
          defaultValue={state.value("definition", code.definition)}
          error={error("definition")}
        />
        <Field
          label="Include when"
          name="inclusion"
          multiline
          rows={2}
          defaultValue={state.value("inclusion", code.inclusion)}
          error={error("inclusion")}
        />
        <Field
          label="Exclude when"
          name="exclusion"
          multiline
          rows={2}
          defaultValue={state.value("exclusion", code.exclusion)}
          error={error("exclusion")}
        />
        <Field
          label="Example"
          name="example"
          multiline
          rows={2}
          defaultValue={state.value("example", code.example)}
          error={error("example")}
        />
        <div className="row">
          <div className="field">
            <label htmlFor={`colour-${code.id}`}>Colour</label>
            <input
              id={`colour-${code.id}`}
              type="color"
              name="colour"
              defaultValue={state.value(
                "colour",
                code.colour.length === 4
                  ? `#${[...code.colour.slice(1)].map((c) => c + c).join("")}`
                  : code.colour,
              )}
            />
            {error("colour") ? <span className="error">{error("colour")}</span> : null}
          </div>
          <label>
            <input
              type="checkbox"
              name="affective"
              defaultChecked={state.checked("affective", code.affective)}
            />{" "}
            Affective (strong-sentiment suggestions)
          </label>
          <label>
            <input
              type="checkbox"
              name="draft"
              defaultChecked={state.checked("draft", code.draft)}
            />{" "}
            Draft
          </label>
        </div>
        <Field
          label="Why (kept in the code history)"
          name="reason"
          defaultValue={state.value("reason")}
          error={error("reason")}
        />
        <button type="submit">Save code</button>
      </ScopedForm>
      <ScopedForm
        formId={removal.form.id}
        method="post"
        className="row"
        {...getFormProps(removal.form)}
      >
        <input type="hidden" name="intent" value="delete" />
        <input type="hidden" name="codeId" value={code.id} />
        <label>
          <input type="checkbox" name="confirm" /> Delete “{code.name}” and its {code.count} coded
          segment{code.count === 1 ? "" : "s"}
        </label>
        <button type="submit" className="secondary">
          Delete code
        </button>
        {removal.fields.confirm?.errors?.[0] || removal.form.errors?.[0] ? (
          <span className="error" role="alert">
            {removal.fields.confirm?.errors?.[0] ?? removal.form.errors?.[0]}
          </span>
        ) : null}
      </ScopedForm>
    </details>
  );
}

export default function CodebookPage() {
  const { slug, codes, history, memos, canCode } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  // Each form names itself; an unnamed failure (a memo form) is shown at the top of the page.
  const { formError } = formState(actionData);
  const create = useScopedForm(actionData, "create-code", CodebookForm);
  const merge = useScopedForm(actionData, "merge-codes", CodebookForm);
  const split = useScopedForm(actionData, "split-code", CodebookForm);
  const message = actionData && "message" in actionData ? actionData.message : null;
  const options = codes.map((code) => ({ value: code.id, label: code.name }));
  return (
    <>
      {message ? (
        <p className="notice" role="status">
          {message}
        </p>
      ) : null}
      <FormError message={formError} />
      <div className="grid-2" style={{ gridTemplateColumns: "minmax(0, 3fr) minmax(280px, 2fr)" }}>
        <section className="card" aria-labelledby="codebook-heading">
          <h2 id="codebook-heading">Codebook</h2>
          {codes.length === 0 ? (
            <p className="muted">
              No code yet. Create one, or turn your sensitizing concepts into draft codes on the{" "}
              <Link to={`/projects/${slug}/objectives`}>objectives</Link> page.
            </p>
          ) : (
            <CodeTree codes={codes} parentId={null} slug={slug} depth={0} />
          )}
        </section>
        <div>
          <section className="card" aria-labelledby="new-code-heading">
            <h2 id="new-code-heading">New code</h2>
            <ScopedForm
              formId={create.form.id}
              method="post"
              className="stack"
              key={codes.length}
              {...getFormProps(create.form)}
            >
              <input type="hidden" name="intent" value="create" />
              <FormError message={create.form.errors?.[0]} />
              <Field
                label="Code name"
                name="name"
                required
                defaultValue={create.state.value("name")}
                error={create.fields.name?.errors?.[0]}
              />
              <Field
                label="Definition"
                name="definition"
                multiline
                rows={2}
                defaultValue={create.state.value("definition")}
              />
              <SelectField
                label="Parent code"
                name="parentId"
                defaultValue={create.state.value("parentId", "")}
                error={create.fields.parentId?.errors?.[0]}
                options={[{ value: "", label: "Top level" }, ...options]}
              />
              <label>
                <input
                  type="checkbox"
                  name="affective"
                  defaultChecked={create.state.checked("affective", false)}
                />{" "}
                Affective
              </label>
              <button type="submit">Create code</button>
            </ScopedForm>
          </section>
          {codes.length >= 2 ? (
            <section className="card" aria-labelledby="merge-heading">
              <h2 id="merge-heading">Merge codes</h2>
              <ScopedForm
                formId={merge.form.id}
                method="post"
                className="stack"
                {...getFormProps(merge.form)}
              >
                <input type="hidden" name="intent" value="merge" />
                <FormError message={merge.form.errors?.[0]} />
                <fieldset aria-invalid={merge.fields.codeIds?.errors ? true : undefined}>
                  <legend className="small">Codes to merge</legend>
                  {codes.map((code) => (
                    <label key={code.id} style={{ display: "block" }}>
                      <input
                        type="checkbox"
                        name="codeIds"
                        value={code.id}
                        defaultChecked={merge.state.values("codeIds", [])?.includes(code.id)}
                      />{" "}
                      {code.name}
                    </label>
                  ))}
                  {merge.fields.codeIds?.errors ? (
                    <span className="error">{merge.fields.codeIds.errors[0]}</span>
                  ) : null}
                </fieldset>
                <SelectField
                  label="Into"
                  name="targetId"
                  options={options}
                  defaultValue={merge.state.value("targetId")}
                  error={merge.fields.targetId?.errors?.[0]}
                />
                <Field
                  label="Why"
                  name="reason"
                  defaultValue={merge.state.value("reason")}
                  error={merge.fields.reason?.errors?.[0]}
                />
                <button type="submit">Merge</button>
              </ScopedForm>
            </section>
          ) : null}
          {codes.length >= 1 ? (
            <section className="card" aria-labelledby="split-heading">
              <h2 id="split-heading">Split a code</h2>
              <ScopedForm
                formId={split.form.id}
                method="post"
                className="stack"
                {...getFormProps(split.form)}
              >
                <input type="hidden" name="intent" value="split" />
                <FormError message={split.form.errors?.[0]} />
                <SelectField
                  label="Code to split"
                  name="codeId"
                  options={options}
                  defaultValue={split.state.value("codeId")}
                  error={split.fields.codeId?.errors?.[0]}
                />
                <Field
                  label="New codes"
                  name="into"
                  hint="Names separated by commas; they become sub-codes."
                  defaultValue={split.state.value("into")}
                  error={split.fields.into?.errors?.[0]}
                />
                <Field
                  label="Why"
                  name="reason"
                  defaultValue={split.state.value("reason")}
                  error={split.fields.reason?.errors?.[0]}
                />
                <button type="submit">Split</button>
              </ScopedForm>
            </section>
          ) : null}
          <MemoPanel
            memos={memos}
            targets={[{ value: `project:${slug}`, label: "The project" }]}
            canWrite={canCode}
            title="Project memos"
          />
          <section className="card" aria-labelledby="history-heading">
            <h2 id="history-heading">Code history</h2>
            {history.length === 0 ? (
              <p className="muted small">The hermeneutic path of the codebook appears here.</p>
            ) : (
              <ol className="small list-plain">
                {history.map((entry, i) => (
                  <li key={i}>
                    <strong>{entry.at.slice(0, 16).replace("T", " ")}</strong> · {entry.by}:{" "}
                    {entry.summary}
                    {entry.reason ? <em> — {entry.reason}</em> : null}
                  </li>
                ))}
              </ol>
            )}
          </section>
        </div>
      </div>
    </>
  );
}
