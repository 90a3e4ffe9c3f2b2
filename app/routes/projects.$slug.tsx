import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import {
  isRouteErrorResponse,
  NavLink,
  Outlet,
  useLoaderData,
  useRouteError,
  useRouteLoaderData,
} from "@remix-run/react";
import { keepLayoutAfterCodingAction } from "~/components/layout-revalidation";
import { roleAllows } from "~/server/research.server";
import { requireProjectCapability } from "~/server/guards.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `${data?.project.title ?? "Project"} · Netnography Workbench` },
];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { project, role } = await requireProjectCapability(request, params.slug, "readReports");
  return {
    project: { slug: project.slug, title: project.title, archived: project.archivedAt !== null },
    role,
    canReadData: roleAllows(role, "readData"),
    canManage: roleAllows(role, "manage"),
  };
}

// The project's title, archive state and the person's role do not change when a coding page saves.
export const shouldRevalidate = keepLayoutAfterCodingAction;

/** The phases a role can open: strategists see reporting only, never raw data. */
export const PHASE_LINKS = [
  { id: "objectives", number: 1, title: "Objectives", path: "objectives", needsData: true },
  { id: "discovery", number: 2, title: "Community discovery", path: "discovery", needsData: true },
  { id: "entree", number: 3, title: "Ethical entrée", path: "entree", needsData: true },
  { id: "collection", number: 4, title: "Data collection", path: "collection", needsData: true },
  { id: "coding", number: 5, title: "Hermeneutic coding", path: "coding", needsData: true },
  { id: "reporting", number: 6, title: "Reporting", path: "reporting", needsData: false },
] as const;

type ProjectLayoutData = Awaited<ReturnType<typeof loader>>;

/** The project's navigation, shown around its pages and around their errors alike. */
function ProjectNav({ project, role, canReadData, canManage }: ProjectLayoutData) {
  return (
    <nav className="project-nav" aria-label="Project">
      <p>
        <strong>{project.title}</strong>
        <br />
        <span className="muted small">
          {role}
          {project.archived ? " · archived" : ""}
        </span>
      </p>
      <ul>
        <li>
          <NavLink end to={`/projects/${project.slug}`}>
            <span className="phase-number">⌂</span>Overview
          </NavLink>
        </li>
      </ul>
      <ol>
        {PHASE_LINKS.filter((phase) => canReadData || !phase.needsData).map((phase) => (
          <li key={phase.id}>
            <NavLink to={`/projects/${project.slug}/${phase.path}`}>
              <span className="phase-number">{phase.number}</span>
              {phase.title}
            </NavLink>
          </li>
        ))}
      </ol>
      {canManage ? (
        <ul>
          <li>
            <NavLink to={`/projects/${project.slug}/settings`}>
              <span className="phase-number">⚙</span>Settings
            </NavLink>
          </li>
        </ul>
      ) : null}
    </nav>
  );
}

export default function ProjectLayout() {
  const layout = useLoaderData<typeof loader>();
  return (
    <div className="project-layout">
      <ProjectNav {...layout} />
      <div>
        <Outlet />
      </div>
    </div>
  );
}

/** What a person is told about an error: the status's meaning, never a stack trace. */
export function describeProjectError(error: unknown): {
  status: number;
  title: string;
  message: string;
} {
  const status = isRouteErrorResponse(error) ? error.status : 500;
  // A 4xx body is a sentence our guards wrote for people; a 5xx body may be internals.
  const said = isRouteErrorResponse(error) && typeof error.data === "string" && error.data.trim();
  if (status === 404)
    return {
      status,
      title: "Not found",
      // The guards answer a bare "Not found" so as not to reveal what exists; say it as a sentence.
      message: "This page does not exist in this project, or it was removed.",
    };
  if (status === 403)
    return {
      status,
      title: "Not allowed",
      message: said || "Your role in this project does not open this page.",
    };
  if (status >= 400 && status < 500)
    return {
      status,
      title: "This request could not be handled",
      message: said || "Check the address.",
    };
  return {
    status,
    title: "Something went wrong",
    message: "An unexpected error stopped this page. It was logged on the server; try again later.",
  };
}

/**
 * Errors of the project's pages bubble here: when the project itself loaded, they are shown inside its
 * layout so its navigation stays; otherwise (no such project, not a member) without it.
 */
export function ErrorBoundary() {
  const error = useRouteError();
  const layout = useRouteLoaderData<typeof loader>("routes/projects.$slug");
  const { title, message } = describeProjectError(error);
  const body = (
    <div className="card narrow" role="alert">
      <h1>{title}</h1>
      <p>{message}</p>
      <p>
        {layout ? (
          <NavLink to={`/projects/${layout.project.slug}`}>Back to the project overview</NavLink>
        ) : (
          <a href="/projects">Back to your projects</a>
        )}
      </p>
    </div>
  );
  if (!layout) return body;
  return (
    <div className="project-layout">
      <ProjectNav {...layout} />
      <div>{body}</div>
    </div>
  );
}
