import { z } from "zod";

/** The field-note form as the research core takes it; links come as "type:id" checkbox values. */
export const FieldNoteFormSchema = z.object({
  intent: z.literal("save-note"),
  kind: z.enum(["observational", "reflective", "methodological", "theoretical"]),
  title: z.string(),
  markdown: z.string().default(""),
  link: z.union([z.string(), z.array(z.string())]).optional(),
});

export function parseNoteLinks(
  link: string | string[] | undefined,
): Array<{ type: "thread" | "post" | "member"; id: string }> {
  const values = link === undefined ? [] : Array.isArray(link) ? link : [link];
  return values.flatMap((value) => {
    const [type, id] = value.split(":");
    return (type === "thread" || type === "post" || type === "member") && id ? [{ type, id }] : [];
  });
}

// Field-note queries the collection index does not list (its public face keeps the long-standing names).
export { countFieldNotes } from "#research/collection/field-notes";
