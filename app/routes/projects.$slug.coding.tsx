import type { LoaderFunctionArgs } from "@remix-run/node";
import { NavLink, Outlet, useLoaderData } from "@remix-run/react";
import { keepLayoutAfterCodingAction } from "~/components/layout-revalidation";
import { requireProjectCapability } from "~/server/guards.server";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { project } = await requireProjectCapability(request, params.slug, "readData");
  return { slug: project.slug };
}

export const shouldRevalidate = keepLayoutAfterCodingAction;

export default function CodingLayout() {
  const { slug } = useLoaderData<typeof loader>();
  const base = `/projects/${slug}/coding`;
  return (
    <>
      <h1>Hermeneutic coding</h1>
      <nav aria-label="Coding" className="tabs">
        <NavLink end to={base}>Codebook</NavLink>
        <NavLink to={`${base}/threads`}>Code posts</NavLink>
        <NavLink to={`${base}/notes`}>Code field notes</NavLink>
        <NavLink to={`${base}/suggestions`}>Suggestions</NavLink>
        <NavLink to={`${base}/analysis`}>Agreement &amp; analysis</NavLink>
      </nav>
      <Outlet />
    </>
  );
}
