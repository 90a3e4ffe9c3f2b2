import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { NavLink, Outlet, useLoaderData } from "@remix-run/react";
import { roleAllows } from "~/server/research.server";
import { requireProjectCapability } from "~/server/guards.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.project.title ?? "Project"} · Netnography Workbench` }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { project, role } = await requireProjectCapability(request, params.slug, "readReports");
  return {
    project: { slug: project.slug, title: project.title, archived: project.archivedAt !== null },
    role,
    canReadData: roleAllows(role, "readData"),
    canManage: roleAllows(role, "manage"),
  };
}

/** The phases a role can open: strategists see reporting only, never raw data. */
export const PHASE_LINKS = [
  { id: "objectives", number: 1, title: "Objectives", path: "objectives", needsData: true },
  { id: "discovery", number: 2, title: "Community discovery", path: "discovery", needsData: true },
  { id: "entree", number: 3, title: "Ethical entrée", path: "entree", needsData: true },
  { id: "collection", number: 4, title: "Data collection", path: "collection", needsData: true },
  { id: "coding", number: 5, title: "Hermeneutic coding", path: "coding", needsData: true },
  { id: "reporting", number: 6, title: "Reporting", path: "reporting", needsData: false },
] as const;

export default function ProjectLayout() {
  const { project, role, canReadData, canManage } = useLoaderData<typeof loader>();
  return (
    <div className="project-layout">
      <nav className="project-nav" aria-label="Project">
        <p><strong>{project.title}</strong><br /><span className="muted small">{role}{project.archived ? " · archived" : ""}</span></p>
        <ul>
          <li><NavLink end to={`/projects/${project.slug}`}><span className="phase-number">⌂</span>Overview</NavLink></li>
        </ul>
        <ol>
          {PHASE_LINKS.filter((phase) => canReadData || !phase.needsData).map((phase) => (
            <li key={phase.id}>
              <NavLink to={`/projects/${project.slug}/${phase.path}`}><span className="phase-number">{phase.number}</span>{phase.title}</NavLink>
            </li>
          ))}
        </ol>
        {canManage ? (
          <ul><li><NavLink to={`/projects/${project.slug}/settings`}><span className="phase-number">⚙</span>Settings</NavLink></li></ul>
        ) : null}
      </nav>
      <div>
        <Outlet />
      </div>
    </div>
  );
}
