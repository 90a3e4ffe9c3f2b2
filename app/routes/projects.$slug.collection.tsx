import type { LoaderFunctionArgs } from "@remix-run/node";
import { NavLink, Outlet, useLoaderData } from "@remix-run/react";
import { requireProjectCapability } from "~/server/guards.server";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { project } = await requireProjectCapability(request, params.slug, "readData");
  return { slug: project.slug };
}

export default function CollectionLayout() {
  const { slug } = useLoaderData<typeof loader>();
  const base = `/projects/${slug}/collection`;
  return (
    <>
      <h1>Data collection</h1>
      <nav aria-label="Data collection" className="tabs">
        <NavLink end to={base}>Import</NavLink>
        <NavLink to={`${base}/threads`}>Threads</NavLink>
        <NavLink to={`${base}/members`}>Members</NavLink>
        <NavLink to={`${base}/notes`}>Field notes</NavLink>
        <NavLink to={`${base}/search`}>Search</NavLink>
      </nav>
      <Outlet />
    </>
  );
}
