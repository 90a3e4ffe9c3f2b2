/**
 * A count with its noun in the right number, for sentences people read (the audit log, summaries):
 * `withCount(1, "community", "communities")` is "1 community", `withCount(0, "field note")` is
 * "0 field notes".
 */
export function withCount(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}
