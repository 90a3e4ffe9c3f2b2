import { forceCenter, forceCollide, forceLink, forceManyBody, forceSimulation, type SimulationLinkDatum, type SimulationNodeDatum } from "d3";
import Graph from "graphology";
import louvain from "graphology-communities-louvain";
import { displayName, type NameBook } from "../reporting/cloaking.js";
import type { VisibleCorpus } from "../collection/corpus.js";

export type NetworkNode = { id: string; label: string; size: number; group: string; colour: string; x: number; y: number; start?: string | null };
export type NetworkEdge = { source: string; target: string; weight: number; start?: string | null; end?: string | null };
export type Network = { kind: "members" | "codes" | "themes"; title: string; nodes: NetworkNode[]; edges: NetworkEdge[]; legend: Array<{ label: string; colour: string }> };

const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"];

/** Positions nodes with d3-force (deterministic start), so the browser and the exported SVG share one layout. */
export function layoutNetwork(nodes: Array<Omit<NetworkNode, "x" | "y">>, edges: NetworkEdge[], width = 900, height = 600): NetworkNode[] {
  type SimNode = SimulationNodeDatum & { id: string; size: number };
  const simNodes: SimNode[] = nodes.map((node, i) => ({ id: node.id, size: node.size, x: width / 2 + 200 * Math.cos(i * 2.399), y: height / 2 + 200 * Math.sin(i * 2.399) }));
  const links: Array<SimulationLinkDatum<SimNode>> = edges.map((edge) => ({ source: edge.source, target: edge.target }));
  const simulation = forceSimulation(simNodes)
    .force("link", forceLink<SimNode, SimulationLinkDatum<SimNode>>(links).id((d) => d.id).distance(nodes.length > 300 ? 20 : 60))
    .force("charge", forceManyBody().strength(nodes.length > 300 ? -15 : -120))
    .force("center", forceCenter(width / 2, height / 2))
    .force("collide", forceCollide<SimNode>().radius((d) => 4 + Math.sqrt(d.size) * 2))
    .stop();
  const ticks = nodes.length > 1000 ? 120 : 300;
  for (let i = 0; i < ticks; i++) simulation.tick();
  const xs = simNodes.map((n) => n.x ?? 0);
  const ys = simNodes.map((n) => n.y ?? 0);
  const [minX, maxX, minY, maxY] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  // Fit the drawing to the frame and centre it, leaving room for labels on the right.
  const margin = 70;
  const scale = Math.min((width - 2 * margin - 120) / Math.max(1, maxX - minX), (height - 2 * margin) / Math.max(1, maxY - minY), 4);
  const offsetX = (width - 120 - (maxX - minX) * scale) / 2;
  const offsetY = (height - (maxY - minY) * scale) / 2;
  return nodes.map((node, i) => ({ ...node, x: Math.round(offsetX + ((simNodes[i].x ?? 0) - minX) * scale), y: Math.round(offsetY + ((simNodes[i].y ?? 0) - minY) * scale) }));
}

/**
 * Who replies to whom, sized by activity, coloured by detected community (Louvain), labelled with
 * pseudonyms (or consented handles when uncloaked). Edge spells give Gephi the network over time.
 */
export function memberInteractionNetwork(corpus: VisibleCorpus, book: NameBook, maxNodes = 2000): Network {
  const weights = new Map<string, { weight: number; start: string | null; end: string | null }>();
  const activity = new Map<string, number>();
  const firstSeen = new Map<string, string | null>();
  for (const post of corpus.posts) {
    if (!post.memberId) continue;
    activity.set(post.memberId, (activity.get(post.memberId) ?? 0) + 1);
    if (!firstSeen.has(post.memberId)) firstSeen.set(post.memberId, post.createdAt);
    const parent = post.parentId ? corpus.postsById.get(post.parentId) : undefined;
    if (!parent?.memberId || parent.memberId === post.memberId) continue;
    const key = `${post.memberId}\u0000${parent.memberId}`;
    const entry = weights.get(key) ?? { weight: 0, start: post.createdAt, end: post.createdAt };
    entry.weight++;
    if (post.createdAt && (!entry.start || post.createdAt < entry.start)) entry.start = post.createdAt;
    if (post.createdAt && (!entry.end || post.createdAt > entry.end)) entry.end = post.createdAt;
    weights.set(key, entry);
  }
  const top = new Set([...activity].sort((a, b) => b[1] - a[1]).slice(0, maxNodes).map(([id]) => id));
  const graph = new Graph({ type: "undirected", multi: false });
  for (const id of top) graph.addNode(id);
  const edges: NetworkEdge[] = [];
  for (const [key, entry] of weights) {
    const [from, to] = key.split("\u0000");
    if (!top.has(from) || !top.has(to)) continue;
    edges.push({ source: from, target: to, weight: entry.weight, start: entry.start, end: entry.end });
    if (graph.hasEdge(from, to)) graph.updateEdgeAttribute(from, to, "weight", (w: number) => w + entry.weight);
    else graph.addEdge(from, to, { weight: entry.weight });
  }
  const communities = graph.size > 0 ? louvain(graph, { getEdgeWeight: "weight", rng: seeded(7) }) : {};
  const groupNames = new Map<number, string>();
  const nodes = [...top].map((id) => {
    const community = (communities as Record<string, number>)[id] ?? -1;
    if (!groupNames.has(community)) groupNames.set(community, `Group ${groupNames.size + 1}`);
    return { id, label: displayName(corpus.members.get(id), book), size: activity.get(id) ?? 1, group: groupNames.get(community)!, colour: PALETTE[[...groupNames.keys()].indexOf(community) % PALETTE.length], start: firstSeen.get(id) ?? null };
  });
  return {
    kind: "members", title: "Member interaction network", nodes: layoutNetwork(nodes, edges), edges,
    legend: [...groupNames.values()].slice(0, 10).map((label, i) => ({ label: `${label} (Louvain community)`, colour: PALETTE[i % PALETTE.length] })),
  };
}

function seeded(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1664525 + 1013904223) % 2 ** 32;
    return state / 2 ** 32;
  };
}

/** Code co-occurrence as a network, keeping edges of at least `minWeight`. */
export function codeNetwork(data: { nodes: Array<{ id: string; name: string; colour: string; count: number }>; edges: Array<{ source: string; target: string; weight: number }> }, minWeight = 1): Network {
  const edges = data.edges.filter((edge) => edge.weight >= minWeight);
  const nodes = data.nodes.filter((node) => node.count > 0).map((node) => ({ id: node.id, label: node.name, size: node.count, group: "code", colour: node.colour }));
  const ids = new Set(nodes.map((n) => n.id));
  const kept = edges.filter((edge) => ids.has(edge.source) && ids.has(edge.target));
  return { kind: "codes", title: "Code co-occurrence network", nodes: layoutNetwork(nodes, kept), edges: kept, legend: [{ label: "Code (size: coded sources; line: sources coded with both)", colour: "#1f77b4" }] };
}

/** Themes → codes → touchpoints: the picture that heads the engagement guidelines. */
export function themeMap(themes: Array<{ id: string; name: string; codeIds: string[]; touchpoint: string }>, codes: Map<string, string>): Network {
  const nodes: Array<Omit<NetworkNode, "x" | "y">> = [];
  const edges: NetworkEdge[] = [];
  const seen = new Set<string>();
  const add = (node: Omit<NetworkNode, "x" | "y">) => {
    if (!seen.has(node.id)) nodes.push(node);
    seen.add(node.id);
  };
  for (const theme of themes) {
    add({ id: `theme:${theme.id}`, label: theme.name, size: 30, group: "theme", colour: "#d62728" });
    for (const codeId of theme.codeIds) {
      add({ id: `code:${codeId}`, label: codes.get(codeId) ?? "code", size: 10, group: "code", colour: "#1f77b4" });
      edges.push({ source: `theme:${theme.id}`, target: `code:${codeId}`, weight: 1 });
    }
    if (theme.touchpoint.trim()) {
      add({ id: `touchpoint:${theme.touchpoint.trim().toLowerCase()}`, label: theme.touchpoint.trim(), size: 18, group: "touchpoint", colour: "#2ca02c" });
      edges.push({ source: `theme:${theme.id}`, target: `touchpoint:${theme.touchpoint.trim().toLowerCase()}`, weight: 2 });
    }
  }
  return { kind: "themes", title: "Theme map", nodes: layoutNetwork(nodes, edges), edges, legend: [{ label: "Theme", colour: "#d62728" }, { label: "Code", colour: "#1f77b4" }, { label: "Touchpoint", colour: "#2ca02c" }] };
}

const xml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** The same layout as a static, self-contained SVG (for HTML exports and print). */
export function networkToSvg(network: Network, width = 900, height = 600): string {
  const byId = new Map(network.nodes.map((node) => [node.id, node]));
  const maxWeight = Math.max(1, ...network.edges.map((edge) => edge.weight));
  const radius = (size: number) => Math.max(6, Math.min(26, 5 + Math.sqrt(size) * 2));
  const labelled = network.nodes.length <= 150 ? network.nodes : [...network.nodes].sort((a, b) => b.size - a.size).slice(0, 60);
  const lines = network.edges.map((edge) => {
    const a = byId.get(edge.source);
    const b = byId.get(edge.target);
    return a && b ? `<line x1="${a.x}" y1="${a.y}" x2="${b.x}" y2="${b.y}" stroke="#8a93a3" stroke-opacity="0.5" stroke-width="${(1 + (3 * edge.weight) / maxWeight).toFixed(1)}"/>` : "";
  });
  const circles = network.nodes.map((node) => `<circle cx="${node.x}" cy="${node.y}" r="${radius(node.size)}" fill="${node.colour}" stroke="#fff" stroke-width="1"><title>${xml(node.label)} (${node.size})</title></circle>`);
  const labels = labelled.map((node) => `<text x="${node.x + radius(node.size) + 3}" y="${node.y + 4}" font-size="15" font-family="system-ui, sans-serif" fill="#1d2430" paint-order="stroke" stroke="#fff" stroke-width="3">${xml(node.label)}</text>`);
  const legend = network.legend.map((item, i) => `<g transform="translate(12,${16 + i * 18})"><rect width="12" height="12" fill="${item.colour}"/><text x="18" y="10" font-size="13" font-family="system-ui, sans-serif">${xml(item.label)}</text></g>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" role="img" aria-label="${xml(network.title)}"><title>${xml(network.title)}</title><rect width="100%" height="100%" fill="#fff"/>${lines.join("")}${circles.join("")}${labels.join("")}${legend.join("")}</svg>`;
}

function rgb(hex: string): { r: number; g: number; b: number } {
  const full = hex.length === 4 ? `#${[...hex.slice(1)].map((c) => c + c).join("")}` : hex;
  const value = Number.parseInt(full.slice(1, 7), 16) || 0;
  return { r: (value >> 16) & 255, g: (value >> 8) & 255, b: value & 255 };
}

/**
 * GEXF 1.3 with time spells: nodes start when the member first posted, edges live from the first to the
 * last reply, so Gephi's timeline can play the network. Ids are positional: nothing internal leaks.
 */
export function networkToGexf(network: Network): string {
  const ids = new Map(network.nodes.map((node, i) => [node.id, `n${i}`]));
  const day = (value: string | null | undefined) => (value ? value.slice(0, 10) : undefined);
  const spell = (start?: string, end?: string) => `${start ? ` start="${start}"` : ""}${end ? ` end="${end}"` : ""}`;
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<gexf xmlns="http://gexf.net/1.3" xmlns:viz="http://gexf.net/1.3/viz" version="1.3">`,
    `  <meta><creator>Netnography Workbench</creator><description>${xml(network.title)}</description></meta>`,
    `  <graph defaultedgetype="undirected" mode="dynamic" timeformat="date">`,
    `    <attributes class="node" mode="static"><attribute id="group" title="group" type="string"/></attributes>`,
    `    <nodes>`,
    ...network.nodes.map((node) => {
      const colour = rgb(node.colour);
      return `      <node id="${ids.get(node.id)}" label="${xml(node.label)}"${spell(day(node.start))}><attvalues><attvalue for="group" value="${xml(node.group)}"/></attvalues><viz:color r="${colour.r}" g="${colour.g}" b="${colour.b}"/><viz:size value="${node.size}"/><viz:position x="${node.x}" y="${node.y}" z="0"/></node>`;
    }),
    `    </nodes>`,
    `    <edges>`,
    ...network.edges.filter((edge) => ids.has(edge.source) && ids.has(edge.target)).map((edge, i) => `      <edge id="e${i}" source="${ids.get(edge.source)}" target="${ids.get(edge.target)}" weight="${edge.weight}"${spell(day(edge.start), day(edge.end))}/>`),
    `    </edges>`,
    `  </graph>`,
    `</gexf>`,
  ].join("\n") + "\n";
}

/** GraphML with typed keys for label, size, group, colour, position, weight and dates. */
export function networkToGraphml(network: Network): string {
  const keys = [
    ["label", "node", "string"], ["size", "node", "double"], ["group", "node", "string"], ["color", "node", "string"], ["x", "node", "double"], ["y", "node", "double"], ["start", "node", "string"],
    ["weight", "edge", "double"], ["estart", "edge", "string"], ["eend", "edge", "string"],
  ];
  const data = (key: string, value: string | number | null | undefined) => (value === null || value === undefined || value === "" ? "" : `<data key="${key}">${xml(String(value))}</data>`);
  const ids = new Map(network.nodes.map((node, i) => [node.id, `n${i}`]));
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<graphml xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">`,
    ...keys.map(([id, kind, type]) => `  <key id="${id}" for="${kind}" attr.name="${id === "estart" ? "start" : id === "eend" ? "end" : id}" attr.type="${type}"/>`),
    `  <graph id="${network.kind}" edgedefault="undirected">`,
    ...network.nodes.map((node) => `    <node id="${ids.get(node.id)}">${data("label", node.label)}${data("size", node.size)}${data("group", node.group)}${data("color", node.colour)}${data("x", node.x)}${data("y", node.y)}${data("start", node.start?.slice(0, 10))}</node>`),
    ...network.edges.filter((edge) => ids.has(edge.source) && ids.has(edge.target)).map((edge, i) => `    <edge id="e${i}" source="${ids.get(edge.source)}" target="${ids.get(edge.target)}">${data("weight", edge.weight)}${data("estart", edge.start?.slice(0, 10))}${data("eend", edge.end?.slice(0, 10))}</edge>`),
    `  </graph>`,
    `</graphml>`,
  ].join("\n") + "\n";
}

export function networkToCsv(network: Network): string {
  const label = new Map(network.nodes.map((node) => [node.id, node.label]));
  const quote = (text: string) => `"${text.replace(/"/g, '""')}"`;
  return ["source,target,weight,start,end", ...network.edges.map((edge) => [quote(label.get(edge.source) ?? edge.source), quote(label.get(edge.target) ?? edge.target), edge.weight, edge.start ?? "", edge.end ?? ""].join(","))].join("\n") + "\n";
}
