import { drag, select, zoom, zoomIdentity, type D3DragEvent } from "d3";
import { useEffect, useId, useMemo, useRef, useState } from "react";

export type MapNode = { id: string; label: string; size: number; group: string; colour: string; x: number; y: number };
export type MapEdge = { source: string; target: string; weight: number };
export type MapData = { title: string; nodes: MapNode[]; edges: MapEdge[]; legend: Array<{ label: string; colour: string }> };

const radius = (size: number) => Math.max(6, Math.min(26, 5 + Math.sqrt(size) * 2));

/**
 * An interactive relationship map: the server's layout drawn as SVG, with zoom and pan, dragging nodes,
 * hover details, a legend, and a keyboard-reachable list of the same nodes and links. Without JavaScript
 * the SVG and the list still show.
 */
export function NetworkMap({ data, minWeight = 1, height = 560 }: { data: MapData; minWeight?: number; height?: number }) {
  const svgRef = useRef<SVGSVGElement>(null);
  const id = useId();
  const [focus, setFocus] = useState<string | null>(null);
  const edges = useMemo(() => data.edges.filter((edge) => edge.weight >= minWeight), [data.edges, minWeight]);
  const byId = useMemo(() => new Map(data.nodes.map((node) => [node.id, node])), [data.nodes]);
  const degree = useMemo(() => {
    const counts = new Map<string, number>();
    for (const edge of edges) {
      counts.set(edge.source, (counts.get(edge.source) ?? 0) + edge.weight);
      counts.set(edge.target, (counts.get(edge.target) ?? 0) + edge.weight);
    }
    return counts;
  }, [edges]);
  const maxWeight = Math.max(1, ...edges.map((edge) => edge.weight));
  const showLabels = data.nodes.length <= 150;
  const labelled = useMemo(() => new Set((showLabels ? data.nodes : [...data.nodes].sort((a, b) => b.size - a.size).slice(0, 40)).map((n) => n.id)), [data.nodes, showLabels]);

  useEffect(() => {
    const svg = svgRef.current;
    if (!svg) return;
    const root = select(svg);
    const layer = root.select<SVGGElement>("g.layer");
    const behaviour = zoom<SVGSVGElement, unknown>().scaleExtent([0.2, 8]).on("zoom", (event) => layer.attr("transform", event.transform.toString()));
    root.call(behaviour).call(behaviour.transform, zoomIdentity);
    // Dragging moves a node and the lines that touch it.
    root.selectAll<SVGGElement, unknown>("g.node").call(
      drag<SVGGElement, unknown>().on("drag", function (event: D3DragEvent<SVGGElement, unknown, unknown>) {
        const nodeId = this.getAttribute("data-id") ?? "";
        this.setAttribute("transform", `translate(${event.x},${event.y})`);
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
  return (
    <figure className="card" aria-labelledby={`${id}-title`}>
      <figcaption id={`${id}-title`}><strong>{data.title}</strong> <span className="muted small">{data.nodes.length} nodes, {edges.length} links · scroll to zoom, drag to pan or move a node</span></figcaption>
      <div className="row small" aria-label="Legend">{data.legend.map((item) => <span key={item.label}><span className="swatch" style={{ background: item.colour }} aria-hidden="true" /> {item.label}</span>)}</div>
      {focused ? <p className="small" role="status">{focused.label}: size {focused.size}, {degree.get(focused.id) ?? 0} link weight, {focused.group}</p> : <p className="small muted">Hover or focus a node for details.</p>}
      <svg ref={svgRef} viewBox="0 0 900 600" role="img" aria-label={`${data.title} (the list below gives the same information)`} style={{ width: "100%", height, background: "#fff", border: "1px solid var(--line)", borderRadius: 6, cursor: "grab" }}>
        <g className="layer">
          {edges.map((edge, i) => {
            const a = byId.get(edge.source);
            const b = byId.get(edge.target);
            if (!a || !b) return null;
            const lit = focus && (edge.source === focus || edge.target === focus);
            return <line key={i} data-source={edge.source} data-target={edge.target} x1={a.x} y1={a.y} x2={b.x} y2={b.y} stroke={lit ? "#1f3550" : "#8a93a3"} strokeOpacity={lit ? 0.9 : 0.45} strokeWidth={1 + (3 * edge.weight) / maxWeight} />;
          })}
          {data.nodes.map((node) => (
            <g key={node.id} className="node" data-id={node.id} transform={`translate(${node.x},${node.y})`} onMouseEnter={() => setFocus(node.id)} onMouseLeave={() => setFocus(null)}>
              <circle r={radius(node.size)} fill={node.colour} stroke={focus === node.id ? "#f2b84b" : "#fff"} strokeWidth={focus === node.id ? 3 : 1}><title>{`${node.label} (${node.size})`}</title></circle>
              {labelled.has(node.id) || focus === node.id ? <text x={radius(node.size) + 4} y={5} fontSize={16} fill="#1d2430" paintOrder="stroke" stroke="#fff" strokeWidth={3} style={{ pointerEvents: "none" }}>{node.label}</text> : null}
            </g>
          ))}
        </g>
      </svg>
      <details>
        <summary>List view of the {data.nodes.length} nodes (keyboard and screen-reader friendly)</summary>
        <table aria-label={`${data.title} as a list`}>
          <thead><tr><th>Node</th><th>Group</th><th className="num">Size</th><th>Linked to (weight)</th></tr></thead>
          <tbody>
            {[...data.nodes].sort((a, b) => b.size - a.size).slice(0, 500).map((node) => (
              <tr key={node.id}>
                <td><button type="button" className="link" onFocus={() => setFocus(node.id)} onBlur={() => setFocus(null)} onClick={() => setFocus(node.id)}>{node.label}</button></td>
                <td>{node.group}</td>
                <td className="num">{node.size}</td>
                <td className="small">{edges.filter((e) => e.source === node.id || e.target === node.id).slice(0, 8).map((e) => `${byId.get(e.source === node.id ? e.target : e.source)?.label} (${e.weight})`).join(", ")}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
