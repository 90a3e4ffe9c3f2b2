import type { LoaderFunctionArgs } from "@remix-run/node";
import { Form, useLoaderData } from "@remix-run/react";
import { NetworkMap } from "~/components/network-map";
import { store } from "~/server/context.server";
import { requireProjectCapability } from "~/server/guards.server";
import { buildReportData } from "~/server/research.server";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { project } = await requireProjectCapability(request, params.slug, "readReports");
  const minWeight = Math.max(1, Number(new URL(request.url).searchParams.get("min") ?? 1) || 1);
  const report = await buildReportData({ store, slug: project.slug, memberNetworkLimit: 2000 });
  return { slug: project.slug, minWeight, maps: report.maps };
}

export default function MapsPage() {
  const { slug, minWeight, maps } = useLoaderData<typeof loader>();
  const download = (format: string, network: string) => `/projects/${slug}/reporting/download/${format}?network=${network}`;
  return (
    <>
      <p className="muted">Labels are pseudonyms (or consented handles when uncloaked). Each map downloads as GEXF (with time spells for Gephi), GraphML or a CSV edge list.</p>
      {maps.members && maps.members.nodes.length ? (
        <section aria-label="Member interaction network">
          <NetworkMap data={maps.members} />
          <p className="small">Download: <a href={download("gexf", "members")}>GEXF</a> · <a href={download("graphml", "members")}>GraphML</a> · <a href={download("csv", "members")}>CSV edge list</a></p>
        </section>
      ) : <p className="muted">No reply links between members yet.</p>}
      <section aria-label="Code co-occurrence network">
        <Form method="get" className="row">
          <div className="field"><label htmlFor="min">Minimum co-occurrence</label><input id="min" name="min" type="number" min={1} defaultValue={minWeight} /></div>
          <button type="submit" className="secondary">Filter</button>
        </Form>
        {maps.codes.nodes.length ? <NetworkMap data={maps.codes} minWeight={minWeight} height={460} /> : <p className="muted">No coded data yet.</p>}
        <p className="small">Download: <a href={download("gexf", "codes")}>GEXF</a> · <a href={download("graphml", "codes")}>GraphML</a> · <a href={download("csv", "codes")}>CSV edge list</a></p>
      </section>
      <section aria-label="Theme map">
        {maps.themes.nodes.length ? <NetworkMap data={maps.themes} height={420} /> : <p className="muted">No theme yet.</p>}
      </section>
    </>
  );
}
