import { drag, select, zoom, zoomIdentity, type D3DragEvent } from "d3";
import { memo, useEffect, useId, useMemo, useRef, useState } from "react";

export type MapNode = { id: string; label: string; size: number; group: string; colour: string; x: number; y: number; radius: number; labelSide: "right" | "left" | null };
export type MapEdge = { source: string; target: string; weight: number };
export type MapData = { title: string; nodes: MapNode[]; edges: MapEdge[]; legend: Array<{ label: string; colour: string }> };

const FRAME = { width: 900, height: 600 };

type NetworkLike = {
  title: string;
  nodes: ReadonlyArray<MapNode>;
  edges: ReadonlyArray<MapEdge>;
  legend: MapData["legend"];
};

/**
 * What a page sends of a network: the drawn fields only (no metrics or time spells: the downloads have
 * them), and short node keys instead of 36-character ids. A 2,000-member map has some 5,500 links, each
 * naming two nodes in the markup and again in the page's data: with the ids that was 3 MB of HTML.
 */
export function mapForPage(network: NetworkLike): MapData {
  const keys = new Map(network.nodes.map((node, i) => [node.id, i.toString(36)]));
  return {
    title: network.title,
    legend: network.legend,
    nodes: network.nodes.map(({ label, size, group, colour, x, y, radius, labelSide }, i) => ({
      id: i.toString(36),
      label,
      size,
      group,
      colour,
      x,
      y,
      radius,
      labelSide,
    })),
    edges: network.edges.flatMap(({ source, target, weight }) => {
      const from = keys.get(source);
      const to = keys.get(target);
      return from !== undefined && to !== undefined ? [{ source: from, target: to, weight }] : [];
    }),
  };
}
const LABEL_FONT = 14;
const LIST_LIMIT = 500;

/**
 * An interactive relationship map: the server's layout drawn as SVG, with zoom and pan, dragging nodes,
 * hover details, a legend, and a keyboard-reachable list of the same nodes and links. Without JavaScript
 * the SVG and the list still show. The drawing itself is rendered once; hovering only redraws a small
 * highlight layer, so a 2,000-member network stays responsive.
 */
export function NetworkMap({ data, minWeight = 1, height = 560 }: { data: MapData; minWeight?: number; height?: number }) {
  const svgRef = useRef<SVGSVGElement>(null);
  const moved = useRef(new Map<string, { x: number; y: number }>());
  const zoomScale = useRef(1);
  const id = useId();
  const [focus, setFocus] = useState<string | null>(null);
  const [filter, setFilter] = useState("");
  const edges = useMemo(() => data.edges.filter((edge) => edge.weight >= minWeight), [data.edges, minWeight]);
  const byId = useMemo(() => new Map(data.nodes.map((node) => [node.id, node])), [data.nodes]);
  // Replies run both ways (A to B and B to A are two edges): a neighbour is listed once, with both weights.
  const neighbours = useMemo(() => {
    const weights = new Map<string, Map<string, number>>();
    const add = (from: string, to: string, weight: number) => {
      const row = weights.get(from) ?? weights.set(from, new Map()).get(from)!;
      row.set(to, (row.get(to) ?? 0) + weight);
    };
    for (const edge of edges) {
      add(edge.source, edge.target, edge.weight);
      add(edge.target, edge.source, edge.weight);
    }
    return new Map([...weights].map(([id, row]) => [id, [...row].map(([other, weight]) => ({ other, weight })).sort((a, b) => b.weight - a.weight)]));
  }, [edges]);

  useEffect(() => {
    const svg = svgRef.current;
    if (!svg) return;
    moved.current.clear();
    const root = select(svg);
    const layer = root.selectAll<SVGGElement, unknown>("g.layer");
    const labels = root.selectAll<SVGTextElement, unknown>("g.drawing text");
    const behaviour = zoom<SVGSVGElement, unknown>().scaleExtent([0.5, 12]).on("zoom", (event) => {
      layer.attr("transform", event.transform.toString());
      zoomScale.current = event.transform.k;
      // Labels keep their reading size whatever the zoom.
      labels.attr("font-size", LABEL_FONT / event.transform.k).attr("stroke-width", 3 / event.transform.k);
    });
    root.call(behaviour).call(behaviour.transform, zoomIdentity);
    // Dragging moves a node, its label and the lines that touch it.
    root.selectAll<SVGGElement, unknown>("g.drawing g.node").call(
      drag<SVGGElement, unknown>().on("drag", function (event: D3DragEvent<SVGGElement, unknown, unknown>) {
        const nodeId = this.getAttribute("data-id") ?? "";
        moved.current.set(nodeId, { x: event.x, y: event.y });
        root.selectAll<SVGGElement, unknown>(`g.node[data-id="${CSS.escape(nodeId)}"], g.node-label[data-id="${CSS.escape(nodeId)}"]`).attr("transform", `translate(${event.x},${event.y})`);
        root.selectAll<SVGLineElement, unknown>(`line[data-source="${CSS.escape(nodeId)}"]`).attr("x1", event.x).attr("y1", event.y);
        root.selectAll<SVGLineElement, unknown>(`line[data-target="${CSS.escape(nodeId)}"]`).attr("x2", event.x).attr("y2", event.y);
      }).subject(function () {
        const match = /translate\(([-\d.]+),([-\d.]+)\)/.exec(this.getAttribute("transform") ?? "");
        return { x: Number(match?.[1] ?? 0), y: Number(match?.[2] ?? 0) };
      }),
    );
    return () => void root.on(".zoom", null);
  }, [data, edges]);

  const focused = focus ? byId.get(focus) : null;
  const at = (node: MapNode) => moved.current.get(node.id) ?? node;
  const listed = useMemo(() => {
    const needle = filter.trim().toLowerCase();
    const matching = needle ? data.nodes.filter((node) => node.label.toLowerCase().includes(needle) || node.group.toLowerCase().includes(needle)) : data.nodes;
    return [...matching].sort((a, b) => b.size - a.size).slice(0, LIST_LIMIT);
  }, [data.nodes, filter]);
  const focusedLinks = focused ? neighbours.get(focused.id) ?? [] : [];
  return (
    <figure className="card" aria-labelledby={`${id}-title`}>
      <figcaption id={`${id}-title`}><strong>{data.title}</strong> <span className="muted small">{data.nodes.length} nodes, {edges.length} links · scroll to zoom, drag to pan or move a node</span></figcaption>
      <ul className="legend small" aria-label="Legend">{data.legend.map((item) => <li key={item.label}><span className="swatch" style={{ background: item.colour }} aria-hidden="true" /> {item.label}</li>)}</ul>
      <p className="small" role="status" aria-live="polite">
        {focused ? `${focused.label}: size ${focused.size}, ${focusedLinks.length} linked node${focusedLinks.length === 1 ? "" : "s"}, ${focused.group}` : <span className="muted">Hover a node, or focus one in the list below, for details.</span>}
      </p>
      <svg ref={svgRef} viewBox={`0 0 ${FRAME.width} ${FRAME.height}`} role="img" aria-label={`${data.title} (the list below gives the same information)`} style={{ width: "100%", height, background: "#fff", border: "1px solid var(--line)", borderRadius: 6, cursor: "grab" }}
        onMouseOver={(event) => { const node = (event.target as Element).closest?.("g.node"); if (node) setFocus(node.getAttribute("data-id")); }}
        onMouseOut={(event) => { if ((event.target as Element).closest?.("g.node")) setFocus(null); }}>
        <g className="layer">
          <Drawing nodes={data.nodes} edges={edges} byId={byId} />
          {focused ? (
            <g className="highlight" style={{ pointerEvents: "none" }}>
              {focusedLinks.slice(0, 200).map(({ other }) => {
                const a = at(focused);
                const target = byId.get(other);
                if (!target) return null;
                const b = at(target);
                return <line key={other} x1={a.x} y1={a.y} x2={b.x} y2={b.y} stroke="#1f3550" strokeOpacity={0.85} strokeWidth={1.5} />;
              })}
              <g transform={`translate(${at(focused).x},${at(focused).y})`}>
                <circle r={focused.radius + 3} fill="none" stroke="#f2b84b" strokeWidth={3} />
                <text x={focused.radius + 6} y={5 / zoomScale.current} fontSize={LABEL_FONT / zoomScale.current} fontWeight={600} fill="#1d2430" paintOrder="stroke" stroke="#fff" strokeWidth={4 / zoomScale.current}>{focused.label}</text>
              </g>
            </g>
          ) : null}
        </g>
      </svg>
      <details>
        <summary>List view of the {data.nodes.length} nodes (keyboard and screen-reader friendly)</summary>
        <div className="field"><label htmlFor={`${id}-filter`}>Find a node</label><input id={`${id}-filter`} type="search" value={filter} onChange={(event) => setFilter(event.target.value)} placeholder="Name or group" /></div>
        <table aria-label={`${data.title} as a list`}>
          <thead><tr><th>Node</th><th>Group</th><th className="num">Size</th><th>Linked to (weight)</th></tr></thead>
          <tbody>
            {listed.map((node) => (
              <tr key={node.id}>
                <td><button type="button" className="link" aria-pressed={focus === node.id} onFocus={() => setFocus(node.id)} onBlur={() => setFocus(null)} onClick={() => setFocus(node.id)}>{node.label}</button></td>
                <td>{node.group}</td>
                <td className="num">{node.size}</td>
                <td className="small">{(neighbours.get(node.id) ?? []).slice(0, 8).map(({ other, weight }) => `${byId.get(other)?.label} (${weight})`).join(", ")}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {data.nodes.length > LIST_LIMIT && !filter ? <p className="small muted">The {LIST_LIMIT} largest nodes are listed; find a node by name to reach the others.</p> : null}
      </details>
    </figure>
  );
}

/** The static drawing: rendered again only when the data or the weight filter change. */
const Drawing = memo(function Drawing({ nodes, edges, byId }: { nodes: MapNode[]; edges: MapEdge[]; byId: Map<string, MapNode> }) {
  const large = nodes.length > 300;
  const maxWeight = Math.max(1, ...edges.map((edge) => edge.weight));
  return (
    <g className="drawing">
      {/* The links' colour and opacity are set once on their group (thousands of lines on a large map). */}
      <g className="links" stroke="#8a93a3" strokeOpacity={large ? 0.25 : 0.45}>
        {edges.map((edge, i) => {
          const a = byId.get(edge.source);
          const b = byId.get(edge.target);
          if (!a || !b) return null;
          return <line key={i} data-source={edge.source} data-target={edge.target} x1={a.x} y1={a.y} x2={b.x} y2={b.y} strokeWidth={Math.round(((large ? 0.6 : 1) + (3 * edge.weight) / maxWeight) * 10) / 10} />;
        })}
      </g>
      {nodes.map((node) => (
        <g key={node.id} className="node" data-id={node.id} transform={`translate(${node.x},${node.y})`}>
          <circle r={node.radius} fill={node.colour} stroke={node.labelSide ? "#1d2430" : "#fff"} strokeWidth={node.labelSide ? 1.2 : large ? 0.5 : 1}><title>{`${node.label} (${node.size})`}</title></circle>
        </g>
      ))}
      {/* Labels come after every node so that no node covers one; each keeps to its node when dragged. */}
      <g className="labels" style={{ pointerEvents: "none" }}>
        {nodes.filter((node) => node.labelSide).map((node) => (
          <g key={node.id} className="node-label" data-id={node.id} transform={`translate(${node.x},${node.y})`}>
            <text x={node.labelSide === "right" ? node.radius + 3 : -node.radius - 3} y={5} textAnchor={node.labelSide === "right" ? "start" : "end"} fontSize={LABEL_FONT} fill="#1d2430" paintOrder="stroke" stroke="#fff" strokeWidth={3}>{node.label}</text>
          </g>
        ))}
      </g>
    </g>
  );
});
