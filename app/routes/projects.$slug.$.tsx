import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireProjectCapability } from "~/server/guards.server";

/**
 * An address inside a project that names no page (`/projects/:slug/nonsense`, `…/coding/nonsense`). The
 * project is checked first, as on every project page (signed out: to the login page; not a member: 404
 * without the project), then a member is told "Not found" inside the project's navigation: the error
 * bubbles to the project layout's boundary, whose loader has run.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  await requireProjectCapability(request, params.slug, "readReports");
  throw new Response("Not found", { status: 404 });
}

/** Never rendered (the loader always throws); a component makes this a page, so its 404 is shown. */
export default function ProjectNotFound() {
  return null;
}
