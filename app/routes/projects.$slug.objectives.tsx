import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { Field, FormError, ScopedForm, ScopedFormError } from "~/components/field";
import { store } from "~/server/context.server";
import { formAction, parseForm } from "~/server/forms.server";
import { requireProjectCapability } from "~/server/guards.server";
import {
  addKeyword, addResearchQuestion, addSensitizingConcept, draftCodesFromConcepts, getObjectives, parseSynonyms,
  removeKeyword, removeResearchQuestion, removeSensitizingConcept, saveScope,
  editKeyword, editResearchQuestion, editSensitizingConcept,
} from "~/server/research.server";
import { formState } from "~/components/form-state";
import { ConfirmedRemoval } from "~/components/confirmed-removal";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { project } = await requireProjectCapability(request, params.slug, "readData");
  return { objectives: await getObjectives({ store, slug: project.slug }) };
}

const list = (text: string) => text.split(",").map((part) => part.trim()).filter(Boolean);

const ObjectivesForm = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("add-question"), question: z.string(), rationale: z.string().default("") }),
  z.object({ intent: z.literal("remove-question"), id: z.string() }),
  z.object({ intent: z.literal("edit-question"), id: z.string(), question: z.string(), rationale: z.string().default("") }),
  z.object({ intent: z.literal("edit-keyword"), id: z.string(), term: z.string(), synonyms: z.string().default("") }),
  z.object({ intent: z.literal("edit-concept"), id: z.string(), name: z.string(), description: z.string().default("") }),
  z.object({
    intent: z.literal("save-scope"), phenomenon: z.string().default(""), from: z.string().default(""), to: z.string().default(""),
    languages: z.string().default(""), platforms: z.string().default(""), positionality: z.string().default(""),
  }),
  z.object({ intent: z.literal("add-keyword"), term: z.string(), synonyms: z.string().default("") }),
  z.object({ intent: z.literal("remove-keyword"), id: z.string() }),
  z.object({ intent: z.literal("add-concept"), name: z.string(), description: z.string().default("") }),
  z.object({ intent: z.literal("remove-concept"), id: z.string() }),
  z.object({ intent: z.literal("draft-codes") }),
]);

export async function action(args: ActionFunctionArgs) {
  return formAction(args, async ({ request, params }) => {
    const { project, user } = await requireProjectCapability(request, params.slug, "editPlan");
    const input = parseForm(await request.formData(), ObjectivesForm);
    const slug = project.slug;
    switch (input.intent) {
      case "add-question": await addResearchQuestion({ store, slug, userId: user.id, question: input.question, rationale: input.rationale }); break;
      case "remove-question": await removeResearchQuestion({ store, slug, userId: user.id, id: input.id }); break;
      case "edit-question": await editResearchQuestion({ store, slug, userId: user.id, id: input.id, question: input.question, rationale: input.rationale }); return { ok: true as const, message: "Research question saved." };
      case "edit-keyword": await editKeyword({ store, slug, userId: user.id, id: input.id, term: input.term, synonyms: parseSynonyms(input.synonyms) }); return { ok: true as const, message: "Keyword saved." };
      case "edit-concept": await editSensitizingConcept({ store, slug, userId: user.id, id: input.id, name: input.name, description: input.description }); return { ok: true as const, message: "Sensitizing concept saved." };
      case "save-scope":
        await saveScope({ store, slug, userId: user.id, phenomenon: input.phenomenon, from: input.from, to: input.to, languages: list(input.languages), platforms: list(input.platforms), positionality: input.positionality });
        return { ok: true as const, message: "Scope and positionality saved." };
      case "add-keyword": await addKeyword({ store, slug, userId: user.id, term: input.term, synonyms: parseSynonyms(input.synonyms) }); break;
      case "remove-keyword": await removeKeyword({ store, slug, userId: user.id, id: input.id }); break;
      case "add-concept": await addSensitizingConcept({ store, slug, userId: user.id, name: input.name, description: input.description }); break;
      case "remove-concept": await removeSensitizingConcept({ store, slug, userId: user.id, id: input.id }); break;
      case "draft-codes": {
        const count = await draftCodesFromConcepts({ store, slug, userId: user.id });
        return { ok: true as const, message: count ? `${count} draft code${count === 1 ? "" : "s"} added to the codebook.` : "Every concept already has a code." };
      }
    }
    return { ok: true as const, message: null };
  });
}

function RemoveButton({ intent, id, label }: { intent: string; id: string; label: string }) {
  return <ConfirmedRemoval fields={{ intent, id }} label="Remove" accessibleLabel={label} question={`${label}?`} />;
}

/**
 * An entry's edit form, folded under "Edit" (works without JavaScript); a refused change opens it again
 * with what was typed and the error under its field.
 */
function EditEntry({ intent, id, label, fields, actionData }: {
  intent: string;
  id: string;
  label: string;
  fields: Array<{ name: string; label: string; value: string; multiline?: boolean; hint?: string }>;
  actionData: unknown;
}) {
  const formId = `${intent}-${id}`;
  const state = formState(actionData, formId);
  const failed = Boolean(state.formError || Object.keys(state.fieldErrors).length);
  return (
    <details className="inline-edit" open={failed || undefined}>
      <summary className="link small" aria-label={label}>Edit</summary>
      <ScopedForm formId={formId} method="post" className="stack">
        <input type="hidden" name="intent" value={intent} />
        <input type="hidden" name="id" value={id} />
        <FormError message={state.formError} />
        {fields.map((field) => (
          <Field key={field.name} label={field.label} name={field.name} defaultValue={state.value(field.name, field.value)} multiline={field.multiline} rows={field.multiline ? 2 : undefined} hint={field.hint} error={state.fieldErrors[field.name]} />
        ))}
        <button type="submit">Save</button>
      </ScopedForm>
    </details>
  );
}

export default function ObjectivesPage() {
  const { objectives } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  // Failures of an entry's edit form are shown in that form (see EditEntry), not under the add forms.
  const { formError, fieldErrors } = formState(actionData);
  const message = actionData && "message" in actionData ? actionData.message : null;
  return (
    <>
      <h1>Objectives</h1>
      <p className="muted">Phase 1: what you want to understand, where and when, and the words that stand for it. Keywords are reused by discovery, collection filters and coding suggestions.</p>
      {message ? <p className="notice" role="status">{message}</p> : null}
      <FormError message={formError} />
      <div className="grid-2">
        <section className="card" aria-labelledby="rq-heading">
          <h2 id="rq-heading">Research questions</h2>
          {objectives.researchQuestions.length === 0 ? <p className="muted">No research question yet.</p> : (
            <ol>
              {objectives.researchQuestions.map((q) => (
                <li key={q.id}><strong>{q.question}</strong>{q.rationale ? <><br /><span className="small muted">{q.rationale}</span></> : null} <RemoveButton intent="remove-question" id={q.id} label={`Remove question: ${q.question}`} /><EditEntry intent="edit-question" id={q.id} label={`Edit question: ${q.question}`} actionData={actionData} fields={[{ name: "question", label: "Edited research question", value: q.question, multiline: true }, { name: "rationale", label: "Edited rationale", value: q.rationale, multiline: true }]} /></li>
              ))}
            </ol>
          )}
          <ScopedForm formId="add-question" method="post" className="stack" clearAfterSuccess>
            <input type="hidden" name="intent" value="add-question" />
            <ScopedFormError />
            <Field label="Research question" name="question" multiline rows={2} required />
            <Field label="Rationale" name="rationale" multiline rows={2} hint="Why this question matters, briefly." />
            <button type="submit">Add question</button>
          </ScopedForm>
        </section>
        <section className="card" aria-labelledby="kw-heading">
          <h2 id="kw-heading">Keywords</h2>
          {objectives.keywords.length === 0 ? <p className="muted">No keyword yet.</p> : (
            <ul className="list-plain">
              {objectives.keywords.map((k) => (
                <li key={k.id}><strong>{k.term}</strong>{k.synonyms.length ? <span className="muted"> — {k.synonyms.join(", ")}</span> : null} <RemoveButton intent="remove-keyword" id={k.id} label={`Remove keyword ${k.term}`} /><EditEntry intent="edit-keyword" id={k.id} label={`Edit keyword ${k.term}`} actionData={actionData} fields={[{ name: "term", label: "Edited keyword", value: k.term }, { name: "synonyms", label: "Edited synonyms", value: k.synonyms.join(", "), hint: "Separated by commas." }]} /></li>
              ))}
            </ul>
          )}
          <ScopedForm formId="add-keyword" method="post" className="stack" clearAfterSuccess>
            <input type="hidden" name="intent" value="add-keyword" />
            <ScopedFormError />
            <Field label="Keyword" name="term" required hint="A word or phrase; end with * to match any ending (repair*)." />
            <Field label="Synonyms" name="synonyms" hint="Separated by commas." />
            <button type="submit">Add keyword</button>
          </ScopedForm>
        </section>
        <section className="card" aria-labelledby="scope-heading">
          <h2 id="scope-heading">Phenomenon, scope and positionality</h2>
          <Form method="post" className="stack">
            <input type="hidden" name="intent" value="save-scope" />
            <Field label="Phenomenon" name="phenomenon" multiline defaultValue={objectives.phenomenon} error={fieldErrors.phenomenon} />
            <div className="row">
              <Field label="From" name="from" type="date" defaultValue={objectives.scope.from ?? ""} error={fieldErrors.from} />
              <Field label="To" name="to" type="date" defaultValue={objectives.scope.to ?? ""} error={fieldErrors.to} />
            </div>
            <Field label="Languages" name="languages" defaultValue={objectives.scope.languages.join(", ")} hint="e.g. en, fr" />
            <Field label="Platforms" name="platforms" defaultValue={objectives.scope.platforms.join(", ")} hint="e.g. Reddit, Discourse forums" />
            <Field label="Positionality statement" name="positionality" multiline rows={5} defaultValue={objectives.positionality} hint="Your own relation to the community: member, fan, outsider, client..." />
            <button type="submit">Save</button>
          </Form>
        </section>
        <section className="card" aria-labelledby="concepts-heading">
          <h2 id="concepts-heading">Sensitizing concepts</h2>
          {objectives.sensitizingConcepts.length === 0 ? <p className="muted">No concept yet.</p> : (
            <ul className="list-plain">
              {objectives.sensitizingConcepts.map((c) => (
                <li key={c.id}><strong>{c.name}</strong> {c.codeId ? <span className="badge status-done">draft code</span> : null}{c.description ? <><br /><span className="small muted">{c.description}</span></> : null} <RemoveButton intent="remove-concept" id={c.id} label={`Remove concept ${c.name}`} /><EditEntry intent="edit-concept" id={c.id} label={`Edit concept ${c.name}`} actionData={actionData} fields={[{ name: "name", label: "Edited concept", value: c.name }, { name: "description", label: "Edited description", value: c.description, multiline: true }]} /></li>
              ))}
            </ul>
          )}
          <ScopedForm formId="add-concept" method="post" className="stack" clearAfterSuccess>
            <input type="hidden" name="intent" value="add-concept" />
            <ScopedFormError />
            <Field label="Concept" name="name" required />
            <Field label="What it sensitizes you to" name="description" multiline rows={2} />
            <button type="submit">Add concept</button>
          </ScopedForm>
          <Form method="post">
            <input type="hidden" name="intent" value="draft-codes" />
            <button type="submit" className="secondary">Turn concepts into draft codes</button>
          </Form>
        </section>
      </div>
    </>
  );
}
