import type { LoaderFunctionArgs } from "@remix-run/node";
import { Form, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { mapForPage, NetworkMap } from "~/components/network-map";
import { store } from "~/server/context.server";
import { requireProjectCapability } from "~/server/guards.server";
import { buildReportData, describeScope, listCodes } from "~/server/research.server";

const MEMBER_LIMITS = [100, 500, 2000] as const;

const MapsQuery = z.object({
  min: z.coerce.number().int().min(1).catch(1),
  members: z.coerce
    .number()
    .int()
    .refine((n) => (MEMBER_LIMITS as readonly number[]).includes(n))
    .catch(2000),
  colour: z.string().max(100).catch(""),
});

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { project } = await requireProjectCapability(request, params.slug, "readReports");
  const query = MapsQuery.parse(Object.fromEntries(new URL(request.url).searchParams));
  const [report, codes] = await Promise.all([
    buildReportData({
      store,
      slug: project.slug,
      memberNetworkLimit: query.members,
      memberColourCodeId: query.colour || null,
    }),
    listCodes({ store, slug: project.slug }),
  ]);
  return {
    slug: project.slug,
    query,
    maps: {
      members: report.maps.members ? mapForPage(report.maps.members) : null,
      codes: mapForPage(report.maps.codes),
      themes: mapForPage(report.maps.themes),
    },
    scope: describeScope(report.scope),
    codes: codes.map((code) => ({ id: code.id, name: code.name })),
  };
}

export default function MapsPage() {
  const { slug, query, maps, scope, codes } = useLoaderData<typeof loader>();
  const download = (format: string, network: string) =>
    `/projects/${slug}/reporting/download/${format}?network=${network}`;
  return (
    <>
      <p className="muted">
        Labels are pseudonyms (or consented handles when uncloaked). Each map downloads as GEXF
        (with time spells for Gephi), GraphML or a CSV edge list.{" "}
        {scope.replace("This report", "The maps")}
      </p>
      <section aria-label="Member interaction network">
        <Form method="get" className="row">
          <input type="hidden" name="min" value={query.min} />
          <div className="field">
            <label htmlFor="members">Members shown</label>
            <select id="members" name="members" defaultValue={query.members}>
              {MEMBER_LIMITS.map((n) => (
                <option key={n} value={n}>
                  {n} most active
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="colour">Colour members by</label>
            <select id="colour" name="colour" defaultValue={query.colour}>
              <option value="">Detected community (Louvain)</option>
              {codes.map((code) => (
                <option key={code.id} value={code.id}>
                  Code: {code.name}
                </option>
              ))}
            </select>
          </div>
          <button type="submit" className="secondary">
            Redraw
          </button>
        </Form>
        {maps.members && maps.members.nodes.length ? (
          <>
            <NetworkMap data={maps.members} />
            <p className="small">
              Download: <a href={download("gexf", "members")}>GEXF</a> ·{" "}
              <a href={download("graphml", "members")}>GraphML</a> ·{" "}
              <a href={download("csv", "members")}>CSV edge list</a>
            </p>
          </>
        ) : (
          <p className="muted">No reply links between members yet.</p>
        )}
      </section>
      <section aria-label="Code co-occurrence network">
        <Form method="get" className="row">
          <input type="hidden" name="members" value={query.members} />
          <input type="hidden" name="colour" value={query.colour} />
          <div className="field">
            <label htmlFor="min">Minimum co-occurrence</label>
            <input id="min" name="min" type="number" min={1} defaultValue={query.min} />
          </div>
          <button type="submit" className="secondary">
            Filter
          </button>
        </Form>
        {maps.codes.nodes.length ? (
          <NetworkMap data={maps.codes} minWeight={query.min} height={460} />
        ) : (
          <p className="muted">No coded data yet.</p>
        )}
        <p className="small">
          Download: <a href={download("gexf", "codes")}>GEXF</a> ·{" "}
          <a href={download("graphml", "codes")}>GraphML</a> ·{" "}
          <a href={download("csv", "codes")}>CSV edge list</a>
        </p>
      </section>
      <section aria-label="Theme map">
        {maps.themes.nodes.length ? (
          <NetworkMap data={maps.themes} height={420} />
        ) : (
          <p className="muted">No theme yet.</p>
        )}
      </section>
    </>
  );
}
