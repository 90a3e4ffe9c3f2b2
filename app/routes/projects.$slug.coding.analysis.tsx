import type { LoaderFunctionArgs } from "@remix-run/node";
import { Form, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { store } from "~/server/context.server";
import { requireProjectCapability } from "~/server/guards.server";
import {
  AGREEMENT_UNITS,
  DEFAULT_MINIMUM_OVERLAP,
  codeCooccurrence,
  codeFrequencies,
  computeAgreement,
  listCoders,
} from "~/server/research.server";

// Built in the loader: AGREEMENT_UNITS comes from the server module, absent from the browser bundle.
const query = () =>
  z.object({
    by: z.enum(["community", "member", "month"]).catch("community"),
    coders: z.array(z.string()).catch([]),
    unit: z.enum(AGREEMENT_UNITS).catch("post"),
    // Percent in the form, a share in the command.
    overlap: z.coerce
      .number()
      .int()
      .min(1)
      .max(100)
      .catch(Math.round(DEFAULT_MINIMUM_OVERLAP * 100)),
  });

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { project } = await requireProjectCapability(request, params.slug, "readData");
  const url = new URL(request.url);
  const chosen = query().parse({
    by: url.searchParams.get("by") ?? undefined,
    coders: url.searchParams.getAll("coder"),
    unit: url.searchParams.get("unit") ?? undefined,
    overlap: url.searchParams.get("overlap") ?? undefined,
  });
  const [frequencies, cooccurrence, users] = await Promise.all([
    codeFrequencies({ store, slug: project.slug, by: chosen.by }),
    codeCooccurrence({ store, slug: project.slug }),
    listCoders({ store, slug: project.slug }),
  ]);
  const names = new Map(users.map((u) => [u.id, u.name]));
  const agreement =
    chosen.coders.length >= 2
      ? await computeAgreement({
          store,
          slug: project.slug,
          coderIds: chosen.coders,
          unit: chosen.unit,
          minimumOverlap: chosen.overlap / 100,
        })
      : null;
  return {
    by: chosen.by,
    chosenCoders: chosen.coders,
    unit: chosen.unit,
    overlap: chosen.overlap,
    frequencies,
    cooccurrence,
    coders: users.filter((u) => u.coded).map((u) => ({ id: u.id, name: u.name })),
    agreement: agreement
      ? {
          ...agreement,
          disagreements: agreement.disagreements.map((d) => ({
            ...d,
            appliedBy: d.appliedBy.map((id) => names.get(id) ?? id),
            notAppliedBy: d.notAppliedBy.map((id) => names.get(id) ?? id),
            quotes: d.quotes.map((q) => ({ ...q, coderId: names.get(q.coderId) ?? q.coderId })),
          })),
        }
      : null,
  };
}

const fmt = (value: number | null, percent = false) =>
  value === null ? "—" : percent ? `${Math.round(value * 100)}%` : value.toFixed(2);

export default function AnalysisPage() {
  const { by, chosenCoders, unit, overlap, frequencies, cooccurrence, coders, agreement } =
    useLoaderData<typeof loader>();
  return (
    <>
      <section className="card" aria-labelledby="agreement-heading">
        <h2 id="agreement-heading">Agreement between coders</h2>
        <p className="small muted">
          Per post: every source any chosen coder coded is in the sample, and a unit is a source and
          a code, applied anywhere in it or not; a source a coder left without any code counts as
          that coder applying none of the codes there. Cohen's kappa needs exactly two coders;
          Krippendorff's alpha takes any number. Per segment (as ATLAS.ti and MAXQDA compare): a
          unit is a passage a coder marked with a code; it is agreed when every chosen coder marked
          the same code on a passage overlapping it by at least the minimum overlap (shared length
          over joint length), and a passage only some coders marked is a disagreement. Overall kappa
          per segment is Brennan &amp; Prediger's, chance being one in the number of codes, as in
          MAXQDA.
        </p>
        <Form method="get" className="row">
          <input type="hidden" name="by" value={by} />
          <fieldset>
            <legend className="small">Coders</legend>
            {coders.map((coder) => (
              <label key={coder.id} style={{ marginRight: "1rem" }}>
                <input
                  type="checkbox"
                  name="coder"
                  value={coder.id}
                  defaultChecked={chosenCoders.includes(coder.id)}
                />{" "}
                {coder.name}
              </label>
            ))}
          </fieldset>
          <div className="field">
            <label htmlFor="agreement-unit">Unit</label>
            <select id="agreement-unit" name="unit" defaultValue={unit}>
              <option value="post">Post (code present anywhere in it)</option>
              <option value="segment">Segment (overlapping passages)</option>
            </select>
          </div>
          <div className="field">
            <label htmlFor="agreement-overlap">Minimum overlap for segments (%)</label>
            <input
              id="agreement-overlap"
              name="overlap"
              type="number"
              min={1}
              max={100}
              defaultValue={overlap}
              style={{ width: "6rem" }}
            />
          </div>
          <button type="submit" className="secondary">
            Compare
          </button>
        </Form>
        {agreement ? (
          <>
            <p className="small">
              {agreement.unit === "segment"
                ? `Unit: segment, passages matched at ${Math.round((agreement.minimumOverlap ?? 0) * 100)}% overlap. ${agreement.overall.units} passages in ${agreement.sampleSize} sources.`
                : `Unit: post. ${agreement.sampleSize} sources coded by at least one chosen coder.`}
            </p>
            <table aria-label="Agreement per code">
              <thead>
                <tr>
                  <th>Code</th>
                  <th className="num">{agreement.unit === "segment" ? "Passages" : "Units"}</th>
                  <th className="num">Agreement</th>
                  <th className="num">
                    {agreement.unit === "segment" ? "κ (Brennan & Prediger)" : "Cohen's κ"}
                  </th>
                  <th className="num">Krippendorff's α</th>
                </tr>
              </thead>
              <tbody>
                {[...agreement.rows, agreement.overall].map((row) => (
                  <tr key={row.codeId ?? "all"}>
                    <td>{row.codeId ? row.codeName : <strong>All codes</strong>}</td>
                    <td className="num">{row.units}</td>
                    <td className="num">{fmt(row.percentAgreement, true)}</td>
                    <td className="num">{fmt(row.cohensKappa)}</td>
                    <td className="num">{fmt(row.krippendorffAlpha)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <h3>Disagreements to discuss</h3>
            {agreement.disagreementCount > agreement.disagreements.length ? (
              <p className="muted small">
                The first {agreement.disagreements.length.toLocaleString("en")} of{" "}
                {agreement.disagreementCount.toLocaleString("en")}, in the order of their sources.
              </p>
            ) : null}
            {agreement.disagreements.length === 0 ? (
              <p className="muted small">None.</p>
            ) : (
              <ul className="small">
                {agreement.disagreements.map((d, i) => (
                  <li key={i}>
                    <strong>{d.codeName}</strong> in {d.sourceLabel}: applied by{" "}
                    {d.appliedBy.join(", ")}, not by {d.notAppliedBy.join(", ")}
                    {d.quotes.length ? (
                      <>
                        {" "}
                        —{" "}
                        {d.quotes.map((q) => `${q.coderId}: “${q.quote.slice(0, 80)}”`).join("; ")}
                      </>
                    ) : null}
                  </li>
                ))}
              </ul>
            )}
          </>
        ) : (
          <p className="muted small">Tick two or more coders.</p>
        )}
      </section>
      <section className="card" aria-labelledby="freq-heading">
        <h2 id="freq-heading">Code frequencies</h2>
        <Form method="get" className="row">
          {chosenCoders.map((c) => (
            <input key={c} type="hidden" name="coder" value={c} />
          ))}
          <input type="hidden" name="unit" value={unit} />
          <input type="hidden" name="overlap" value={overlap} />
          <div className="field">
            <label htmlFor="by">Split by</label>
            <select id="by" name="by" defaultValue={by}>
              <option value="community">Community</option>
              <option value="member">Member</option>
              <option value="month">Month</option>
            </select>
          </div>
          <button type="submit" className="secondary">
            Show
          </button>
        </Form>
        <div style={{ overflowX: "auto" }}>
          <table aria-label="Code frequencies">
            <thead>
              <tr>
                <th>Code</th>
                <th className="num">Total</th>
                {frequencies.groups.slice(0, 30).map((g) => (
                  <th key={g} className="num">
                    {g}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {frequencies.codes.map((code) => (
                <tr key={code.id}>
                  <td>{code.name}</td>
                  <td className="num">{code.total}</td>
                  {frequencies.groups.slice(0, 30).map((g) => (
                    <td key={g} className="num">
                      {frequencies.counts[code.id]?.[g] ?? ""}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      <section className="card" aria-labelledby="cooc-heading">
        <h2 id="cooc-heading">Code co-occurrence</h2>
        <p className="small muted">Number of sources where both codes were applied.</p>
        <div style={{ overflowX: "auto" }}>
          <table aria-label="Co-occurrence matrix">
            <thead>
              <tr>
                <th>
                  <span className="visually-hidden">Code</span>
                </th>
                {cooccurrence.nodes.map((n) => (
                  <th key={n.id} className="num">
                    {n.name}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {cooccurrence.nodes.map((n, i) => (
                <tr key={n.id}>
                  <th scope="row">{n.name}</th>
                  {cooccurrence.matrix[i].map((v, j) => (
                    <td key={j} className="num">
                      {i === j ? "—" : v || ""}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </>
  );
}
