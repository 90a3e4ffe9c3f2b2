import { isResearchError, type ResearchError } from "../../research/shared/errors.js";

/** Exit codes of the netno CLI: 0 success, 1 the operation failed, 2 bad usage. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export class UsageError extends Error {}

export function describeResearchError(error: ResearchError): string {
  const where = [
    error.location.file && `file ${error.location.file}`,
    error.location.line !== undefined && `line ${error.location.line}`,
    error.location.record !== undefined && `record ${error.location.record}`,
    error.location.field && `field ${error.location.field}`,
  ].filter(Boolean);
  return where.length > 0 && !error.message.includes(String(error.location.file ?? "\u0000"))
    ? `${error.message} (${where.join(", ")})`
    : error.message;
}

/** Turns an error into a message on stderr and the exit code the CLI contract promises. */
export function reportError(error: unknown): number {
  if (error instanceof UsageError) {
    process.stderr.write(`netno: ${error.message}\n`);
    return EXIT.usage;
  }
  if (isResearchError(error)) {
    process.stderr.write(`netno: ${describeResearchError(error)}\n`);
    return error.code === "invalid-input" ? EXIT.usage : EXIT.failed;
  }
  process.stderr.write(
    `netno: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  return EXIT.failed;
}

let lastJson: unknown = null;

export function printJson(value: unknown): void {
  lastJson = value;
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

/** The last JSON value this command printed: a background job's report. */
export function lastPrintedJson(): unknown {
  return lastJson;
}
