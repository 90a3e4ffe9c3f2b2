import { z } from "zod";
import { formatIssuePath } from "../../shared/errors.js";
import type { ImportEvent, RecordLocation } from "./types.js";

/** Validates one raw record against its platform schema; a failure becomes an `invalid` event naming the field. */
export function checkRecord<T extends z.ZodType>(schema: T, value: unknown, where: RecordLocation): { ok: true; data: z.infer<T> } | { ok: false; event: ImportEvent } {
  const parsed = schema.safeParse(value);
  if (parsed.success) return { ok: true, data: parsed.data };
  const issue = parsed.error.issues[0];
  const field = formatIssuePath(issue.path);
  return { ok: false, event: { kind: "invalid", where: { ...where, field }, message: `${field ? `Field "${field}": ` : ""}${issue.message}` } };
}

/** An id given as number or string, as platforms do. */
export const SourceId = z.union([z.string().min(1), z.number()]).transform((value) => String(value));

export const AUTHOR_DELETED = new Set(["[deleted]", "[removed]", "deleted", ""]);
