import path from "node:path";
import { expect, test } from "vitest";
import { applyCode, createCodes } from "../../research/coding/index.js";
import {
  createFieldNote,
  importFiles,
  iterateVisiblePosts,
} from "../../research/collection/index.js";
import { projectSql } from "../../research/collection/corpus.js";
import type { CorpusPost } from "../../research/collection/model.js";
import {
  recordConsent,
  resolveMemberByHandle,
  saveEthicsPlan,
} from "../../research/entree/index.js";
import {
  buildReportData,
  findEvidenceSegments,
  createShareLink,
  createTheme,
  openShareLink,
  renderExport,
  respondToFinding,
  revokeShareLink,
  saveQuoteTreatment,
  EXPORT_FORMATS,
} from "../../research/reporting/index.js";
import type { CloakingLevel } from "../../research/entree/index.js";
import { finderWords } from "../../research/reporting/report-queries.js";
import { sqlFor } from "../../research/store/index.js";
import { buildProject, buildStore, buildUser, scratchDir } from "../factories.js";
import { strFromU8, unzipSync } from "fflate";

const FIXTURES = path.resolve(__dirname, "../fixtures");

/** A project with real-shaped Mastodon talk: @mentions, hashtags, a member who asks for noindex. */
async function projectWithFindings(level: CloakingLevel | null) {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const { slug } = await buildProject(store, owner);
  await importFiles({
    store,
    slug,
    files: [
      path.join(FIXTURES, "mastodon-statuses.json"),
      path.join(FIXTURES, "reddit-thread.json"),
    ],
  });
  if (level)
    await saveEthicsPlan({
      store,
      slug,
      stage: "dissemination",
      plan: { cloakingLevel: level },
      userId: owner.id,
    });
  const [code] = await createCodes({ store, slug, userId: owner.id, codes: [{ name: "Repair" }] });
  const posts: CorpusPost[] = [];
  for await (const batch of iterateVisiblePosts({ store, slug })) posts.push(...batch);
  const byText = (needle: string) => posts.find((post) => post.text.includes(needle))!;
  const ids: string[] = [];
  /** The post each of `ids` codes. */
  const postIds: string[] = [];
  for (const needle of [
    "yes! compressor died",
    "fixing their own",
    "Check the charge controller settings first",
    "Is your inverter on standby",
  ]) {
    const post = byText(needle);
    const [coding] = await applyCode({
      store,
      slug,
      coderId: owner.id,
      codeIds: [code.id],
      span: { sourceType: "post", sourceId: post.id, start: 0, end: [...post.text].length },
    });
    ids.push(coding.id);
    postIds.push(post.id);
  }
  const theme = await createTheme({
    store,
    slug,
    userId: owner.id,
    name: "Self-repair",
    statement: "Members fix their own gear.",
    codeIds: [code.id],
    confidence: "high",
    evidenceCodingIds: ids,
  });
  return { store, slug, owner, ids, postIds, theme };
}

test("medium cloaking (the default until the plan sets one): pseudonyms inside quotes, no community names, no hashtags", async () => {
  const { store, slug } = await projectWithFindings(null);
  const report = await buildReportData({ store, slug });
  expect(report.cloakingLevel).toBe("medium");
  const quotes = report.themes[0].evidence;
  const bo = quotes.find((q) => q.text?.includes("compressor died"))!;
  expect(bo.text).not.toContain("@ana");
  expect(bo.text).not.toMatch(/\bana\b/);
  expect(bo.treatment).toBe("pseudonymised");
  const ana = quotes.find((q) => q.text?.includes("fixing their own"))!;
  expect(ana.text).toContain("#[hashtag]");
  expect(ana.text).not.toContain("#vanlife");
  expect(
    report.communities.every(
      (c) => !c.label.includes("r/VanLife") && !c.label.includes("m.example"),
    ),
  ).toBe(true);
  expect(JSON.stringify(report)).not.toMatch(/wrench_wendy|sunny_van|bo@other\.example/);
});

test("minimum cloaking names the community and keeps hashtags; long quotes are flagged with a search link", async () => {
  const { store, slug } = await projectWithFindings("minimum");
  const report = await buildReportData({ store, slug });
  expect(report.communities.map((c) => c.label)).toContain("r/VanLife");
  const wendy = report.themes[0].evidence.find((q) => q.text?.includes("charge controller"))!;
  expect(wendy.searchable).toBe(true);
  expect(wendy.searchUrl).toMatch(/^https:\/\/www\.google\.com\/search\?q=%22Check%20the%20charge/);
  expect(report.quoteLog.find((entry) => entry.ref === wendy.ref)).toMatchObject({
    searchable: true,
    searchTested: false,
  });
  // The search link stays on the researcher's page: no file that leaves the workbench carries the quote
  // in a search engine's URL.
  for (const format of ["html", "md", "json"] as const) {
    const output = String(await renderExport({ store, slug, format }));
    expect(output, format).not.toMatch(/google\.com\/search|search\?q=/);
    expect(output, format).toContain("Check the charge");
  }
});

test("maximum cloaking refuses verbatim quotes: paraphrases only, and a paraphrase keeping the wording is refused", async () => {
  const { store, slug, owner, ids } = await projectWithFindings("maximum");
  let report = await buildReportData({ store, slug });
  expect(
    report.themes[0].evidence.every((q) => q.text === null && q.treatment === "withheld"),
  ).toBe(true);
  await expect(
    saveQuoteTreatment({
      store,
      slug,
      userId: owner.id,
      codingId: ids[2],
      paraphrase: "Check the charge controller settings first, he said",
    }),
  ).rejects.toThrow(/six or more words/);
  await saveQuoteTreatment({
    store,
    slug,
    userId: owner.id,
    codingId: ids[2],
    paraphrase: "A member advised looking at the controller's configuration before anything else.",
  });
  report = await buildReportData({ store, slug });
  const paraphrased = report.themes[0].evidence.find((q) => q.treatment === "paraphrased")!;
  expect(paraphrased.text).toBe(
    "A member advised looking at the controller's configuration before anything else.",
  );
  expect(JSON.stringify(report)).not.toContain("Check the charge controller settings first");
});

test("uncloaked shows a real handle only for members who consented; paraphrase-only members are paraphrased", async () => {
  const { store, slug, owner } = await projectWithFindings("uncloaked");
  const wendy = await resolveMemberByHandle({ store, slug, handle: "wrench_wendy" });
  const sunny = await resolveMemberByHandle({ store, slug, handle: "sunny_van" });
  await recordConsent({ store, slug, memberId: wendy.id, status: "consented", userId: owner.id });
  await recordConsent({
    store,
    slug,
    memberId: sunny.id,
    status: "paraphrase-only",
    userId: owner.id,
  });
  const quotes = (await buildReportData({ store, slug })).themes[0].evidence;
  expect(quotes.find((q) => q.text?.includes("charge controller"))?.author).toBe("wrench_wendy");
  expect(quotes.find((q) => q.text?.includes("compressor"))?.author).not.toContain("bo");
  expect(quotes.filter((q) => q.treatment === "withheld")).toHaveLength(1);
});

test("every export leaves out opted-out members' handles and words, and every real handle under pseudonymisation", async () => {
  const { store, slug, owner } = await projectWithFindings("medium");
  const sunny = await resolveMemberByHandle({ store, slug, handle: "sunny_van" });
  await recordConsent({ store, slug, memberId: sunny.id, status: "opted-out", userId: owner.id });
  // Straight from the tables: every member's handle (opted out or not) and the opted-out member's words.
  const { db, projectId } = await projectSql({ store, slug });
  const members = await db
    .selectFrom("members")
    .select("handle")
    .where("project_id", "=", projectId)
    .execute();
  const handles = members
    .flatMap((m) => [m.handle, m.handle.split("@")[0]])
    .filter((h) => h.length >= 3);
  const sunnyPosts = await db
    .selectFrom("posts")
    .select("text")
    .where("member_id", "=", sunny.id)
    .execute();
  const sunnyWords = sunnyPosts.map((p) => p.text);
  // Something to look for, or the loops below would pass on nothing.
  expect(handles.length).toBeGreaterThan(3);
  expect(sunnyWords.length).toBeGreaterThan(0);
  for (const format of EXPORT_FORMATS) {
    if (format === "qdc" || format === "qdpx") continue; // raw-data exchange for researchers, tested in refi-qda.test.ts
    for (const network of ["members", "codes", "themes"] as const) {
      const output = String(await renderExport({ store, slug, format, network }));
      for (const text of sunnyWords)
        expect(output, `${format} ${network}`).not.toContain(text.slice(0, 40));
      for (const handle of handles)
        expect(output.toLowerCase(), `${format} ${network} leaks ${handle}`).not.toMatch(
          new RegExp(
            `(^|[^a-z0-9_])@?${handle.toLowerCase().replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}([^a-z0-9_]|$)`,
          ),
        );
    }
  }
  // The REFI-QDA project export leaves opted-out members out too.
  const qde = strFromU8(
    unzipSync((await renderExport({ store, slug, format: "qdpx" })) as Uint8Array)["project.qde"],
  );
  const sources = Object.values(
    unzipSync((await renderExport({ store, slug, format: "qdpx" })) as Uint8Array),
  )
    .map((bytes) => strFromU8(bytes))
    .join("\n");
  expect(qde).not.toContain("sunny_van");
  for (const text of sunnyWords) expect(sources).not.toContain(text);
});

test("share links open only the chosen findings, and expired, revoked or unknown tokens are refused", async () => {
  const { store, slug, owner, theme } = await projectWithFindings("medium");
  const other = await createTheme({
    store,
    slug,
    userId: owner.id,
    name: "Other",
    statement: "Not shared.",
    codeIds: theme.codeIds,
    confidence: "low",
  });
  const { token, link } = await createShareLink({
    store,
    slug,
    themeIds: [theme.id],
    days: 7,
    userId: owner.id,
  });
  const opened = await openShareLink({ store, token });
  expect(opened.report.themes.map((t) => t.name)).toEqual(["Self-repair"]);
  expect(opened.report.maps.members).toBeNull();
  await respondToFinding({
    store,
    token,
    themeId: theme.id,
    rating: "partly",
    comment: "<b>Mostly</b> right\u0007",
    quoteRef: opened.report.themes[0].evidence[0].ref,
  });
  await expect(
    respondToFinding({ store, token, themeId: other.id, rating: "partly" }),
  ).rejects.toThrow(/not part of the shared findings/);
  await expect(openShareLink({ store, token: "nope" })).rejects.toThrow(/not valid/);
  await revokeShareLink({ store, slug, linkId: link.id, userId: owner.id });
  await expect(openShareLink({ store, token })).rejects.toThrow(/not valid/);
  const expired = await createShareLink({
    store,
    slug,
    themeIds: [theme.id],
    days: 1,
    userId: owner.id,
  });
  const { db } = await projectSql({ store, slug });
  await db
    .updateTable("share_links")
    .set({ expires_at: "2020-01-01T00:00:00.000Z" })
    .where("id", "=", expired.link.id)
    .execute();
  await expect(openShareLink({ store, token: expired.token })).rejects.toThrow(/not valid/);
  const { responses } = await (
    await import("../../research/reporting/index.js")
  ).listMemberChecks({ store, slug });
  expect(responses[0]).toMatchObject({ rating: "partly", comment: "Mostly right" });
  expect(responses[0].quoteRef).toBeTruthy();
});

test("GEXF and GraphML exports are readable by networkx, with the same nodes and edges and GEXF time spells", async () => {
  const { execFileSync } = await import("node:child_process");
  const { writeFile } = await import("node:fs/promises");
  const python = ["python3", "/usr/bin/python3"].find((candidate) => {
    try {
      execFileSync(candidate, ["-c", "import networkx"], { stdio: "ignore" });
      return true;
    } catch {
      return false;
    }
  });
  if (!python)
    throw new Error(
      "networkx is missing: install Debian's python3-networkx (apt-get install python3-networkx)",
    );
  const { store, slug } = await projectWithFindings("medium");
  const dir = await scratchDir("netno-graph-");
  const report = await buildReportData({ store, slug, memberNetworkLimit: 2000 });
  await writeFile(
    path.join(dir, "m.gexf"),
    String(await renderExport({ store, slug, format: "gexf", network: "members" })),
  );
  await writeFile(
    path.join(dir, "m.graphml"),
    String(await renderExport({ store, slug, format: "graphml", network: "members" })),
  );
  const script = `import networkx as nx, json, sys
g = nx.read_gexf(sys.argv[1]); h = nx.read_graphml(sys.argv[2])
print(json.dumps({"gexf": [g.number_of_nodes(), g.number_of_edges()], "graphml": [h.number_of_nodes(), h.number_of_edges()],
  "labels": sorted(d.get("label", "") for _, d in g.nodes(data=True)), "spells": sum(1 for _, _, d in g.edges(data=True) if d.get("start"))}))`;
  const result = JSON.parse(
    execFileSync(python, ["-c", script, path.join(dir, "m.gexf"), path.join(dir, "m.graphml")], {
      encoding: "utf8",
    }),
  );
  const members = report.maps.members!;
  expect(result.gexf).toEqual([members.nodes.length, members.edges.length]);
  expect(result.graphml).toEqual([members.nodes.length, members.edges.length]);
  expect(result.labels).toEqual(members.nodes.map((n) => n.label).sort());
  expect(result.spells).toBe(members.edges.length);
  expect(members.edges.length).toBeGreaterThan(0);
}, 90_000); // three reports and a Python process: slow on a loaded machine with PostgreSQL

test("short handles are disguised where they certainly name the member (mentions, signatures), not as ordinary words", async () => {
  const { disguiseNames } = await import("../../research/reporting/cloaking.js");
  const member = (id: string, handle: string) =>
    ({ id, handle, pseudonym: `Pseudonym ${id}`, displayName: null }) as never;
  const book = {
    members: [member("1", "jo"), member("2", "wrench_wendy")],
    consent: new Map(),
    level: "medium" as const,
    communityNames: [],
  };
  const text = "thanks @jo and @wrench_wendy, jo is right: go to the shop\n- jo";
  const disguised = disguiseNames(text, book);
  expect(disguised).toBe(
    "thanks Pseudonym 1 and Pseudonym 2, jo is right: go to the shop\n- Pseudonym 1",
  );
  expect(disguiseNames("wrench_wendy says hi\njo", book)).toBe("Pseudonym 2 says hi\nPseudonym 1");
});

test("Stack Exchange-style mentions (spaces dropped, a prefix of the name) and unknown @handles are cloaked", async () => {
  const { disguiseNames } = await import("../../research/reporting/cloaking.js");
  const book = {
    members: [
      { id: "1", handle: "1234", pseudonym: "Pseudonym 1", displayName: "John Smith" },
      { id: "2", handle: "5678", pseudonym: "Pseudonym 2", displayName: "Ana-Lucía Pérez" },
    ] as never[],
    consent: new Map(),
    level: "medium" as const,
    communityNames: [],
  };
  const text =
    "@JohnSmith see above; @Joh is right. @AnaLucíaPérez agrees, cc @someoneelse, mail a@b.example";
  const disguised = disguiseNames(text, book);
  expect(disguised).toBe(
    "Pseudonym 1 see above; Pseudonym 1 is right. Pseudonym 2 agrees, cc @[someone], mail [address]",
  );
  // At minimum cloaking an unknown handle stays (names of members are still disguised).
  expect(disguiseNames("@JohnSmith cc @someoneelse", { ...book, level: "minimum" as const })).toBe(
    "Pseudonym 1 cc @someoneelse",
  );
});

test("above minimum cloaking, whoever a quote's attribution line names becomes [someone], member or not", async () => {
  const { disguiseNames } = await import("../../research/reporting/cloaking.js");
  const book = {
    members: [
      { id: "1", handle: "alice", pseudonym: "Pseudonym 1", displayName: "Alice Wong" },
    ] as never[],
    consent: new Map(),
    level: "medium" as const,
    communityNames: [],
  };
  const text = [
    "On Tue, 5 Mar 2002 at 10:00, Bart Schaefer <schaefer@brasslantern.example> wrote:",
    "> the old way works",
    "Alice Wong wrote:",
    "> mine too",
    "> Quoting Zed Shaw:",
    ">> agreed",
    "As I said: it works. Write to bart@zsh.example.",
    "someone wrote:",
  ].join("\n");
  expect(disguiseNames(text, book)).toBe(
    [
      "On Tue, 5 Mar 2002 at 10:00, [someone] wrote:",
      "> the old way works",
      "Pseudonym 1 wrote:",
      "> mine too",
      "> Quoting [someone]:",
      ">> agreed",
      "As I said: it works. Write to [address].",
      "someone wrote:",
    ].join("\n"),
  );
  // Minimum cloaking disguises members only.
  expect(
    disguiseNames("Bart Schaefer wrote:\nAlice Wong wrote:", {
      ...book,
      level: "minimum" as const,
    }),
  ).toBe("Bart Schaefer wrote:\nPseudonym 1 wrote:");
});

test("a handle that is also a word is left as that word after an article, and disguised elsewhere", async () => {
  const { disguiseNames } = await import("../../research/reporting/cloaking.js");
  const book = {
    members: [
      { id: "1", handle: "user", pseudonym: "Fabled Yak 91", displayName: null },
      { id: "2", handle: "Community", pseudonym: "Quiet Owl 7", displayName: null },
    ] as never[],
    consent: new Map(),
    level: "medium" as const,
    communityNames: [],
  };
  expect(
    disguiseNames(
      "When a user is recreated, the Community bumps it. Thanks user and @Community!",
      book,
    ),
  ).toBe("When a user is recreated, the Community bumps it. Thanks Fabled Yak 91 and Quiet Owl 7!");
});

test("an opt-out recorded after a report was built takes the member's quotes out of the next one", async () => {
  const { store, slug, owner } = await projectWithFindings("medium");
  const sunnyQuote = "Is your inverter on standby";
  const before = await buildReportData({ store, slug });
  expect(JSON.stringify(before)).toContain(sunnyQuote);
  expect(
    (await findEvidenceSegments({ store, slug })).segments.some((s) =>
      s.quote.includes(sunnyQuote),
    ),
  ).toBe(true);
  const sunny = await resolveMemberByHandle({ store, slug, handle: "sunny_van" });
  await recordConsent({ store, slug, memberId: sunny.id, status: "opted-out", userId: owner.id });
  const after = await buildReportData({ store, slug });
  expect(JSON.stringify(after)).not.toContain(sunnyQuote);
  expect(after.themes[0].evidence).toHaveLength(before.themes[0].evidence.length - 1);
  expect(after.method.posts).toBe(before.method.posts - 1);
  expect(after.method.codings).toBe(before.method.codings - 1);
  expect(after.maps.members?.nodes.some((node) => node.id === sunny.id)).toBe(false);
  expect(
    (await findEvidenceSegments({ store, slug })).segments.some((s) =>
      s.quote.includes(sunnyQuote),
    ),
  ).toBe(false);
});

test("the evidence picker lists a passage once per code, with its source and every coder who marked it", async () => {
  const { store, slug, owner, ids } = await projectWithFindings("medium");
  const colleague = await buildUser(store, { name: "Rosa Colleague" });
  const { db } = await sqlFor(store);
  const first = await db
    .selectFrom("codings")
    .selectAll()
    .where("id", "=", ids[2])
    .executeTakeFirstOrThrow();
  // A second coder marks the same passage with the same code.
  await db
    .insertInto("codings")
    .values({ ...first, id: "second-coder-coding", coder_id: colleague.id })
    .execute();
  const { segments } = await findEvidenceSegments({ store, slug });
  expect(segments).toHaveLength(4);
  const shared = segments.find((segment) => segment.id === ids[2])!;
  expect(shared.coders.sort()).toEqual([owner.name, "Rosa Colleague"].sort());
  expect(shared.source).toMatch(/^\S.* in “Solar setup keeps dying & I'm stuck”$/);
  expect(shared.source).not.toMatch(/wrench_wendy/);
});

test("the evidence finder narrows the passages to one code and to all of some words, and counts every match", async () => {
  const { store, slug, owner, ids, postIds } = await projectWithFindings("medium");
  const [power] = await createCodes({ store, slug, userId: owner.id, codes: [{ name: "Power" }] });
  const { db } = await sqlFor(store);
  const [powered] = await applyCode({
    store,
    slug,
    coderId: owner.id,
    codeIds: [power.id],
    span: { sourceType: "post", sourceId: postIds[2], start: 0, end: 27 },
  });
  // LIKE's wildcards in a passage and in what is looked for are taken literally.
  const note = await createFieldNote({
    store,
    slug,
    authorId: owner.id,
    kind: "observational",
    title: "Pricing",
    markdown: "Panels were 100% off_grid ready.",
  });
  const [noted] = await applyCode({
    store,
    slug,
    coderId: owner.id,
    codeIds: [power.id],
    span: { sourceType: "fieldnote", sourceId: note.id, start: 0, end: 32 },
  });
  // Codings applied in the same millisecond tie on created_at: spread them, so "oldest first" is testable.
  const inOrder = [...ids, powered.id, noted.id];
  for (const [index, id] of inOrder.entries())
    await db
      .updateTable("codings")
      .set({ created_at: `2026-01-01T00:00:0${index}.000Z` })
      .where("id", "=", id)
      .execute();
  const find = (codeId: string | null, words: string, limit?: number) =>
    findEvidenceSegments({ store, slug, finder: { codeId, words }, limit });
  const idsOf = async (codeId: string | null, words: string) =>
    (await find(codeId, words)).segments.map((segment) => segment.id);

  const every = await find(null, "");
  expect(every.matching).toBe(6);
  expect(every.segments.map((segment) => segment.id)).toEqual(inOrder);
  expect(await idsOf(power.id, "")).toEqual([powered.id, noted.id]);
  expect(await idsOf(null, "CHARGE controller")).toEqual([ids[2], powered.id]);
  expect(await idsOf(null, "controller   charge")).toEqual([ids[2], powered.id]);
  expect(await idsOf(power.id, "controller")).toEqual([powered.id]);
  expect(await idsOf(null, "controller inverter")).toEqual([]);
  expect(await idsOf(null, "100%")).toEqual([noted.id]);
  expect(await idsOf(null, "%")).toEqual([noted.id]);
  expect(await idsOf(null, "_")).toEqual([noted.id]);
  expect(await idsOf(null, "!")).toEqual([ids[0]]);
  // Words start words (a word's end may differ: "contr" finds "controller", "roller" does not), and
  // case is folded beyond ASCII on both engines; regex and LIKE syntax is taken literally.
  expect(await idsOf(null, "contr")).toEqual([ids[2], powered.id]);
  expect(await idsOf(null, "roller")).toEqual([]);
  expect(await idsOf(null, "grid")).toEqual([noted.id]);
  const accented = await createFieldNote({
    store,
    slug,
    authorId: owner.id,
    kind: "observational",
    title: "Été",
    markdown: "ÉTÉ in Zürich: (fixed) [again] a+b.",
  });
  const [accentedCoding] = await applyCode({
    store,
    slug,
    coderId: owner.id,
    codeIds: [power.id],
    span: { sourceType: "fieldnote", sourceId: accented.id, start: 0, end: 34 },
  });
  for (const words of ["été", "ZÜRICH", "zür", "(fixed)", "[again]", "a+b", "été zürich"])
    expect(await idsOf(null, words), words).toEqual([accentedCoding.id]);
  for (const words of ["rich", "ixed", "a.b", "té", "\\", "$", "^", "*", "a{2}", "x|y", "(?"])
    expect(await idsOf(null, words), words).toEqual([]);
  await db.deleteFrom("codings").where("id", "=", accentedCoding.id).execute();
  // A page of the oldest, with how many match in all.
  const firstTwo = await find(null, "", 2);
  expect(firstTwo.segments.map((segment) => segment.id)).toEqual(ids.slice(0, 2));
  expect(firstTwo.matching).toBe(6);
  expect(await find(power.id, "nothing like this")).toEqual({ segments: [], matching: 0 });
  // Words are folded, counted once, and capped (more than anyone types to find a passage).
  expect(finderWords("  Charge charge  CONTROLLER ")).toEqual(["charge", "controller"]);
  expect(finderWords(Array.from({ length: 30 }, (_, i) => `w${i}`).join(" "))).toHaveLength(12);
});

test("Markdown exports escape markup only, not every punctuation mark", async () => {
  const { escapeMarkdown } = await import("../../research/reporting/exports.js");
  expect(escapeMarkdown("Works (mostly)! Cost: $40 {approx.} + tax.")).toBe(
    "Works (mostly)! Cost: $40 {approx.} + tax.",
  );
  expect(escapeMarkdown("*really* _that_ `code` [link](x) <b> a|b")).toBe(
    "\\*really\\* \\_that\\_ \\`code\\` \\[link\\](x) \\<b> a|b",
  );
  // Underscores inside words and URLs are never emphasis; a pipe matters only in a table cell.
  expect(escapeMarkdown("spamassassin_pre_2_4 at example.org/bush_vows.html")).toBe(
    "spamassassin_pre_2_4 at example.org/bush_vows.html",
  );
  const { escapeTableCell } = await import("../../research/reporting/exports.js");
  expect(escapeTableCell("a|b _c_")).toBe("a\\|b \\_c\\_");
  expect(
    escapeMarkdown("# not a heading\n> not a quote\n- not a list\n2024. A year\nA - dash"),
  ).toBe("\\# not a heading\n\\> not a quote\n\\- not a list\n2024\\. A year\nA - dash");
});
