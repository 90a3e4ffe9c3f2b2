/**
 * Lets the server answer other requests in the middle of a long loop over a large corpus: await it every
 * few thousand items.
 */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
