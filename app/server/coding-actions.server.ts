import type { ActionFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { applyCode, recodeCoding, removeCoding } from "#research/coding/index";
import { store } from "./context.server";
import { formAction, parseForm } from "./forms.server";
import { requireProjectCapability } from "./guards.server";
import { MemoForm, runMemoForm } from "./memos.server";

// One ticked code or several: Conform reads the repeated name as a list.
const codeIdList = z.array(z.string()).default([]);

/** The coding forms shared by the coding workspace and the retrieval view. */
export const CodingForm = z.discriminatedUnion("intent", [
  z.object({
    intent: z.literal("apply"),
    sourceType: z.enum(["post", "fieldnote"]),
    sourceId: z.string(),
    start: z.coerce.number().int(),
    end: z.coerce.number().int(),
    codeId: codeIdList,
  }),
  z.object({ intent: z.literal("remove"), codingId: z.string() }),
  z.object({ intent: z.literal("recode"), codingId: z.string(), codeId: z.string() }),
]);

export async function runCodingForm({
  slug,
  userId,
  input,
}: {
  slug: string;
  userId: string;
  input: z.infer<typeof CodingForm>;
}) {
  switch (input.intent) {
    case "apply": {
      const added = await applyCode({
        store,
        slug,
        coderId: userId,
        codeIds: input.codeId,
        span: {
          sourceType: input.sourceType,
          sourceId: input.sourceId,
          start: input.start,
          end: input.end,
        },
      });
      return {
        ok: true as const,
        message: added.length ? `Coded (${added.length}).` : "Already coded so.",
      };
    }
    case "remove":
      await removeCoding({ store, slug, codingId: input.codingId, userId });
      return { ok: true as const, message: "Coding removed." };
    case "recode":
      await recodeCoding({
        store,
        slug,
        codingId: input.codingId,
        codeId: input.codeId,
        userId,
      });
      return { ok: true as const, message: "Segment re-coded." };
  }
}

/** The action of the pages where passages are coded beside memos (a thread, a code's retrieval view). */
export function codingAndMemoAction(args: ActionFunctionArgs) {
  return formAction(args, async ({ request, params }) => {
    const { project, user } = await requireProjectCapability(request, params.slug, "code");
    const formData = await request.formData();
    if (String(formData.get("intent")).endsWith("-memo"))
      return runMemoForm({
        slug: project.slug,
        userId: user.id,
        input: parseForm(formData, MemoForm),
      });
    return runCodingForm({
      slug: project.slug,
      userId: user.id,
      input: parseForm(formData, CodingForm),
    });
  });
}
