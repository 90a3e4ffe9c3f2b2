import {
  forceCollide,
  forceLink,
  forceManyBody,
  forceSimulation,
  forceX,
  forceY,
  interpolateRgb,
  type SimulationLinkDatum,
  type SimulationNodeDatum,
} from "d3";
import Graph from "graphology";
import louvain from "graphology-communities-louvain";
import betweennessCentrality from "graphology-metrics/centrality/betweenness.js";
import { LRUCache } from "lru-cache";
import { codebookFile } from "../coding/model.js";
import {
  getCorpusRevision,
  projectSql,
  visibleMembers,
  visiblePostsOf,
} from "../collection/corpus.js";
import { ConsentStatusSchema, type CloakingLevel, type ConsentStatus } from "../entree/model.js";
import { projectKeys } from "../projects/model.js";
import { displayName, type NamedMember } from "../reporting/cloaking.js";
import { nextTurn } from "../shared/next-turn.js";
import { cachedOffThread } from "./analysis-cache.js";
import type { DocumentStore, Queryable } from "../store/index.js";
import { countCodedPostsByMember, countCodeCooccurrence } from "./coding-queries.js";

export type NetworkNode = {
  id: string;
  label: string;
  size: number;
  group: string;
  colour: string;
  x: number;
  y: number;
  radius: number;
  labelSide: "right" | "left" | null;
  start?: string | null;
  /** Member networks: who answered this member (in) and whom they answered (out), and brokerage. */
  metrics?: MemberMetrics;
};
/**
 * Degrees count distinct members (replies, not posts); weighted degrees count replies; betweenness is
 * normalised (0 to 1) on the directed reply graph: how often a member lies on the shortest reply paths.
 */
export type MemberMetrics = {
  inDegree: number;
  outDegree: number;
  repliesReceived: number;
  repliesGiven: number;
  betweenness: number;
};
export type NetworkEdge = {
  source: string;
  target: string;
  weight: number;
  start?: string | null;
  end?: string | null;
};
export type Network = {
  kind: "members" | "codes" | "themes";
  title: string;
  nodes: NetworkNode[];
  edges: NetworkEdge[];
  legend: Array<{ label: string; colour: string }>;
};
type UnplacedNode = Omit<NetworkNode, "x" | "y" | "radius" | "labelSide">;

/** The drawing frame shared by the browser map and the exported SVG. */
export const FRAME = { width: 900, height: 600 } as const;
const PALETTE = [
  "#1f77b4",
  "#d62728",
  "#2ca02c",
  "#9467bd",
  "#ff7f0e",
  "#17becf",
  "#8c564b",
  "#e377c2",
  "#bcbd22",
];
const OTHER_GROUPS = "#9aa3ae";
const UNCONNECTED = "#d5d9df";
const LABEL_FONT = 14;

/**
 * Node radii shrink as the network grows, so that 2,000 members still fit the frame without covering each
 * other: the largest node gets about a third of the space one node would have on an even grid.
 */
function radiusScale(nodes: Array<{ size: number }>): (size: number) => number {
  const maxSize = Math.max(1, ...nodes.map((node) => node.size));
  const largest = Math.max(
    6,
    Math.min(26, Math.sqrt((FRAME.width * FRAME.height) / Math.max(1, nodes.length)) * 0.45),
  );
  const smallest = nodes.length > 500 ? 2.5 : nodes.length > 150 ? 4 : 6;
  return (size) => smallest + (largest - smallest) * Math.sqrt(Math.max(0, size) / maxSize);
}

/**
 * Positions nodes with d3-force from a deterministic start, so the browser and the exported SVG share one
 * layout. A gentle pull to the centre keeps disconnected members in view; after fitting the drawing to the
 * frame a few collision-only passes separate nodes that scaling pushed together.
 */
type LayoutOptions = { width: number; height: number; clusterOf?: (id: string) => number | null };

/** Lays a (small) network out at once. */
export function layoutNetwork(
  nodes: UnplacedNode[],
  edges: NetworkEdge[],
  options: LayoutOptions = FRAME,
): NetworkNode[] {
  const steps = layoutSteps(nodes, edges, options);
  for (let step = steps.next(); ; step = steps.next()) if (step.done) return step.value;
}

/**
 * Lays a large network out a few ticks at a time, letting the server answer other requests in between:
 * 2,000 nodes take seconds of CPU.
 */
export async function layoutNetworkInSlices(
  nodes: UnplacedNode[],
  edges: NetworkEdge[],
  options: LayoutOptions = FRAME,
): Promise<NetworkNode[]> {
  const steps = layoutSteps(nodes, edges, options);
  for (let step = steps.next(); ; step = steps.next()) {
    if (step.done) return step.value;
    await nextTurn();
  }
}

const TICKS_PER_SLICE = 8;

function* layoutSteps(
  nodes: UnplacedNode[],
  edges: NetworkEdge[],
  { width, height, clusterOf }: LayoutOptions,
): Generator<void, NetworkNode[]> {
  type SimNode = SimulationNodeDatum & { id: string; r: number };
  const radius = radiusScale(nodes);
  const large = nodes.length > 300;
  const simNodes: SimNode[] = nodes.map((node, i) => {
    const distance = 12 * Math.sqrt(i + 0.5); // phyllotaxis, as d3 itself starts
    return {
      id: node.id,
      r: radius(node.size),
      x: width / 2 + distance * Math.cos(i * 2.39996),
      y: height / 2 + distance * Math.sin(i * 2.39996),
    };
  });
  // Detected groups are pulled towards their own places on a ring, so that colours form visible regions.
  const clusters = [
    ...new Set(
      nodes.map((node) => clusterOf?.(node.id) ?? null).filter((c): c is number => c !== null),
    ),
  ].sort((a, b) => a - b);
  const ring = Math.min(width, height) * 0.32;
  const anchors = new Map(
    clusters.map((cluster, i) => [
      cluster,
      clusters.length < 2
        ? { x: width / 2, y: height / 2 }
        : {
            x: width / 2 + ring * 1.4 * Math.cos((2 * Math.PI * i) / clusters.length),
            y: height / 2 + ring * Math.sin((2 * Math.PI * i) / clusters.length),
          },
    ]),
  );
  const centre = { x: width / 2, y: height / 2 };
  const anchor = (id: string) => anchors.get(clusterOf?.(id) ?? -1) ?? centre;
  const ids = new Set(nodes.map((node) => node.id));
  const links: Array<SimulationLinkDatum<SimNode>> = edges
    .filter((edge) => ids.has(edge.source) && ids.has(edge.target))
    .map((edge) => ({ source: edge.source, target: edge.target }));
  const simulation = forceSimulation(simNodes)
    .force(
      "link",
      forceLink<SimNode, SimulationLinkDatum<SimNode>>(links)
        .id((d) => d.id)
        .distance(large ? 25 : 70)
        .strength(large ? 0.15 : 0.5),
    )
    .force(
      "charge",
      forceManyBody<SimNode>()
        .strength(large ? -25 : -160)
        .distanceMax(large ? 220 : 600)
        .theta(large ? 1.1 : 0.9),
    )
    .force("x", forceX<SimNode>((d) => anchor(d.id).x).strength(large ? 0.08 : 0.04))
    .force("y", forceY<SimNode>((d) => anchor(d.id).y).strength(large ? 0.11 : 0.06))
    .force(
      "collide",
      forceCollide<SimNode>().radius((d) => d.r + 1.5),
    )
    .stop();
  const ticks = nodes.length > 1000 ? 110 : nodes.length > 300 ? 200 : 300;
  for (let i = 0; i < ticks; i++) {
    simulation.tick();
    if (i % TICKS_PER_SLICE === TICKS_PER_SLICE - 1) yield;
  }

  // Fit to the frame, leaving room on the right for labels.
  const margin = 24;
  const labelRoom = 110;
  const xs = simNodes.map((n) => n.x ?? 0);
  const ys = simNodes.map((n) => n.y ?? 0);
  const [minX, maxX, minY, maxY] = [
    Math.min(...xs),
    Math.max(...xs),
    Math.min(...ys),
    Math.max(...ys),
  ];
  const scale = Math.min(
    (width - 2 * margin - labelRoom) / Math.max(1, maxX - minX),
    (height - 2 * margin) / Math.max(1, maxY - minY),
    3,
  );
  const offsetX = (width - labelRoom - (maxX - minX) * scale) / 2;
  const offsetY = (height - (maxY - minY) * scale) / 2;
  for (const node of simNodes) {
    node.x = offsetX + ((node.x ?? 0) - minX) * scale;
    node.y = offsetY + ((node.y ?? 0) - minY) * scale;
    node.vx = node.vy = 0;
  }
  const separate = forceSimulation(simNodes)
    .force(
      "collide",
      forceCollide<SimNode>()
        .radius((d) => d.r + 1)
        .iterations(2),
    )
    .alpha(0.3)
    .stop();
  for (let i = 0; i < 25; i++) {
    separate.tick();
    if (i % TICKS_PER_SLICE === TICKS_PER_SLICE - 1) yield;
  }
  const clamp = (value: number, max: number) =>
    Math.round(Math.max(margin / 2, Math.min(max - margin / 2, value)) * 10) / 10;
  return nodes.map((node, i) => ({
    ...node,
    x: clamp(simNodes[i].x ?? 0, width),
    y: clamp(simNodes[i].y ?? 0, height),
    radius: Math.round(simNodes[i].r * 10) / 10,
    labelSide: null,
  }));
}

/**
 * Chooses which nodes carry a visible label, and on which side: the largest first, skipping any label that
 * would overlap a placed label or another labelled node, or run off the frame. Every other node is named on
 * hover, on focus and in the list view.
 */
export function chooseLabels(nodes: NetworkNode[], { width, height } = FRAME): NetworkNode[] {
  const budget = nodes.length <= 40 ? nodes.length : nodes.length <= 300 ? 40 : 30;
  type Box = { x1: number; y1: number; x2: number; y2: number };
  const circle = (node: NetworkNode): Box => ({
    x1: node.x - node.radius,
    y1: node.y - node.radius,
    x2: node.x + node.radius,
    y2: node.y + node.radius,
  });
  // A label must not cover any node in a map small enough to check them all; in a large one, labelled nodes.
  const placed: Box[] = nodes.length <= 300 ? nodes.map(circle) : [];
  const sides = new Map<string, "right" | "left">();
  const overlaps = (box: Box) =>
    placed.some(
      (other) => box.x1 < other.x2 && box.x2 > other.x1 && box.y1 < other.y2 && box.y2 > other.y1,
    );
  // In a large map no single group takes every label: each gets its share, the largest nodes first.
  const groups = new Set(nodes.map((node) => node.group)).size;
  const perGroup =
    nodes.length <= 40 ? Infinity : Math.max(3, Math.ceil(budget / Math.min(groups, 10)));
  const labelsInGroup = new Map<string, number>();
  for (const node of [...nodes].sort((a, b) => b.size - a.size)) {
    if (sides.size >= budget) break;
    if ((labelsInGroup.get(node.group) ?? 0) >= perGroup) continue;
    const textWidth = labelWidth(node.label);
    const y1 = node.y - LABEL_FONT * 0.75;
    const y2 = node.y + LABEL_FONT * 0.45;
    const right = {
      x1: node.x + node.radius + 2,
      y1,
      x2: node.x + node.radius + 6 + textWidth,
      y2,
    };
    const left = { x1: node.x - node.radius - 6 - textWidth, y1, x2: node.x - node.radius - 2, y2 };
    const side =
      right.x2 <= width && !overlaps(right)
        ? "right"
        : left.x1 >= 0 && !overlaps(left)
          ? "left"
          : null;
    if (!side || y1 < 0 || y2 > height) continue;
    placed.push(side === "right" ? right : left);
    if (nodes.length > 300) placed.push(circle(node));
    sides.set(node.id, side);
    labelsInGroup.set(node.group, (labelsInGroup.get(node.group) ?? 0) + 1);
  }
  return nodes.map((node) => ({ ...node, labelSide: sides.get(node.id) ?? null }));
}

/** An estimate of a label's width in the map's sans-serif font (no DOM on the server to measure it). */
export const labelWidth = (label: string) => label.length * LABEL_FONT * 0.58;

/** How the member network is coloured: by Louvain community, or by how many of a member's posts carry a code. */
export type MemberColouring =
  { kind: "community" } | { kind: "code"; codeId: string; codeName: string };

type MemberStructure = {
  /** Communities are ranked by size (0 the largest); null for a member without reply links. */
  nodes: Array<{
    id: string;
    size: number;
    community: number | null;
    start: string | null;
    x: number;
    y: number;
    radius: number;
    metrics: MemberMetrics;
  }>;
  edges: NetworkEdge[];
  communitySizes: Map<number, number>;
  unconnected: number;
};

// The structure and layout of the member network depend only on what the corpus shows, so they are
// computed once per corpus revision: laying out 2,000 members takes seconds, naming and colouring them
// milliseconds. The promise is kept, so two pages asking at once share one layout; a few layouts at most.
const structureCache: LRUCache<string, Promise<MemberStructure>> = ((
  globalThis as { __netnoMemberLayouts?: LRUCache<string, Promise<MemberStructure>> }
).__netnoMemberLayouts ??= new LRUCache({ max: 12 }));

async function memberStructure(
  store: DocumentStore,
  slug: string,
  maxNodes: number,
  communityIds: readonly string[] | null,
): Promise<MemberStructure> {
  const { db, projectId } = await projectSql({ store, slug });
  const revision = await getCorpusRevision({ store, slug });
  const scope = communityIds ? [...communityIds].sort().join(",") : "*";
  const key = `${JSON.stringify(store.sqlLocation)}|${revision}|${maxNodes}|${scope}`;
  const cached = structureCache.get(key);
  if (cached) return cached;
  const structure = readMemberGraph(db, projectId, maxNodes, communityIds).then((graph) =>
    buildMemberStructure(graph),
  );
  structureCache.set(key, structure);
  structure.catch(() => {
    if (structureCache.get(key) === structure) structureCache.delete(key);
  });
  return structure;
}

/** The reply graph among the most active visible members, as SQL aggregates. */
export type MemberGraph = {
  /** The most active members, most posts first (ties by id), with their first post's date. */
  members: Array<{ id: string; posts: number; firstPostAt: string | null }>;
  /** Directed reply counts: `source` answered `target` `weight` times, from `start` to `end`. */
  edges: NetworkEdge[];
};

/**
 * Reads the member graph without loading posts: node sizes from post counts, edges from replies whose
 * post and parent are both visible and written by two different members, both among the top `maxNodes`.
 */
export async function readMemberGraph(
  db: Queryable,
  projectId: string,
  maxNodes: number,
  /** Only posts of these communities (a report's scope); null: every community. */
  communityIds: readonly string[] | null = null,
): Promise<MemberGraph> {
  const scoped = () => visiblePostsOf(db, projectId, communityIds);
  const active = () =>
    scoped()
      .where("p.member_id", "is not", null)
      .groupBy("p.member_id")
      .orderBy((eb) => eb.fn.countAll(), "desc")
      .orderBy("p.member_id")
      .limit(maxNodes);
  const top = await active()
    .select((eb) => [
      "p.member_id",
      eb.fn.countAll<number>().as("posts"),
      eb.fn.min("p.created_at").as("first_post_at"),
    ])
    .execute();
  const ids = top.flatMap((row) => (row.member_id ? [row.member_id] : []));
  if (ids.length === 0) return { members: [], edges: [] };
  const parents = scoped().select(["p.id as id", "p.member_id as member_id"]).as("q");
  const rows = await scoped()
    .innerJoin(parents, "q.id", "p.parent_id")
    .whereRef("q.member_id", "!=", "p.member_id")
    // The ids as parameters (at most 2 × 2,000, within both engines' limits): a subquery here lets
    // SQLite's planner pick a far slower plan.
    .where("p.member_id", "in", ids)
    .where("q.member_id", "in", ids)
    .select((eb) => [
      "p.member_id as source",
      "q.member_id as target",
      eb.fn.countAll<number>().as("weight"),
      eb.fn.min("p.created_at").as("start"),
      eb.fn.max("p.created_at").as("end"),
    ])
    .groupBy(["p.member_id", "q.member_id"])
    .orderBy("p.member_id")
    .orderBy("q.member_id")
    .execute();
  return {
    members: top.flatMap((row) =>
      row.member_id
        ? [{ id: row.member_id, posts: Number(row.posts), firstPostAt: row.first_post_at }]
        : [],
    ),
    edges: rows.flatMap((row) =>
      row.source && row.target
        ? [
            {
              source: row.source,
              target: row.target,
              weight: Number(row.weight),
              start: row.start,
              end: row.end,
            },
          ]
        : [],
    ),
  };
}

/** Detects communities (Louvain) and lays the member graph out. */
async function buildMemberStructure({ members, edges }: MemberGraph): Promise<MemberStructure> {
  const activity = new Map(members.map((member) => [member.id, member.posts]));
  const graph = new Graph({ type: "undirected", multi: false });
  for (const member of members) graph.addNode(member.id);
  for (const edge of edges) {
    if (graph.hasEdge(edge.source, edge.target)) {
      graph.updateEdgeAttribute(edge.source, edge.target, "weight", (w: number) => w + edge.weight);
    } else {
      graph.addEdge(edge.source, edge.target, { weight: edge.weight });
    }
  }
  await nextTurn();
  const found = (
    graph.size > 0 ? louvain(graph, { getEdgeWeight: "weight", rng: seeded(7) }) : {}
  ) as Record<string, number>;
  // Communities are numbered by size, largest first, so the legend's colours go to the groups that matter.
  // Members nobody answered (and who answered nobody) form no community: they are drawn apart, in grey.
  const communityOf = (id: string) => (graph.degree(id) > 0 ? (found[id] ?? null) : null);
  const rawSizes = new Map<number, number>();
  for (const { id } of members) {
    const community = communityOf(id);
    if (community !== null) rawSizes.set(community, (rawSizes.get(community) ?? 0) + 1);
  }
  const rank = new Map(
    [...rawSizes].sort((a, b) => b[1] - a[1]).map(([community], i) => [community, i]),
  );
  const rankOf = (id: string) => {
    const community = communityOf(id);
    return community === null ? null : (rank.get(community) ?? null);
  };
  const communitySizes = new Map(
    [...rawSizes]
      .map(([community, size]) => [rank.get(community) ?? 0, size] as const)
      .sort((a, b) => a[0] - b[0]),
  );
  const clusterOf = (id: string) => {
    const ranked = rankOf(id);
    return ranked !== null && ranked < PALETTE.length ? ranked : null;
  };
  const placed = await layoutNetworkInSlices(
    members.map(({ id }) => ({
      id,
      label: "",
      size: activity.get(id) ?? 1,
      group: "",
      colour: "",
    })),
    edges,
    { ...FRAME, clusterOf },
  );
  const firstSeen = new Map(members.map((member) => [member.id, member.firstPostAt]));
  await nextTurn();
  const metrics = memberMetrics(members, edges);
  return {
    nodes: placed.map((node) => ({
      id: node.id,
      size: node.size,
      community: rankOf(node.id),
      start: firstSeen.get(node.id) ?? null,
      x: node.x,
      y: node.y,
      radius: node.radius,
      metrics: metrics.get(node.id)!,
    })),
    edges,
    communitySizes,
    unconnected: members.filter(({ id }) => communityOf(id) === null).length,
  };
}

/** In/out degree, replies given and received, and betweenness on the directed reply graph. */
function memberMetrics(
  members: MemberGraph["members"],
  edges: NetworkEdge[],
): Map<string, MemberMetrics> {
  const directed = new Graph({ type: "directed", multi: false });
  for (const member of members) directed.addNode(member.id);
  for (const edge of edges) {
    if (!directed.hasNode(edge.source) || !directed.hasNode(edge.target)) continue;
    if (directed.hasEdge(edge.source, edge.target))
      directed.updateEdgeAttribute(
        edge.source,
        edge.target,
        "weight",
        (w: number) => w + edge.weight,
      );
    else directed.addEdge(edge.source, edge.target, { weight: edge.weight });
  }
  // Unweighted paths: a reply is a tie whatever its count (weights would read as distances).
  const betweenness =
    directed.size > 0
      ? betweennessCentrality(directed, { normalized: true, getEdgeWeight: null })
      : {};
  const sum = (edgesOf: string[]) =>
    edgesOf.reduce((total, edge) => total + Number(directed.getEdgeAttribute(edge, "weight")), 0);
  return new Map(
    members.map(({ id }) => [
      id,
      {
        inDegree: directed.inDegree(id),
        outDegree: directed.outDegree(id),
        repliesReceived: sum(directed.inEdges(id)),
        repliesGiven: sum(directed.outEdges(id)),
        betweenness: Math.round((betweenness[id] ?? 0) * 1e6) / 1e6,
      },
    ]),
  );
}

/** Names, pseudonyms and consent of the given (visible) members: what a label needs, nothing more. */
async function readMemberNames(db: Queryable, projectId: string, memberIds: string[]) {
  const names = new Map<string, NamedMember>();
  const consent = new Map<string, ConsentStatus>();
  for (let i = 0; i < memberIds.length; i += 500) {
    const rows = await visibleMembers(db, projectId)
      .select(["m.id", "m.handle", "m.display_name", "m.pseudonym", "m.consent_status"])
      .where("m.id", "in", memberIds.slice(i, i + 500))
      .execute();
    for (const row of rows) {
      names.set(row.id, {
        id: row.id,
        handle: row.handle,
        displayName: row.display_name,
        pseudonym: row.pseudonym,
      });
      const status = ConsentStatusSchema.safeParse(row.consent_status);
      if (status.success) consent.set(row.id, status.data);
    }
  }
  return { names, consent };
}

/**
 * Who replies to whom among the `maxNodes` most active visible members, sized by activity, coloured by
 * detected community (Louvain) or by a chosen code, labelled with pseudonyms (or consented handles when
 * uncloaked). Edge spells give Gephi the network over time.
 */
export async function memberInteractionNetwork({
  store,
  slug,
  level,
  maxNodes = 2000,
  colouring = { kind: "community" },
  communityIds = null,
}: {
  store: DocumentStore;
  slug: string;
  level: CloakingLevel;
  maxNodes?: number;
  colouring?: MemberColouring;
  /** Only members' posts in these communities (a report's scope); null: every community. */
  communityIds?: readonly string[] | null;
}): Promise<Network> {
  // Names and consent come from the members table (the corpus revision), the colouring's counts from the
  // codings (their revision); the cloaking level and the choices are in the key.
  const args = { level, maxNodes, colouring, communityIds };
  return cachedOffThread({ store, slug, kind: "memberNetwork", args });
}

/** Lays out what memberInteractionNetwork describes, on this thread and without its cache. */
export async function layoutMemberInteractionNetwork({
  store,
  slug,
  level,
  maxNodes = 2000,
  colouring = { kind: "community" },
  communityIds = null,
}: {
  store: DocumentStore;
  slug: string;
  level: CloakingLevel;
  maxNodes?: number;
  colouring?: MemberColouring;
  communityIds?: readonly string[] | null;
}): Promise<Network> {
  const structure = await memberStructure(store, slug, maxNodes, communityIds);
  const { db, projectId } = await projectSql({ store, slug });
  const ids = structure.nodes.map((node) => node.id);
  const { names, consent } = await readMemberNames(db, projectId, ids);
  let legend: Network["legend"];
  let paint: (node: MemberStructure["nodes"][number]) => { group: string; colour: string };
  if (colouring.kind === "code") {
    const counts = await countCodedPostsByMember(db, projectId, colouring.codeId, ids);
    const most = Math.max(1, ...structure.nodes.map((node) => counts.get(node.id) ?? 0));
    const shade = (count: number) =>
      interpolateRgb("#fdd49e", "#b30000")(most === 1 ? 1 : (count - 1) / (most - 1));
    const coded = `coded “${colouring.codeName}”`;
    paint = (node) => {
      const count = counts.get(node.id) ?? 0;
      return count
        ? { group: `${count} post${count === 1 ? "" : "s"} ${coded}`, colour: shade(count) }
        : { group: `not ${coded}`, colour: UNCONNECTED };
    };
    legend = [
      { label: `No post ${coded}`, colour: UNCONNECTED },
      { label: `1 post ${coded}`, colour: shade(1) },
      ...(most > 1 ? [{ label: `${most} posts ${coded}`, colour: shade(most) }] : []),
    ];
  } else {
    const coloured = Math.min(PALETTE.length, structure.communitySizes.size);
    paint = (node) => {
      if (node.community === null) return { group: "No reply links", colour: UNCONNECTED };
      return {
        group: `Group ${node.community + 1}`,
        colour: node.community < PALETTE.length ? PALETTE[node.community] : OTHER_GROUPS,
      };
    };
    const members = (n: number) => `${n} member${n === 1 ? "" : "s"}`;
    legend = [...structure.communitySizes].slice(0, coloured).map(([community, size]) => ({
      label: `Group ${community + 1} (Louvain community, ${members(size)})`,
      colour: PALETTE[community],
    }));
    const smaller = [...structure.communitySizes].slice(coloured);
    if (smaller.length) {
      const total = smaller.reduce((sum, [, size]) => sum + size, 0);
      legend.push({
        label: `${smaller.length} smaller group${smaller.length === 1 ? "" : "s"} (${members(total)})`,
        colour: OTHER_GROUPS,
      });
    }
    if (structure.unconnected) {
      legend.push({
        label: `No reply links (${members(structure.unconnected)})`,
        colour: UNCONNECTED,
      });
    }
  }
  const book = { level, consent };
  const nodes = structure.nodes.map((node) => ({
    id: node.id,
    label: displayName(names.get(node.id), book),
    size: node.size,
    ...paint(node),
    x: node.x,
    y: node.y,
    radius: node.radius,
    labelSide: null,
    start: node.start,
    metrics: node.metrics,
  }));
  return {
    kind: "members",
    title: "Member interaction network",
    nodes: chooseLabels(nodes),
    edges: structure.edges,
    legend,
  };
}

function seeded(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1664525 + 1013904223) % 2 ** 32;
    return state / 2 ** 32;
  };
}

/** Code co-occurrence data: codes with the number of sources coded, pairs with the sources they share. */
export type CodeCooccurrenceData = {
  nodes: Array<{ id: string; name: string; colour: string; count: number }>;
  edges: Array<{ source: string; target: string; weight: number }>;
};

/** Code co-occurrence as a network, keeping edges of at least `minWeight`. */
export function codeNetwork(data: CodeCooccurrenceData, minWeight = 1): Network {
  const edges = data.edges.filter((edge) => edge.weight >= minWeight);
  const nodes = data.nodes
    .filter((node) => node.count > 0)
    .map((node) => ({
      id: node.id,
      label: node.name,
      size: node.count,
      group: "code",
      colour: node.colour,
    }));
  const ids = new Set(nodes.map((n) => n.id));
  const kept = edges.filter((edge) => ids.has(edge.source) && ids.has(edge.target));
  return {
    kind: "codes",
    title: "Code co-occurrence network",
    nodes: chooseLabels(layoutNetwork(nodes, kept)),
    edges: kept,
    legend: [
      { label: "Code (size: coded sources; line: sources coded with both)", colour: "#1f77b4" },
    ],
  };
}

/**
 * The code co-occurrence network of a project, counted in SQL over the visible codings: two codes
 * co-occur in a source (post or field note) when both were applied to it. Merged codes are left out.
 * Kept per revision of the codings and corpus, laid out on the analysis worker.
 */
export async function codeCooccurrenceNetwork({
  store,
  slug,
  minWeight = 1,
  communityIds = null,
}: {
  store: DocumentStore;
  slug: string;
  minWeight?: number;
  /** Only codings on posts of these communities, and field notes (a report's scope). */
  communityIds?: readonly string[] | null;
}): Promise<Network> {
  const codebook = await store.read(codebookFile, projectKeys.codebook(slug));
  const args = { minWeight, communityIds };
  return cachedOffThread({
    store,
    slug,
    kind: "codeNetwork",
    args,
    dependsOn: [codebook.codes],
  });
}

/** Lays out what codeCooccurrenceNetwork describes, on this thread and without its cache. */
export async function layoutCodeCooccurrenceNetwork({
  store,
  slug,
  minWeight = 1,
  communityIds = null,
}: {
  store: DocumentStore;
  slug: string;
  minWeight?: number;
  communityIds?: readonly string[] | null;
}): Promise<Network> {
  const { db, projectId } = await projectSql({ store, slug });
  const [codebook, counts] = await Promise.all([
    store.read(codebookFile, projectKeys.codebook(slug)),
    countCodeCooccurrence(db, projectId, communityIds),
  ]);
  const codes = codebook.codes.filter((code) => !code.mergedInto);
  return codeNetwork(
    {
      nodes: codes.map((code) => ({
        id: code.id,
        name: code.name,
        colour: code.colour,
        count: counts.sources.get(code.id) ?? 0,
      })),
      edges: counts.pairs,
    },
    minWeight,
  );
}

/** Themes → codes → touchpoints: the picture that heads the engagement guidelines. */
export function themeMap(
  themes: Array<{ id: string; name: string; codeIds: string[]; touchpoint: string }>,
  codes: Map<string, string>,
): Network {
  const nodes: UnplacedNode[] = [];
  const edges: NetworkEdge[] = [];
  const seen = new Set<string>();
  const add = (node: UnplacedNode) => {
    if (!seen.has(node.id)) nodes.push(node);
    seen.add(node.id);
  };
  for (const theme of themes) {
    add({
      id: `theme:${theme.id}`,
      label: theme.name,
      size: 30,
      group: "theme",
      colour: "#d62728",
    });
    for (const codeId of theme.codeIds) {
      add({
        id: `code:${codeId}`,
        label: codes.get(codeId) ?? "code",
        size: 10,
        group: "code",
        colour: "#1f77b4",
      });
      edges.push({ source: `theme:${theme.id}`, target: `code:${codeId}`, weight: 1 });
    }
    if (theme.touchpoint.trim()) {
      add({
        id: `touchpoint:${theme.touchpoint.trim().toLowerCase()}`,
        label: theme.touchpoint.trim(),
        size: 18,
        group: "touchpoint",
        colour: "#2ca02c",
      });
      edges.push({
        source: `theme:${theme.id}`,
        target: `touchpoint:${theme.touchpoint.trim().toLowerCase()}`,
        weight: 2,
      });
    }
  }
  return {
    kind: "themes",
    title: "Theme map",
    nodes: chooseLabels(layoutNetwork(nodes, edges)),
    edges,
    legend: [
      { label: "Theme", colour: "#d62728" },
      { label: "Code", colour: "#1f77b4" },
      { label: "Touchpoint", colour: "#2ca02c" },
    ],
  };
}

const xml = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/**
 * The same layout as a static, self-contained SVG (for HTML exports and print), with its legend in a band
 * above the drawing so that it never hides a node.
 */
export function networkToSvg(network: Network, { width, height } = FRAME): string {
  const byId = new Map(network.nodes.map((node) => [node.id, node]));
  const maxWeight = Math.max(1, ...network.edges.map((edge) => edge.weight));
  const large = network.nodes.length > 300;
  const legendColumns = 2;
  const legendHeight = 12 + Math.ceil(network.legend.length / legendColumns) * 20;
  const lines = network.edges.map((edge) => {
    const a = byId.get(edge.source);
    const b = byId.get(edge.target);
    return a && b
      ? `<line x1="${a.x}" y1="${a.y}" x2="${b.x}" y2="${b.y}" stroke="#8a93a3" stroke-opacity="${large ? 0.25 : 0.5}" stroke-width="${((large ? 0.6 : 1) + (3 * edge.weight) / maxWeight).toFixed(1)}"/>`
      : "";
  });
  const circles = network.nodes.map(
    (node) =>
      `<circle cx="${node.x}" cy="${node.y}" r="${node.radius}" fill="${node.colour}" stroke="${node.labelSide ? "#1d2430" : "#fff"}" stroke-width="${node.labelSide ? 1.2 : large ? 0.5 : 1}"><title>${xml(node.label)} (${node.size})</title></circle>`,
  );
  const labels = network.nodes
    .filter((node) => node.labelSide)
    .map((node) => {
      const x = node.labelSide === "right" ? node.x + node.radius + 3 : node.x - node.radius - 3;
      return `<text x="${x}" y="${node.y + 5}" text-anchor="${node.labelSide === "right" ? "start" : "end"}" font-size="${LABEL_FONT}" font-family="system-ui, sans-serif" fill="#1d2430" paint-order="stroke" stroke="#fff" stroke-width="3">${xml(node.label)}</text>`;
    });
  const legend = network.legend.map(
    (item, i) =>
      `<g transform="translate(${12 + (i % legendColumns) * (width / legendColumns)},${10 + Math.floor(i / legendColumns) * 20})"><rect width="12" height="12" fill="${item.colour}"/><text x="18" y="10" font-size="13" font-family="system-ui, sans-serif">${xml(item.label)}</text></g>`,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height + legendHeight}" role="img" aria-label="${xml(network.title)}"><title>${xml(network.title)}</title><rect width="100%" height="100%" fill="#fff"/>${legend.join("")}<line x1="0" y1="${legendHeight - 4}" x2="${width}" y2="${legendHeight - 4}" stroke="#e3e6ea"/><g transform="translate(0,${legendHeight})">${lines.join("")}${circles.join("")}${labels.join("")}</g></svg>`;
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
  const directed = network.kind === "members";
  const ids = new Map(network.nodes.map((node, i) => [node.id, `n${i}`]));
  const day = (value: string | null | undefined) => (value ? value.slice(0, 10) : undefined);
  const spell = (start?: string, end?: string) =>
    `${start ? ` start="${start}"` : ""}${end ? ` end="${end}"` : ""}`;
  return (
    [
      `<?xml version="1.0" encoding="UTF-8"?>`,
      `<gexf xmlns="http://gexf.net/1.3" xmlns:viz="http://gexf.net/1.3/viz" version="1.3">`,
      `  <meta><creator>Netnography Workbench</creator><description>${xml(network.title)}</description></meta>`,
      // Replies have a direction (who answered whom); co-occurrence and theme links do not.
      `  <graph defaultedgetype="${directed ? "directed" : "undirected"}" mode="dynamic" timeformat="date">`,
      `    <attributes class="node" mode="static"><attribute id="group" title="group" type="string"/>${METRIC_KEYS.map(([key, type]) => `<attribute id="${key}" title="${key}" type="${type === "int" ? "integer" : "double"}"/>`).join("")}</attributes>`,
      `    <nodes>`,
      ...network.nodes.map((node) => {
        const colour = rgb(node.colour);
        const metrics = node.metrics
          ? METRIC_KEYS.map(
              ([key]) => `<attvalue for="${key}" value="${node.metrics![key]}"/>`,
            ).join("")
          : "";
        return `      <node id="${ids.get(node.id)}" label="${xml(node.label)}"${spell(day(node.start))}><attvalues><attvalue for="group" value="${xml(node.group)}"/>${metrics}</attvalues><viz:color r="${colour.r}" g="${colour.g}" b="${colour.b}"/><viz:size value="${node.size}"/><viz:position x="${node.x}" y="${node.y}" z="0"/></node>`;
      }),
      `    </nodes>`,
      `    <edges>`,
      ...network.edges
        .filter((edge) => ids.has(edge.source) && ids.has(edge.target))
        .map(
          (edge, i) =>
            `      <edge id="e${i}" source="${ids.get(edge.source)}" target="${ids.get(edge.target)}" weight="${edge.weight}"${spell(day(edge.start), day(edge.end))}/>`,
        ),
      `    </edges>`,
      `  </graph>`,
      `</gexf>`,
    ].join("\n") + "\n"
  );
}

/** The member metrics written as node attributes in GEXF and GraphML, with their types. */
const METRIC_KEYS: Array<[keyof MemberMetrics, "int" | "double"]> = [
  ["inDegree", "int"],
  ["outDegree", "int"],
  ["repliesReceived", "int"],
  ["repliesGiven", "int"],
  ["betweenness", "double"],
];

/** GraphML with typed keys for label, size, group, colour, position, weight and dates. */
export function networkToGraphml(network: Network): string {
  const directed = network.kind === "members";
  const keys = [
    ...(directed ? METRIC_KEYS.map(([key, type]) => [key, "node", type]) : []),
    ["label", "node", "string"],
    ["size", "node", "double"],
    ["group", "node", "string"],
    ["color", "node", "string"],
    ["x", "node", "double"],
    ["y", "node", "double"],
    ["start", "node", "string"],
    ["weight", "edge", "double"],
    ["estart", "edge", "string"],
    ["eend", "edge", "string"],
  ];
  const data = (key: string, value: string | number | null | undefined) =>
    value === null || value === undefined || value === ""
      ? ""
      : `<data key="${key}">${xml(String(value))}</data>`;
  const ids = new Map(network.nodes.map((node, i) => [node.id, `n${i}`]));
  return (
    [
      `<?xml version="1.0" encoding="UTF-8"?>`,
      `<graphml xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">`,
      ...keys.map(
        ([id, kind, type]) =>
          `  <key id="${id}" for="${kind}" attr.name="${id === "estart" ? "start" : id === "eend" ? "end" : id}" attr.type="${type}"/>`,
      ),
      `  <graph id="${network.kind}" edgedefault="${directed ? "directed" : "undirected"}">`,
      ...network.nodes.map(
        (node) =>
          `    <node id="${ids.get(node.id)}">${node.metrics ? METRIC_KEYS.map(([key]) => data(key, node.metrics![key])).join("") : ""}${data("label", node.label)}${data("size", node.size)}${data("group", node.group)}${data("color", node.colour)}${data("x", node.x)}${data("y", node.y)}${data("start", node.start?.slice(0, 10))}</node>`,
      ),
      ...network.edges
        .filter((edge) => ids.has(edge.source) && ids.has(edge.target))
        .map(
          (edge, i) =>
            `    <edge id="e${i}" source="${ids.get(edge.source)}" target="${ids.get(edge.target)}">${data("weight", edge.weight)}${data("estart", edge.start?.slice(0, 10))}${data("eend", edge.end?.slice(0, 10))}</edge>`,
        ),
      `  </graph>`,
      `</graphml>`,
    ].join("\n") + "\n"
  );
}

export function networkToCsv(network: Network): string {
  const label = new Map(network.nodes.map((node) => [node.id, node.label]));
  const quote = (text: string) => `"${text.replace(/"/g, '""')}"`;
  return (
    [
      "source,target,weight,start,end",
      ...network.edges.map((edge) =>
        [
          quote(label.get(edge.source) ?? edge.source),
          quote(label.get(edge.target) ?? edge.target),
          edge.weight,
          edge.start ?? "",
          edge.end ?? "",
        ].join(","),
      ),
    ].join("\n") + "\n"
  );
}
