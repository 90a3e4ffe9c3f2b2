import { expect, test } from "vitest";
import {
  chooseLabels,
  codeCooccurrenceNetwork,
  FRAME,
  labelWidth,
  memberInteractionNetwork,
  networkToGexf,
  networkToGraphml,
  networkToSvg,
  readMemberGraph,
  type NetworkNode,
} from "../../research/analysis/networks.js";
import { bumpCorpusRevision, projectSql } from "../../research/collection/corpus.js";
import { CLI_ACTOR } from "../../research/shared/roles.js";
import { buildProject, buildStore, buildUser } from "../factories.js";

type SyntheticCorpus = Awaited<ReturnType<typeof syntheticCorpus>>;

/**
 * A project whose tables hold `groups` tight groups of members who answer each other, plus members who
 * never got a reply (disconnected nodes). Rows are written straight into the tables, as an import would.
 */
async function syntheticCorpus({
  groups,
  perGroup,
  loners,
}: {
  groups: number;
  perGroup: number;
  loners: number;
}) {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const { slug } = await buildProject(store, owner);
  const { db, projectId } = await projectSql({ store, slug });
  const communityId = `${projectId}-c`;
  const importId = `${projectId}-i`;
  await db
    .insertInto("communities")
    .values({
      id: communityId,
      project_id: projectId,
      platform: "reddit",
      name: "r/Synthetic",
      url: null,
      created_at: "2024-01-01T00:00:00.000Z",
    })
    .execute();
  const members: Array<{ id: string }> = [];
  const threads = new Set<string>();
  const posts: Array<{
    id: string;
    memberId: string;
    parentId: string | null;
    createdAt: string;
    threadId: string;
  }> = [];
  let random = 11;
  const next = () => (random = (random * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let g = 0; g < groups; g++) {
    for (let m = 0; m < perGroup; m++) members.push({ id: `g${g}m${m}` });
    const first = posts.length;
    threads.add(`t${g}`);
    for (let p = 0; p < perGroup * 4; p++) {
      const parent = p === 0 ? null : posts[first + Math.floor(next() * p)].id;
      const day = String(1 + (p % 28)).padStart(2, "0");
      posts.push({
        id: `p${posts.length}`,
        memberId: `g${g}m${p % perGroup}`,
        parentId: parent,
        createdAt: `2024-01-${day}T00:00:00.000Z`,
        threadId: `t${g}`,
      });
    }
  }
  for (let l = 0; l < loners; l++) {
    members.push({ id: `loner${l}` });
    threads.add(`tl${l}`);
    posts.push({
      id: `p${posts.length}`,
      memberId: `loner${l}`,
      parentId: null,
      createdAt: "2024-02-01T00:00:00.000Z",
      threadId: `tl${l}`,
    });
  }
  const chunks = <T>(rows: T[], size = 200) =>
    Array.from({ length: Math.ceil(rows.length / size) }, (_, i) =>
      rows.slice(i * size, i * size + size),
    );
  for (const chunk of chunks([...threads])) {
    await db
      .insertInto("threads")
      .values(
        chunk.map((id) => ({
          id,
          project_id: projectId,
          community_id: communityId,
          source_id: id,
          title: `Thread ${id}`,
          url: null,
          created_at: null,
          import_id: importId,
        })),
      )
      .execute();
  }
  for (const chunk of chunks(members)) {
    await db
      .insertInto("members")
      .values(
        chunk.map(({ id }) => ({
          id,
          project_id: projectId,
          platform: "reddit",
          identity_key: id,
          handle: `real_${id}`,
          display_name: null,
          platform_user_id: null,
          pseudonym: `Pseudo ${id}`,
          post_count: 0,
          first_post_at: null,
          last_post_at: null,
          privacy_signals: "[]",
          consent_status: null,
        })),
      )
      .execute();
  }
  for (const chunk of chunks(posts)) {
    await db
      .insertInto("posts")
      .values(
        chunk.map((post) => ({
          id: post.id,
          project_id: projectId,
          thread_id: post.threadId,
          community_id: communityId,
          source_id: post.id,
          source_key: `k${post.id}`,
          parent_source_id: post.parentId,
          parent_source_key: post.parentId ? `k${post.parentId}` : null,
          parent_id: post.parentId,
          member_id: post.memberId,
          created_at: post.createdAt,
          title: null,
          html: null,
          text: `Words of ${post.memberId}`,
          url: null,
          language: "en",
          deleted_upstream: 0,
          import_id: importId,
        })),
      )
      .execute();
  }
  await bumpCorpusRevision(db, projectId);
  return { store, slug, db, projectId, posts };
}

function labelBox(node: NetworkNode) {
  const width = labelWidth(node.label);
  const x1 =
    node.labelSide === "right" ? node.x + node.radius + 2 : node.x - node.radius - 6 - width;
  return { x1, x2: x1 + width + 4, y1: node.y - 10, y2: node.y + 6 };
}

const network = (
  corpus: SyntheticCorpus,
  options: Partial<Parameters<typeof memberInteractionNetwork>[0]> = {},
) =>
  memberInteractionNetwork({ store: corpus.store, slug: corpus.slug, level: "medium", ...options });

test("a 2,000-member network stays inside the frame, with few non-overlapping labels and every member placed", async () => {
  const corpus = await syntheticCorpus({ groups: 8, perGroup: 240, loners: 80 });
  const drawn = await network(corpus, { maxNodes: 2000 });
  expect(drawn.nodes).toHaveLength(2000);
  for (const node of drawn.nodes) {
    expect(node.x).toBeGreaterThanOrEqual(0);
    expect(node.x).toBeLessThanOrEqual(FRAME.width);
    expect(node.y).toBeGreaterThanOrEqual(0);
    expect(node.y).toBeLessThanOrEqual(FRAME.height);
    expect(node.radius).toBeLessThanOrEqual(12); // small enough for 2,000 to share the frame
  }
  const labelled = drawn.nodes.filter((node) => node.labelSide);
  expect(labelled.length).toBeGreaterThan(5);
  expect(labelled.length).toBeLessThanOrEqual(30);
  const boxes = labelled.map(labelBox);
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const [a, b] = [boxes[i], boxes[j]];
      expect(
        a.x1 < b.x2 && a.x2 > b.x1 && a.y1 < b.y2 && a.y2 > b.y1,
        `${labelled[i].label} overlaps ${labelled[j].label}`,
      ).toBe(false);
    }
  }
  // Pseudonyms only, in the data and in the drawing.
  expect(drawn.nodes.some((node) => node.label.startsWith("real_"))).toBe(false);
  expect(networkToSvg(drawn)).not.toContain("real_");
}, 60_000);

test("the member graph is read from SQL: the most active members, reply counts between two different members", async () => {
  const corpus = await syntheticCorpus({ groups: 2, perGroup: 5, loners: 3 });
  const graph = await readMemberGraph(corpus.db, corpus.projectId, 4);
  expect(graph.members.map((m) => [m.id, m.posts])).toEqual([
    ["g0m0", 4],
    ["g0m1", 4],
    ["g0m2", 4],
    ["g0m3", 4],
  ]);
  const byId = new Map(corpus.posts.map((post) => [post.id, post]));
  const expected = new Map<string, number>();
  const top = new Set(graph.members.map((m) => m.id));
  for (const post of corpus.posts) {
    const parent = post.parentId ? byId.get(post.parentId) : undefined;
    if (
      !parent ||
      parent.memberId === post.memberId ||
      !top.has(post.memberId) ||
      !top.has(parent.memberId)
    )
      continue;
    const key = `${post.memberId}>${parent.memberId}`;
    expected.set(key, (expected.get(key) ?? 0) + 1);
  }
  expect(
    new Map(graph.edges.map((edge) => [`${edge.source}>${edge.target}`, edge.weight])),
  ).toEqual(expected);
  expect(graph.edges.length).toBeGreaterThan(0);
});

test("the reply network is directed: in/out degree, replies given and received, betweenness, in GEXF and GraphML", async () => {
  const corpus = await syntheticCorpus({ groups: 2, perGroup: 5, loners: 3 });
  const map = await network(corpus);
  // Expected degrees, counted from the edges themselves (distinct members, and replies).
  for (const node of map.nodes) {
    const incoming = map.edges.filter((edge) => edge.target === node.id);
    const outgoing = map.edges.filter((edge) => edge.source === node.id);
    expect(node.metrics).toMatchObject({
      inDegree: new Set(incoming.map((edge) => edge.source)).size,
      outDegree: new Set(outgoing.map((edge) => edge.target)).size,
      repliesReceived: incoming.reduce((sum, edge) => sum + edge.weight, 0),
      repliesGiven: outgoing.reduce((sum, edge) => sum + edge.weight, 0),
    });
    expect(node.metrics!.betweenness).toBeGreaterThanOrEqual(0);
    expect(node.metrics!.betweenness).toBeLessThanOrEqual(1);
  }
  // Loners answered nobody and nobody answered them: they broker nothing.
  const loners = map.nodes.filter((node) => node.metrics!.inDegree + node.metrics!.outDegree === 0);
  expect(loners.length).toBe(3);
  expect(loners.every((node) => node.metrics!.betweenness === 0)).toBe(true);
  expect(map.nodes.some((node) => node.metrics!.betweenness > 0)).toBe(true);

  const gexf = networkToGexf(map);
  expect(gexf).toContain('defaultedgetype="directed"');
  expect(gexf).toContain('<attribute id="betweenness" title="betweenness" type="double"/>');
  expect(gexf).toMatch(/<attvalue for="inDegree" value="\d+"\/>/);
  const graphml = networkToGraphml(map);
  expect(graphml).toContain('edgedefault="directed"');
  expect(graphml).toContain(
    '<key id="outDegree" for="node" attr.name="outDegree" attr.type="int"/>',
  );
});

test("an opted-out member leaves the network at once: no node, no edge", async () => {
  const corpus = await syntheticCorpus({ groups: 2, perGroup: 10, loners: 0 });
  const before = await network(corpus);
  expect(before.nodes.some((node) => node.id === "g0m1")).toBe(true);
  await corpus.db
    .updateTable("members")
    .set({ consent_status: "opted-out" })
    .where("id", "=", "g0m1")
    .execute();
  await bumpCorpusRevision(corpus.db, corpus.projectId);
  const after = await network(corpus);
  expect(after.nodes).toHaveLength(before.nodes.length - 1);
  expect(after.nodes.some((node) => node.id === "g0m1")).toBe(false);
  expect(after.edges.some((edge) => edge.source === "g0m1" || edge.target === "g0m1")).toBe(false);
});

test("Louvain groups are found, coloured apart and drawn as separate regions; the layout is deterministic", async () => {
  const corpus = await syntheticCorpus({ groups: 3, perGroup: 40, loners: 0 });
  const drawn = await network(corpus);
  const groupOf = (prefix: string) =>
    new Set(drawn.nodes.filter((node) => node.id.startsWith(prefix)).map((node) => node.group));
  for (const prefix of ["g0m", "g1m", "g2m"]) expect(groupOf(prefix).size).toBe(1);
  expect(new Set(drawn.nodes.map((node) => node.colour)).size).toBe(3);
  expect(drawn.legend.map((item) => item.label).join(" ")).toMatch(
    /Group 1 \(Louvain community, 40 members\)/,
  );
  const centre = (prefix: string) => {
    const nodes = drawn.nodes.filter((node) => node.id.startsWith(prefix));
    return {
      x: nodes.reduce((sum, n) => sum + n.x, 0) / nodes.length,
      y: nodes.reduce((sum, n) => sum + n.y, 0) / nodes.length,
    };
  };
  const [a, b] = [centre("g0m"), centre("g1m")];
  expect(Math.hypot(a.x - b.x, a.y - b.y)).toBeGreaterThan(100);
  // Recomputed from scratch (another revision), the same data gives the same drawing.
  await bumpCorpusRevision(corpus.db, corpus.projectId);
  const again = await network(corpus);
  expect(again.nodes.map((node) => [node.x, node.y])).toEqual(
    drawn.nodes.map((node) => [node.x, node.y]),
  );
});

test("members can be coloured by a chosen code, with a legend naming it", async () => {
  const corpus = await syntheticCorpus({ groups: 2, perGroup: 20, loners: 0 });
  const coded = [
    ...corpus.posts.filter((post) => post.memberId === "g0m1").slice(0, 3),
    corpus.posts.find((post) => post.memberId === "g1m2")!,
  ];
  await corpus.db
    .insertInto("codings")
    .values(
      coded.map((post, i) => ({
        id: `coding${i}`,
        project_id: corpus.projectId,
        code_id: "trust",
        source_type: "post",
        source_id: post.id,
        start_cp: 0,
        end_cp: 5,
        quote: "Words",
        coder_id: "someone",
        created_at: "2024-03-01T00:00:00.000Z",
      })),
    )
    .execute();
  const drawn = await network(corpus, {
    colouring: { kind: "code", codeId: "trust", codeName: "Trust" },
  });
  const colourOf = (id: string) => drawn.nodes.find((node) => node.id === id)!.colour;
  expect(colourOf("g0m1")).not.toBe(colourOf("g0m3"));
  expect(colourOf("g1m2")).not.toBe(colourOf("g0m1"));
  expect(colourOf("g0m3")).toBe(colourOf("g1m4"));
  expect(drawn.nodes.find((node) => node.id === "g0m1")!.group).toBe("3 posts coded “Trust”");
  expect(drawn.legend.map((item) => item.label)).toEqual([
    "No post coded “Trust”",
    "1 post coded “Trust”",
    "3 posts coded “Trust”",
  ]);
});

test("code co-occurrence is counted per source in SQL, leaving out opted-out members' posts", async () => {
  const corpus = await syntheticCorpus({ groups: 1, perGroup: 3, loners: 0 });
  const { createCodes } = await import("../../research/coding/codebook.js");
  const owner = await buildUser(corpus.store);
  const [a, b, c] = await createCodes({
    store: corpus.store,
    slug: corpus.slug,
    userId: CLI_ACTOR,
    codes: [{ name: "A" }, { name: "B" }, { name: "C" }],
  });
  // p0 (g0m0): A and B twice over; p1 (g0m1): A and C; p2 (g0m2): B and C.
  const applied: Array<[string, string]> = [
    ["p0", a.id],
    ["p0", b.id],
    ["p0", b.id],
    ["p1", a.id],
    ["p1", c.id],
    ["p2", b.id],
    ["p2", c.id],
  ];
  await corpus.db
    .insertInto("codings")
    .values(
      applied.map(([postId, codeId], i) => ({
        id: `co${i}`,
        project_id: corpus.projectId,
        code_id: codeId,
        source_type: "post",
        source_id: postId,
        start_cp: i,
        end_cp: i + 1,
        quote: "W",
        coder_id: owner.id,
        created_at: "2024-03-01T00:00:00.000Z",
      })),
    )
    .execute();
  const weights = async () => {
    const drawn = await codeCooccurrenceNetwork({ store: corpus.store, slug: corpus.slug });
    const name = new Map(drawn.nodes.map((node) => [node.id, node.label]));
    return {
      sizes: Object.fromEntries(drawn.nodes.map((node) => [node.label, node.size])),
      edges: Object.fromEntries(
        drawn.edges.map((edge) => [
          [name.get(edge.source), name.get(edge.target)].sort().join("-"),
          edge.weight,
        ]),
      ),
    };
  };
  expect(await weights()).toEqual({
    sizes: { A: 2, B: 2, C: 2 },
    edges: { "A-B": 1, "A-C": 1, "B-C": 1 },
  });
  await corpus.db
    .updateTable("members")
    .set({ consent_status: "opted-out" })
    .where("id", "=", "g0m2")
    .execute();
  // Written past the research API, so the revision it bumps with an opt-out is bumped by hand.
  await bumpCorpusRevision(corpus.db, corpus.projectId);
  expect(await weights()).toEqual({ sizes: { A: 2, B: 1, C: 1 }, edges: { "A-B": 1, "A-C": 1 } });
});

test("labels never run off the frame and small maps label every node that has room", () => {
  const nodes: NetworkNode[] = [
    {
      id: "a",
      label: "A theme with a long name",
      size: 30,
      group: "theme",
      colour: "#000",
      x: FRAME.width - 20,
      y: 100,
      radius: 10,
      labelSide: null,
    },
    {
      id: "b",
      label: "Code",
      size: 10,
      group: "code",
      colour: "#000",
      x: 100,
      y: 100,
      radius: 8,
      labelSide: null,
    },
    {
      id: "c",
      label: "Touchpoint",
      size: 18,
      group: "touchpoint",
      colour: "#000",
      x: 100,
      y: 300,
      radius: 8,
      labelSide: null,
    },
  ];
  const placed = chooseLabels(nodes);
  expect(placed.find((node) => node.id === "a")!.labelSide).toBe("left");
  expect(placed.filter((node) => node.labelSide)).toHaveLength(3);
});

test("in a small map no label covers another node", () => {
  const node = (id: string, x: number, y: number): NetworkNode => ({
    id,
    label: `Member ${id}`,
    size: id === "big" ? 5 : 1,
    group: "g",
    colour: "#000",
    x,
    y,
    radius: 8,
    labelSide: null,
  });
  // "next" sits where the big node's label would go on its right.
  const placed = chooseLabels([node("big", 300, 200), node("next", 340, 200)]);
  const big = placed.find((n) => n.id === "big")!;
  expect(big.labelSide).toBe("left");
  const box = labelBox(big);
  expect(box.x2).toBeLessThan(340 - 8);
});
