import { z } from "zod";

/** The field-note form as the research core takes it; links come as "type:id" checkbox values. */
export const FieldNoteFormSchema = z.object({
  intent: z.literal("save-note"),
  kind: z.enum(["observational", "reflective", "methodological", "theoretical"]),
  title: z.string(),
  markdown: z.string().default(""),
  link: z.array(z.string()).default([]),
});

export function parseNoteLinks(
  link: string[],
): Array<{ type: "thread" | "post" | "member"; id: string }> {
  return link.flatMap((value) => {
    const [type, id] = value.split(":");
    return (type === "thread" || type === "post" || type === "member") && id ? [{ type, id }] : [];
  });
}

// Field-note queries the collection index does not list (its public face keeps the long-standing names).
export { countFieldNotes } from "#research/collection/field-notes";
