/**
 * An address that names no page of the workbench. Without this route Remix would answer a 404 that no
 * route matched, rendered apart from the app and hydrated differently in the browser; here the root loader
 * runs, so the root error boundary shows the 404 under the app's header.
 */
export async function loader() {
  throw new Response("Not found", { status: 404 });
}

/** Never rendered (the loader always throws); a component makes this a page, so its 404 is shown. */
export default function NotFound() {
  return null;
}
