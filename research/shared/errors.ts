import type { z } from "zod";
/**
 * Errors raised by the research core. Each carries a machine-readable `code` and a message a person can act
 * on; the web layer maps codes to HTTP statuses and the CLI maps them to exit codes.
 */
export type ResearchErrorCode =
  | "not-found"
  | "forbidden"
  | "conflict"
  | "invalid-input"
  | "corrupt-file"
  | "unreadable-file"
  | "import-failed"
  | "rate-limited";

export type ErrorLocation = { file?: string; line?: number; record?: string | number; field?: string };

export class ResearchError extends Error {
  readonly code: ResearchErrorCode;
  readonly location: ErrorLocation;

  constructor(code: ResearchErrorCode, message: string, location: ErrorLocation = {}) {
    super(message);
    this.name = "ResearchError";
    this.code = code;
    this.location = location;
  }
}

export function isResearchError(error: unknown, code?: ResearchErrorCode): error is ResearchError {
  return error instanceof ResearchError && (code === undefined || error.code === code);
}

/** Formats a zod issue path the way people read it: `members[2].role`. */
export function formatIssuePath(path: ReadonlyArray<PropertyKey>): string {
  return path
    .map((part, index) => (typeof part === "number" ? `[${part}]` : index === 0 ? String(part) : `.${String(part)}`))
    .join("");
}

/** Parses a caller's input with its schema; the first problem becomes an `invalid-input` error naming the field. */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ResearchError("invalid-input", issue.message, { field: formatIssuePath(issue.path) });
  }
  return parsed.data;
}
