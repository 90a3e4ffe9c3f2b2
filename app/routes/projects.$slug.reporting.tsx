import type { LoaderFunctionArgs } from "@remix-run/node";
import { NavLink, Outlet, useLoaderData } from "@remix-run/react";
import { requireProjectCapability } from "~/server/guards.server";
import { roleAllows } from "~/server/research.server";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { project, role } = await requireProjectCapability(request, params.slug, "readReports");
  return { slug: project.slug, canReadData: roleAllows(role, "readData") };
}

export default function ReportingLayout() {
  const { slug, canReadData } = useLoaderData<typeof loader>();
  const base = `/projects/${slug}/reporting`;
  return (
    <>
      <h1>Reporting</h1>
      <nav aria-label="Reporting" className="tabs">
        <NavLink end to={base}>Findings</NavLink>
        <NavLink to={`${base}/guidelines`}>Engagement guidelines</NavLink>
        <NavLink to={`${base}/maps`}>Maps</NavLink>
        <NavLink to={`${base}/report`}>Report &amp; exports</NavLink>
        {canReadData ? <NavLink to={`${base}/member-checks`}>Member checks</NavLink> : null}
      </nav>
      <Outlet />
    </>
  );
}
