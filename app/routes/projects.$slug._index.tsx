import type { LoaderFunctionArgs } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { computePhasePath, countCorpus, roleAllows } from "~/server/research.server";
import { store } from "~/server/context.server";
import { requireProjectCapability } from "~/server/guards.server";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { project, role } = await requireProjectCapability(request, params.slug, "readReports");
  const [path, counts] = await Promise.all([
    computePhasePath({ store, slug: project.slug }),
    // Counts only (no content), so strategists may see them too.
    countCorpus({ store, slug: project.slug }),
  ]);
  return {
    slug: project.slug,
    title: project.title,
    path: {
      warnings: path.warnings,
      // A next step is shown only to a role that can take it (a strategist neither codes nor runs member
      // checks, a researcher does not edit the ethics plan).
      phases: path.phases.map(({ nextStepNeeds, ...phase }) => ({
        ...phase,
        nextStep: roleAllows(role, nextStepNeeds) ? phase.nextStep : null,
      })),
    },
    counts,
    canReadData: roleAllows(role, "readData"),
  };
}

const STATUS_LABEL = {
  done: "Done",
  "in-progress": "In progress",
  "not-started": "Not started",
} as const;
const PHASE_ROUTES = {
  objectives: "objectives",
  discovery: "discovery",
  entree: "entree",
  collection: "collection",
  coding: "coding",
  reporting: "reporting",
} as const;

export default function ProjectHome() {
  const { slug, title, path, counts, canReadData } = useLoaderData<typeof loader>();
  return (
    <>
      <h1>{title}</h1>
      {path.warnings.map((warning) => (
        <p key={warning} className="warning" role="alert">
          {warning}
        </p>
      ))}
      <section aria-labelledby="corpus-heading" className="card">
        <h2 id="corpus-heading">The corpus</h2>
        <p data-testid="corpus-counts">
          Visible: {counts.posts} post{counts.posts === 1 ? "" : "s"} in {counts.threads} thread
          {counts.threads === 1 ? "" : "s"} by {counts.members} member
          {counts.members === 1 ? "" : "s"}
        </p>
        {counts.withheldPosts > 0 || counts.withheldMembers > 0 ? (
          <p className="muted small" data-testid="corpus-withheld">
            Withheld because members opted out: {counts.withheldPosts} post
            {counts.withheldPosts === 1 ? "" : "s"} by {counts.withheldMembers} member
            {counts.withheldMembers === 1 ? "" : "s"}. They appear in no view, search, report or
            export.
          </p>
        ) : null}
      </section>
      <h2>The netnographic path</h2>
      <ol className="phase-path" aria-label="Phases of the study">
        {path.phases.map((phase) => {
          const open = canReadData || phase.id === "reporting";
          return (
            <li key={phase.id} aria-labelledby={`phase-${phase.id}`}>
              <span className="phase-number" aria-hidden="true">
                {phase.number}
              </span>
              <div>
                <h3 id={`phase-${phase.id}`}>
                  {open ? (
                    <Link to={`/projects/${slug}/${PHASE_ROUTES[phase.id]}`}>{phase.title}</Link>
                  ) : (
                    phase.title
                  )}
                </h3>
                <p className="muted small">{phase.summary}</p>
                {open && phase.nextStep ? (
                  <p className="small">
                    <strong>Next step:</strong> {phase.nextStep}
                  </p>
                ) : null}
              </div>
              <span className={`badge status-${phase.status}`} data-testid={`status-${phase.id}`}>
                {STATUS_LABEL[phase.status]}
              </span>
            </li>
          );
        })}
      </ol>
    </>
  );
}
