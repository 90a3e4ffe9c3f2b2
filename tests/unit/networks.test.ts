import { expect, test } from "vitest";
import { chooseLabels, FRAME, labelWidth, memberInteractionNetwork, networkToSvg, type NetworkNode } from "../../research/analysis/networks.js";
import type { VisibleCorpus } from "../../research/collection/corpus.js";
import type { NameBook } from "../../research/reporting/cloaking.js";

/**
 * A corpus of `groups` tight groups of members who answer each other, plus members who never got a reply
 * (disconnected nodes), shaped like what loadVisibleCorpus returns.
 */
function syntheticCorpus({ groups, perGroup, loners, revision }: { groups: number; perGroup: number; loners: number; revision: string }): VisibleCorpus {
  const posts: Array<{ id: string; memberId: string; parentId: string | null; createdAt: string; threadId: string }> = [];
  const members = new Map<string, { id: string; handle: string; pseudonym: string }>();
  let random = 11;
  const next = () => (random = (random * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const addMember = (id: string) => members.set(id, { id, handle: `real_${id}`, pseudonym: `Pseudo ${id}` });
  for (let g = 0; g < groups; g++) {
    for (let m = 0; m < perGroup; m++) addMember(`g${g}m${m}`);
    const first = posts.length;
    for (let p = 0; p < perGroup * 4; p++) {
      const author = `g${g}m${p % perGroup}`;
      const parent = p === 0 ? null : posts[first + Math.floor(next() * p)].id;
      posts.push({ id: `p${posts.length}`, memberId: author, parentId: parent, createdAt: `2024-01-${String(1 + (p % 28)).padStart(2, "0")}T00:00:00Z`, threadId: `t${g}` });
    }
  }
  for (let l = 0; l < loners; l++) {
    addMember(`loner${l}`);
    posts.push({ id: `p${posts.length}`, memberId: `loner${l}`, parentId: null, createdAt: "2024-02-01T00:00:00Z", threadId: `tl${l}` });
  }
  return { revision, posts, postsById: new Map(posts.map((post) => [post.id, post])), members, consent: new Map(), hiddenMemberIds: new Set() } as unknown as VisibleCorpus;
}

const book = (corpus: VisibleCorpus): NameBook => ({ members: [...corpus.members.values()], consent: new Map(), level: "medium", communityNames: [] }) as unknown as NameBook;

function labelBox(node: NetworkNode) {
  const width = labelWidth(node.label);
  const x1 = node.labelSide === "right" ? node.x + node.radius + 2 : node.x - node.radius - 6 - width;
  return { x1, x2: x1 + width + 4, y1: node.y - 10, y2: node.y + 6 };
}

test("a 2,000-member network stays inside the frame, with few non-overlapping labels and every member placed", async () => {
  const corpus = syntheticCorpus({ groups: 8, perGroup: 240, loners: 80, revision: "big-1" });
  const network = await memberInteractionNetwork(corpus, book(corpus), 2000);
  expect(network.nodes).toHaveLength(2000);
  for (const node of network.nodes) {
    expect(node.x).toBeGreaterThanOrEqual(0);
    expect(node.x).toBeLessThanOrEqual(FRAME.width);
    expect(node.y).toBeGreaterThanOrEqual(0);
    expect(node.y).toBeLessThanOrEqual(FRAME.height);
    expect(node.radius).toBeLessThanOrEqual(12); // small enough for 2,000 to share the frame
  }
  const labelled = network.nodes.filter((node) => node.labelSide);
  expect(labelled.length).toBeGreaterThan(5);
  expect(labelled.length).toBeLessThanOrEqual(30);
  const boxes = labelled.map(labelBox);
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const [a, b] = [boxes[i], boxes[j]];
      expect(a.x1 < b.x2 && a.x2 > b.x1 && a.y1 < b.y2 && a.y2 > b.y1, `${labelled[i].label} overlaps ${labelled[j].label}`).toBe(false);
    }
  }
  // Pseudonyms only, in the data and in the drawing.
  expect(network.nodes.some((node) => node.label.startsWith("real_"))).toBe(false);
  expect(networkToSvg(network)).not.toContain("real_");
});

test("Louvain groups are found, coloured apart and drawn as separate regions; the layout is deterministic", async () => {
  const corpus = syntheticCorpus({ groups: 3, perGroup: 40, loners: 0, revision: "three-1" });
  const network = await memberInteractionNetwork(corpus, book(corpus));
  const groupOf = (prefix: string) => new Set(network.nodes.filter((node) => node.id.startsWith(prefix)).map((node) => node.group));
  for (const prefix of ["g0m", "g1m", "g2m"]) expect(groupOf(prefix).size).toBe(1);
  expect(new Set(network.nodes.map((node) => node.colour)).size).toBe(3);
  expect(network.legend.map((item) => item.label).join(" ")).toMatch(/Group 1 \(Louvain community, 40 members\)/);
  const centre = (prefix: string) => {
    const nodes = network.nodes.filter((node) => node.id.startsWith(prefix));
    return { x: nodes.reduce((sum, n) => sum + n.x, 0) / nodes.length, y: nodes.reduce((sum, n) => sum + n.y, 0) / nodes.length };
  };
  const [a, b] = [centre("g0m"), centre("g1m")];
  expect(Math.hypot(a.x - b.x, a.y - b.y)).toBeGreaterThan(100);
  // Recomputed from scratch (another revision), the same data gives the same drawing.
  const again = await memberInteractionNetwork({ ...corpus, revision: "three-2" }, book(corpus));
  expect(again.nodes.map((node) => [node.x, node.y])).toEqual(network.nodes.map((node) => [node.x, node.y]));
});

test("members can be coloured by a chosen code, with a legend naming it", async () => {
  const corpus = syntheticCorpus({ groups: 2, perGroup: 20, loners: 0, revision: "coded-1" });
  const coded = new Map([["g0m1", 3], ["g1m2", 1]]);
  const network = await memberInteractionNetwork(corpus, book(corpus), 2000, { kind: "code", codeName: "Trust", codedPostsByMember: coded });
  const colourOf = (id: string) => network.nodes.find((node) => node.id === id)!.colour;
  expect(colourOf("g0m1")).not.toBe(colourOf("g0m3"));
  expect(colourOf("g1m2")).not.toBe(colourOf("g0m1"));
  expect(colourOf("g0m3")).toBe(colourOf("g1m4"));
  expect(network.nodes.find((node) => node.id === "g0m1")!.group).toBe("3 posts coded “Trust”");
  expect(network.legend.map((item) => item.label)).toEqual(["No post coded “Trust”", "1 post coded “Trust”", "3 posts coded “Trust”"]);
});

test("labels never run off the frame and small maps label every node that has room", () => {
  const nodes: NetworkNode[] = [
    { id: "a", label: "A theme with a long name", size: 30, group: "theme", colour: "#000", x: FRAME.width - 20, y: 100, radius: 10, labelSide: null },
    { id: "b", label: "Code", size: 10, group: "code", colour: "#000", x: 100, y: 100, radius: 8, labelSide: null },
    { id: "c", label: "Touchpoint", size: 18, group: "touchpoint", colour: "#000", x: 100, y: 300, radius: 8, labelSide: null },
  ];
  const placed = chooseLabels(nodes);
  expect(placed.find((node) => node.id === "a")!.labelSide).toBe("left");
  expect(placed.filter((node) => node.labelSide)).toHaveLength(3);
});

test("in a small map no label covers another node", () => {
  const node = (id: string, x: number, y: number): NetworkNode => ({ id, label: `Member ${id}`, size: id === "big" ? 5 : 1, group: "g", colour: "#000", x, y, radius: 8, labelSide: null });
  // "next" sits where the big node's label would go on its right.
  const placed = chooseLabels([node("big", 300, 200), node("next", 340, 200)]);
  const big = placed.find((n) => n.id === "big")!;
  expect(big.labelSide).toBe("left");
  const box = labelBox(big);
  expect(box.x2).toBeLessThan(340 - 8);
});
