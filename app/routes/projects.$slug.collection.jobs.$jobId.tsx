import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData, useRevalidator } from "@remix-run/react";
import { useEffect } from "react";
import { store } from "~/server/context.server";
import { requireProjectCapability } from "~/server/guards.server";
import { getImportJob, isRefiImportReport } from "~/server/research.server";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { project } = await requireProjectCapability(request, params.slug, "readData");
  // From the jobs table: the page survives a server restart, and a job whose process died shows as failed.
  const job = await getImportJob({ store, slug: project.slug, jobId: params.jobId ?? "" });
  if (!job) throw new Response("Not found", { status: 404 });
  // An upload of a .qdc or .qdpx brings codes and codings, not posts: its report has another shape.
  const { report, ...rest } = job;
  const refi = report && isRefiImportReport(report) ? report : null;
  const corpus = report && !isRefiImportReport(report) ? report : null;
  return { slug: project.slug, job: { ...rest, report: corpus, refiReport: refi } };
}

export const meta: MetaFunction<typeof loader> = () => [
  { title: "Import · Netnography Workbench" },
];

export default function ImportJobPage() {
  const { slug, job } = useLoaderData<typeof loader>();
  const revalidator = useRevalidator();
  useEffect(() => {
    if (job.state !== "running") return;
    const timer = setInterval(() => revalidator.state === "idle" && revalidator.revalidate(), 700);
    return () => clearInterval(timer);
  }, [job.state, revalidator]);
  const percent =
    job.progress && job.progress.total > 0
      ? Math.round((job.progress.done / job.progress.total) * 100)
      : 0;
  return (
    <section className="card" aria-labelledby="job-heading">
      <h2 id="job-heading">{job.title}</h2>
      {job.state === "running" ? (
        // Without JavaScript the page refreshes itself while the import runs; with it, it revalidates.
        <noscript>
          <meta httpEquiv="refresh" content="2" />
        </noscript>
      ) : null}
      {job.state === "running" ? (
        <div role="status" aria-live="polite">
          <p>Importing… {job.progress?.label ?? "starting"}</p>
          <progress max={100} value={percent} aria-label="Import progress">
            {percent}%
          </progress>
        </div>
      ) : null}
      {job.state === "failed" ? (
        <div className="form-error" role="alert">
          <p>
            <strong>The import failed; nothing in the project was changed.</strong>
          </p>
          <p style={{ whiteSpace: "pre-wrap" }}>{job.error}</p>
        </div>
      ) : null}
      {job.state === "done" && job.report ? (
        <>
          <p className="notice" role="status">
            Import finished.
          </p>
          <table aria-label="Import report">
            <tbody>
              <tr>
                <th>New posts</th>
                <td className="num">{job.report.posts}</td>
              </tr>
              <tr>
                <th>New threads</th>
                <td className="num">{job.report.threads}</td>
              </tr>
              <tr>
                <th>New members</th>
                <td className="num">{job.report.members}</td>
              </tr>
              <tr>
                <th>Already present</th>
                <td className="num">{job.report.duplicates}</td>
              </tr>
              <tr>
                <th>Skipped as invalid</th>
                <td className="num">{job.report.skipped}</td>
              </tr>
              <tr>
                <th>Orphans (parent not collected)</th>
                <td className="num">{job.report.orphans}</td>
              </tr>
              <tr>
                <th>Not collected upstream (pagination, "more" stubs)</th>
                <td className="num">{job.report.notCollected}</td>
              </tr>
              <tr>
                <th>Deleted upstream (check the retention rule)</th>
                <td className="num">{job.report.deletedUpstream}</td>
              </tr>
              <tr>
                <th>Left out: members erased earlier</th>
                <td className="num">{job.report.erasedExcluded}</td>
              </tr>
            </tbody>
          </table>
          {job.report.invalid.length > 0 ? (
            <>
              <h3>Skipped records</h3>
              <ul className="small">
                {job.report.invalid.map((invalid, index) => (
                  <li key={index}>
                    {(invalid.file ?? "").split("/").pop()}
                    {invalid.line ? `:${invalid.line}` : ""}
                    {invalid.record !== undefined ? ` record ${invalid.record}` : ""}
                    {invalid.field ? ` (${invalid.field})` : ""}: {invalid.message}
                  </li>
                ))}
              </ul>
            </>
          ) : null}
          {job.report.ignoredFiles?.length ? (
            <>
              <h3>Files left out</h3>
              <ul className="small">
                {job.report.ignoredFiles.map((ignored) => (
                  <li key={ignored.file}>
                    {ignored.file}: {ignored.reason}
                  </li>
                ))}
              </ul>
            </>
          ) : null}
          <p>
            <Link to={`/projects/${slug}/collection/threads`}>Browse threads</Link>
          </p>
        </>
      ) : null}
      {job.state === "done" && job.refiReport ? (
        <>
          <p className="notice" role="status">
            REFI-QDA import finished.
          </p>
          <table aria-label="REFI-QDA import report">
            <tbody>
              <tr>
                <th>New codes</th>
                <td className="num">{job.refiReport.codes}</td>
              </tr>
              <tr>
                <th>Codes already in the codebook (reused)</th>
                <td className="num">{job.refiReport.reusedCodes}</td>
              </tr>
              <tr>
                <th>Sources</th>
                <td className="num">{job.refiReport.sources}</td>
              </tr>
              <tr>
                <th>Codings</th>
                <td className="num">{job.refiReport.codings}</td>
              </tr>
              <tr>
                <th>Skipped</th>
                <td className="num">{job.refiReport.skipped}</td>
              </tr>
              {job.refiReport.reading ? (
                <tr>
                  <th>Positions counted in</th>
                  <td>{job.refiReport.reading}</td>
                </tr>
              ) : null}
            </tbody>
          </table>
          {job.refiReport.notBroughtOver.length > 0 ? (
            <>
              <h3>Not brought over</h3>
              <ul className="small">
                {job.refiReport.notBroughtOver.map((line) => (
                  <li key={line}>{line}</li>
                ))}
              </ul>
            </>
          ) : null}
          <p>
            <Link to={`/projects/${slug}/coding`}>Open the codebook and codings</Link>
          </p>
        </>
      ) : null}
    </section>
  );
}
