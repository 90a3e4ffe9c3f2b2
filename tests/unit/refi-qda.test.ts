import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { strToU8, unzipSync, zipSync, strFromU8 } from "fflate";
import { expect, test } from "vitest";
import {
  applyCode,
  createCodes,
  getCodebook,
  listCodes,
  listCodings,
} from "../../research/coding/index.js";
import { importFiles, iterateVisiblePosts } from "../../research/collection/index.js";
import type { CorpusPost } from "../../research/collection/model.js";
import type { DocumentStore } from "../../research/store/index.js";
import {
  chooseReading,
  exportCodebook,
  exportProject,
  importCodebookFile,
  importProjectFile,
  positionTables,
  toStoredOffset,
} from "../../research/exchange/index.js";
import { buildProject, buildStore, buildUser, scratchDir } from "../factories.js";

/** Every visible post of a (small) test project, in import order. */
async function postsOf(store: DocumentStore, slug: string): Promise<CorpusPost[]> {
  const posts: CorpusPost[] = [];
  for await (const batch of iterateVisiblePosts({ store, slug })) posts.push(...batch);
  return posts;
}

const SCHEMAS = path.resolve(__dirname, "../../../shared/standards/refi-qda");

function validate(xmlFile: string, schema: "Codebook.xsd" | "Project.xsd") {
  if (!existsSync("/usr/bin/xmllint"))
    throw new Error(
      "xmllint is missing: install Debian's libxml2-utils (apt-get install libxml2-utils)",
    );
  return execFileSync("xmllint", ["--noout", "--schema", path.join(SCHEMAS, schema), xmlFile], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
}

async function tempDir() {
  return scratchDir("netno-refi-");
}

async function codedProject() {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true, name: "Ana" });
  const { slug } = await buildProject(store, owner);
  await importFiles({
    store,
    slug,
    files: [path.resolve(__dirname, "../fixtures/mastodon-statuses.json")],
  });
  const [parent] = await createCodes({
    store,
    slug,
    userId: owner.id,
    codes: [
      { name: "Repair", definition: 'Fixing things <yourself> & "others"', colour: "#1f77b4" },
    ],
  });
  const [child] = await createCodes({
    store,
    slug,
    userId: owner.id,
    codes: [{ name: "Fridge 🧊", parentId: parent.id }],
  });
  const post = (await postsOf(store, slug)).find((p) => p.text.includes("fridge"))!;
  const start = [...post.text].indexOf("f");
  await applyCode({
    store,
    slug,
    coderId: owner.id,
    codeIds: [child.id],
    span: { sourceType: "post", sourceId: post.id, start, end: start + 6 },
  });
  await applyCode({
    store,
    slug,
    coderId: owner.id,
    codeIds: [parent.id],
    span: { sourceType: "post", sourceId: post.id, start: 0, end: 7 },
  });
  return { store, slug, owner };
}

test("the codebook exports as a .qdc valid against the standard's XSD, with the same GUIDs every time", async () => {
  const { store, slug } = await codedProject();
  const dir = await tempDir();
  const qdc = await exportCodebook({ store, slug });
  await writeFile(path.join(dir, "codebook.qdc"), qdc);
  validate(path.join(dir, "codebook.qdc"), "Codebook.xsd");
  expect(await exportCodebook({ store, slug })).toBe(qdc);
  expect(qdc).toContain('name="Fridge 🧊"');
  expect(qdc).toContain("&lt;yourself&gt; &amp; &quot;others&quot;");
});

test("the project exports as a .qdpx whose project.qde is valid and whose sources are UTF-8 texts", async () => {
  const { store, slug } = await codedProject();
  const dir = await tempDir();
  const zip = unzipSync(await exportProject({ store, slug }));
  expect(Object.keys(zip).filter((name) => name.startsWith("sources/"))).toHaveLength(4);
  await writeFile(path.join(dir, "project.qde"), zip["project.qde"]);
  validate(path.join(dir, "project.qde"), "Project.xsd");
  const again = unzipSync(await exportProject({ store, slug }));
  expect(strFromU8(again["project.qde"])).toBe(strFromU8(zip["project.qde"]));
});

test("a project round-trips: export, import into a new project, same codes, sources and coded spans", async () => {
  const { store, slug, owner } = await codedProject();
  const dir = await tempDir();
  await writeFile(path.join(dir, "study.qdpx"), await exportProject({ store, slug }));
  const target = await buildProject(store, owner);
  const report = await importProjectFile({
    store,
    slug: target.slug,
    file: path.join(dir, "study.qdpx"),
    userId: owner.id,
  });
  expect(report).toMatchObject({
    codes: 2,
    sources: 4,
    codings: 2,
    skipped: 0,
    reading: "code-points",
  });
  const before = await getCodebook({ store, slug });
  const after = await getCodebook({ store, slug: target.slug });
  expect(
    after.codes.map((c) => [
      c.name,
      c.colour.toUpperCase(),
      after.codes.find((p) => p.id === c.parentId)?.name ?? null,
    ]),
  ).toEqual(
    before.codes.map((c) => [
      c.name,
      c.colour.toUpperCase(),
      before.codes.find((p) => p.id === c.parentId)?.name ?? null,
    ]),
  );
  const quotes = async (s: string) =>
    (await listCodings({ store, slug: s })).map((c) => c.quote).sort();
  expect(await quotes(target.slug)).toEqual(await quotes(slug));
  const texts = async (s: string) => (await postsOf(store, s)).map((p) => p.text).sort();
  expect(await texts(target.slug)).toEqual(await texts(slug));
});

test("the codebook round-trips through .qdc, and a legacy 0.4 codebook with wrapper codes imports", async () => {
  const { store, slug, owner } = await codedProject();
  const dir = await tempDir();
  await writeFile(path.join(dir, "book.qdc"), await exportCodebook({ store, slug }));
  const target = await buildProject(store, owner);
  expect(
    await importCodebookFile({
      store,
      slug: target.slug,
      file: path.join(dir, "book.qdc"),
      userId: owner.id,
    }),
  ).toMatchObject({ codes: 2 });
  await writeFile(
    path.join(dir, "legacy.qdc"),
    `<?xml version="1.0" encoding="utf-8"?>\r\n<CodeBook xmlns="urn:QDA-XML:codebook:0:4" origin="MAXQDA">\r\n<Codes>\r\n<Code guid="{AAAAAAAA-0000-0000-0000-000000000001}" name="Emotions" isCodable="false" color="#F00">\r\n<Code guid="{AAAAAAAA-0000-0000-0000-000000000002}" name="Anger" isCodable="true"><Description>Angry talk</Description></Code>\r\n</Code>\r\n</Codes>\r\n<Sets><Set guid="AAAAAAAA-0000-0000-0000-000000000009" name="S"/></Sets>\r\n</CodeBook>`,
  );
  const legacy = await importCodebookFile({
    store,
    slug: target.slug,
    file: path.join(dir, "legacy.qdc"),
    userId: owner.id,
  });
  expect(legacy.codes).toBe(2);
  expect(legacy.notBroughtOver.join(" ")).toMatch(/1 non-codable wrapper code.*1 code set/);
  const codes = (await getCodebook({ store, slug: target.slug })).codes;
  expect(codes.find((c) => c.name === "Anger")?.parentId).toBe(
    codes.find((c) => c.name === "Emotions")?.id,
  );
  expect(codes.find((c) => c.name === "Anger")?.definition).toBe("Angry talk");
});

test("positions counted in UTF-16 with \\r\\n as two are detected and land on the words the other tool showed", () => {
  const raw = "Intro 😀 line\r\nThe fridge died 🧊 again\r\nEnd";
  const utf16 = (needle: string) => ({
    start: raw.indexOf(needle),
    end: raw.indexOf(needle) + needle.length,
    name: needle,
  });
  const selections = [utf16("fridge died"), utf16("again"), utf16("End")];
  expect(chooseReading([{ raw, selections }]).reading).toBe("utf16");
  const table = positionTables(raw).utf16;
  const stored = raw.replace(/\r\n/g, "\n");
  const start = toStoredOffset(raw, table, selections[1].start)!;
  expect([...stored].slice(start, start + 5).join("")).toBe("again");
  // The same text counted as code points with \r\n as one character.
  const points = [...raw.replace(/\r\n/g, "\n")];
  const cp1 = (needle: string) => {
    const at = points.join("").indexOf(needle);
    const startPoint = [...points.join("").slice(0, at)].length;
    return { start: startPoint, end: startPoint + [...needle].length, name: needle };
  };
  expect(
    chooseReading([{ raw, selections: [cp1("fridge died"), cp1("again"), cp1("End")] }]).reading,
  ).toBe("code-points-crlf-as-one");
});

test("a .qdpx from another tool: any .qde name, Sources/ folder, UTF-16 positions, \\r\\n, a PDF it cannot bring over", async () => {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const { slug } = await buildProject(store, owner);
  const text = "Héllo 👋 team\r\nThe charge controller was set wrong.\r\nFixed now.";
  const at = text.indexOf("charge controller");
  const qde = `<?xml version="1.0" encoding="utf-8"?>\r\n<Project xmlns="urn:QDA-XML:project:1.0" name="Field study" origin="NVivo">\r\n<CodeBook><Codes><Code guid="11111111-1111-1111-1111-111111111111" name="Gear" isCodable="true" color="#00FF00"/></Codes></CodeBook>\r\n<Sources>\r\n<TextSource guid="{22222222-2222-2222-2222-222222222222}" name="Interview 1" plainTextPath="internal://22222222-2222-2222-2222-222222222222.txt">\r\n<PlainTextSelection guid="33333333-3333-3333-3333-333333333333" name="charge controller" startPosition="${at}" endPosition="${at + 17}"><Coding guid="44444444-4444-4444-4444-444444444444"><CodeRef targetGUID="11111111-1111-1111-1111-111111111111"/></Coding></PlainTextSelection>\r\n<PlainTextSelection guid="55555555-5555-5555-5555-555555555555" name="Fixed now" startPosition="${text.indexOf("Fixed")}" endPosition="${text.indexOf("Fixed") + 9}"><Coding guid="66666666-6666-6666-6666-666666666666"><CodeRef targetGUID="11111111-1111-1111-1111-111111111111"/></Coding></PlainTextSelection>\r\n</TextSource>\r\n<PDFSource guid="77777777-7777-7777-7777-777777777777" name="Brochure" path="internal://77777777-7777-7777-7777-777777777777.pdf"><PDFSelection guid="88888888-8888-8888-8888-888888888888" page="1" firstX="1" firstY="1" secondX="2" secondY="2"/></PDFSource>\r\n</Sources>\r\n</Project>`;
  const dir = await tempDir();
  const file = path.join(dir, "from-nvivo.qdpx");
  await writeFile(
    file,
    zipSync({
      "Field study.qde": strToU8(qde),
      "Sources/22222222-2222-2222-2222-222222222222.txt": strToU8(text),
    }),
  );
  const report = await importProjectFile({ store, slug, file, userId: owner.id });
  expect(report).toMatchObject({ codes: 1, sources: 1, codings: 2, reading: "utf16" });
  expect(report.notBroughtOver.join(" ")).toMatch(/1 pdf source with 1 selection/);
  const quotes = (await listCodings({ store, slug })).map((c) => c.quote).sort();
  expect(quotes).toEqual(["Fixed now", "charge controller"]);
});

test("a .qdpx with no .qde, or two, is refused by name", async () => {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const { slug } = await buildProject(store, owner);
  const dir = await tempDir();
  await writeFile(
    path.join(dir, "a.qdpx"),
    zipSync({ "x.qde": strToU8("<Project/>"), "y.qde": strToU8("<Project/>") }),
  );
  await expect(importProjectFile({ store, slug, file: path.join(dir, "a.qdpx") })).rejects.toThrow(
    /exactly one \.qde project file; found x\.qde, y\.qde/,
  );
  await writeFile(path.join(dir, "b.qdpx"), Buffer.from("not a zip"));
  await expect(importProjectFile({ store, slug, file: path.join(dir, "b.qdpx") })).rejects.toThrow(
    /not a readable \.qdpx/,
  );
});

test("a .qdpx zip bomb is refused from its declared sizes before it is inflated, and nothing is written", async () => {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const { slug } = await buildProject(store, owner);
  const dir = await tempDir();
  // 16 MB of zeros deflate to about 16 KB: the shape of a bomb, at a size a test can build.
  const bomb = zipSync(
    { "project.qde": strToU8("<Project/>"), "sources/big.txt": new Uint8Array(16 * 1024 ** 2) },
    { level: 9 },
  );
  expect(bomb.byteLength).toBeLessThan(100_000);
  await writeFile(path.join(dir, "bomb.qdpx"), bomb);
  await expect(
    importProjectFile({ store, slug, file: path.join(dir, "bomb.qdpx") }),
  ).rejects.toThrow(
    /bomb\.qdpx would inflate to more than .* \(entry sources\/big\.txt\): refused as a possible zip bomb/,
  );
  expect(await listCodes({ store, slug })).toEqual([]);
});

test("each user of an imported .qdpx stays a distinct coder (agreement can be computed), and keeps its GUID on export", async () => {
  const { computeAgreement } = await import("../../research/analysis/index.js");
  const { listCoders } = await import("../../research/coding/index.js");
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true, name: "Ana" });
  const { slug } = await buildProject(store, owner);
  const text = "The inverter hums at night. Support never answered my ticket.";
  const span = (phrase: string) =>
    `startPosition="${text.indexOf(phrase)}" endPosition="${text.indexOf(phrase) + phrase.length}"`;
  const coding = (guid: string, user: string, code: string) =>
    `<Coding guid="${guid}" creatingUser="${user}"><CodeRef targetGUID="${code}"/></Coding>`;
  const [ANA, BEN] = [
    "aaaaaaaa-0000-4000-8000-000000000001",
    "bbbbbbbb-0000-4000-8000-000000000002",
  ];
  const [NOISE, SUPPORT] = [
    "c0de0000-0000-4000-8000-000000000001",
    "c0de0000-0000-4000-8000-000000000002",
  ];
  const qde = `<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Two coders" origin="MAXQDA">
<Users><User guid="${ANA}" name="Ana"/><User guid="${BEN}" name="Ben Okafor"/></Users>
<CodeBook><Codes><Code guid="${NOISE}" name="Noise" isCodable="true"/><Code guid="${SUPPORT}" name="Support" isCodable="true"/></Codes></CodeBook>
<Sources><TextSource guid="dddddddd-0000-4000-8000-000000000001" name="Post 1"><PlainTextContent>${text}</PlainTextContent>
<PlainTextSelection guid="eeeeeeee-0000-4000-8000-000000000001" name="hums" ${span("The inverter hums at night.")} creatingUser="${ANA}">${coding("f0000000-0000-4000-8000-000000000001", ANA, NOISE)}${coding("f0000000-0000-4000-8000-000000000002", BEN, NOISE)}</PlainTextSelection>
<PlainTextSelection guid="eeeeeeee-0000-4000-8000-000000000002" name="support" ${span("Support never answered my ticket.")} creatingUser="${BEN}">${coding("f0000000-0000-4000-8000-000000000003", BEN, SUPPORT)}</PlainTextSelection>
</TextSource></Sources></Project>`;
  const dir = await tempDir();
  const file = path.join(dir, "two-coders.qdpx");
  await writeFile(file, zipSync({ "project.qde": strToU8(qde) }));
  const report = await importProjectFile({ store, slug, file, userId: owner.id });
  expect(report.codings).toBe(3);
  const codings = await listCodings({ store, slug });
  const coderIds = [...new Set(codings.map((c) => c.coderId))];
  expect(coderIds).toHaveLength(2);
  expect(coderIds).toContain(owner.id); // "Ana" is the account of the same name
  const coders = await listCoders({ store, slug });
  const ben = coders.find((coder) => coder.name.startsWith("Ben Okafor"))!;
  expect(ben).toMatchObject({ external: true });
  expect(ben.name).toContain("two-coders.qdpx");
  const agreement = await computeAgreement({ store, slug, coderIds: [owner.id, ben.id] });
  expect(agreement.sampleSize).toBe(1);
  expect(agreement.disagreements.length).toBeGreaterThan(0);

  // Importing the same file again adds no coder; exporting keeps Ben's GUID and name.
  await importProjectFile({ store, slug, file, userId: owner.id });
  expect((await listCoders({ store, slug })).filter((coder) => coder.external)).toHaveLength(1);
  expect(await listCodings({ store, slug })).toHaveLength(3);
  const exported = strFromU8(unzipSync(await exportProject({ store, slug }))["project.qde"]);
  expect(exported).toContain(`guid="${BEN}" name="Ben Okafor"`);
  expect(exported).toContain(`creatingUser="${BEN}"`);
  const qdeFile = path.join(dir, "exported.qde");
  await writeFile(qdeFile, exported);
  validate(qdeFile, "Project.xsd");
});

test("a .qdpx refused for an oversized note changes nothing: no code, no post, no note, no coding", async () => {
  const { listFieldNotes } = await import("../../research/collection/index.js");
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const { slug } = await buildProject(store, owner);
  const qde = `<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Too long" origin="NVivo">
<CodeBook><Codes><Code guid="11111111-1111-1111-1111-111111111111" name="Gear" isCodable="true"/></Codes></CodeBook>
<Sources><TextSource guid="22222222-2222-2222-2222-222222222222" name="S"><PlainTextContent>Some text</PlainTextContent></TextSource></Sources>
<Notes><Note guid="33333333-3333-3333-3333-333333333333" name="Huge"><PlainTextContent>${"x".repeat(200_001)}</PlainTextContent></Note></Notes>
</Project>`;
  const dir = await tempDir();
  const file = path.join(dir, "too-long.qdpx");
  await writeFile(file, zipSync({ "project.qde": strToU8(qde) }));
  await expect(importProjectFile({ store, slug, file, userId: owner.id })).rejects.toThrow(
    /longer than a field note may be/,
  );
  expect((await getCodebook({ store, slug })).codes).toHaveLength(0);
  expect(await postsOf(store, slug)).toHaveLength(0);
  expect(await listFieldNotes({ store, slug })).toHaveLength(0);
  expect(await listCodings({ store, slug })).toHaveLength(0);
});

test("a MAXQDA codebook: same names under different parents stay distinct, long names import, a second import adds nothing", async () => {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const { slug } = await buildProject(store, owner);
  const file = path.resolve(__dirname, "../fixtures/refi/maxqda-codebook.qdc");
  const first = await importCodebookFile({ store, slug, file, userId: owner.id });
  expect(first).toMatchObject({ codes: 7, reusedCodes: 0 });
  expect(first.notBroughtOver).toEqual([
    'code "Positive" also exists elsewhere in the codebook: imported as "Positive (Evaluation of gear)"',
    'code "Negative" also exists elsewhere in the codebook: imported as "Negative (Evaluation of gear)"',
  ]);
  const codes = await listCodes({ store, slug });
  const byName = new Map(codes.map((code) => [code.name, code]));
  expect(byName.get("Positive")?.parentId).toBe(byName.get("Emotions")?.id);
  expect(byName.get("Positive (Evaluation of gear)")?.parentId).toBe(
    byName.get("Evaluation of gear")?.id,
  );
  expect(codes.some((code) => code.name.length > 120)).toBe(true);

  const second = await importCodebookFile({ store, slug, file, userId: owner.id });
  expect(second).toMatchObject({ codes: 0, reusedCodes: 7, notBroughtOver: [] });
  expect(await listCodes({ store, slug })).toHaveLength(7);
});

test("a code name of 400 characters imports whole; one beyond 1,000 is refused before any code is written", async () => {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const { slug } = await buildProject(store, owner);
  const dir = await tempDir();
  const codebookWith = async (fileName: string, longName: string) => {
    const file = path.join(dir, fileName);
    await writeFile(
      file,
      `<?xml version="1.0" encoding="utf-8"?><CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>` +
        `<Code guid="C0A8D1E2-0000-4000-8000-000000000011" name="Fine" isCodable="true"/>` +
        `<Code guid="C0A8D1E2-0000-4000-8000-000000000012" name="${longName}" isCodable="true"/>` +
        `</Codes></CodeBook>`,
    );
    return file;
  };
  const tooLong = await codebookWith("too-long.qdc", "x".repeat(1001));
  await expect(
    importCodebookFile({ store, slug, file: tooLong, userId: owner.id }),
  ).rejects.toThrow(
    /has 1001 characters, more than the 1000 a code name may have; nothing was imported/,
  );
  expect(await listCodes({ store, slug })).toEqual([]);

  const long = await codebookWith("long.qdc", "y".repeat(400));
  await importCodebookFile({ store, slug, file: long, userId: owner.id });
  expect((await listCodes({ store, slug })).map((code) => code.name.length).sort()).toEqual([
    4, 400,
  ]);
});

test("an empty project exports as a valid .qdpx; an empty codebook is refused as .qdc (the XSD needs a code)", async () => {
  const store = await buildStore();
  const owner = await buildUser(store, { admin: true });
  const { slug } = await buildProject(store, owner);
  const dir = await tempDir();
  await expect(exportCodebook({ store, slug })).rejects.toThrow(
    /must hold at least one\. Add codes, or export the project \(\.qdpx\)/,
  );
  const zip = unzipSync(new Uint8Array(await exportProject({ store, slug })));
  await writeFile(path.join(dir, "project.qde"), zip["project.qde"]);
  validate(path.join(dir, "project.qde"), "Project.xsd");
});

test("memos travel as Notes with NoteRefs: code, post and project memos come back as memos, once", async () => {
  const { addMemo, listMemos } = await import("../../research/coding/index.js");
  const { store, slug, owner } = await codedProject();
  const [repair] = (await getCodebook({ store, slug })).codes.filter((c) => c.name === "Repair");
  const post = (await postsOf(store, slug)).find((p) => p.text.includes("fridge"))!;
  await addMemo({
    store,
    slug,
    target: { type: "code", id: repair.id },
    markdown: "Repair is *pride*, not thrift.",
    authorId: owner.id,
  });
  await addMemo({
    store,
    slug,
    target: { type: "post", id: post.id },
    markdown: "First mention of the compressor.",
    authorId: owner.id,
  });
  await addMemo({
    store,
    slug,
    target: { type: "project", id: slug },
    markdown: "Sampling: March threads only.",
    authorId: owner.id,
  });
  const dir = await tempDir();
  const file = path.join(dir, "memos.qdpx");
  await writeFile(file, await exportProject({ store, slug }));
  const zip = unzipSync(new Uint8Array(await exportProject({ store, slug })));
  await writeFile(path.join(dir, "project.qde"), zip["project.qde"]);
  validate(path.join(dir, "project.qde"), "Project.xsd");

  const target = await buildProject(store, owner);
  const report = await importProjectFile({ store, slug: target.slug, file, userId: owner.id });
  expect(report.memos).toBe(3);
  const memos = await listMemos({ store, slug: target.slug });
  const codes = (await getCodebook({ store, slug: target.slug })).codes;
  const posts = await postsOf(store, target.slug);
  const about = new Map(memos.map((memo) => [memo.markdown, memo.target]));
  expect(about.get("Repair is *pride*, not thrift.")).toEqual({
    type: "code",
    id: codes.find((c) => c.name === "Repair")!.id,
  });
  expect(about.get("First mention of the compressor.")).toEqual({
    type: "post",
    id: posts.find((p) => p.text === post.text)!.id,
  });
  expect(about.get("Sampling: March threads only.")).toEqual({ type: "project", id: target.slug });

  const again = await importProjectFile({ store, slug: target.slug, file, userId: owner.id });
  expect(again.memos ?? 0).toBe(0);
  expect(await listMemos({ store, slug: target.slug })).toHaveLength(3);
});

test("a .qdpx whose text source is too long for a post is refused before any code is written", async () => {
  const { store, slug, owner } = await codedProject();
  const dir = await tempDir();
  const file = path.join(dir, "long.qdpx");
  await writeFile(file, await exportProject({ store, slug }));
  const target = await buildProject(store, owner);
  const limit = process.env.NETNO_MAX_POST_CHARS;
  process.env.NETNO_MAX_POST_CHARS = "20";
  try {
    await expect(
      importProjectFile({ store, slug: target.slug, file, userId: owner.id }),
    ).rejects.toThrow(/characters, more than the 20 one post may hold .*nothing was imported/);
  } finally {
    if (limit === undefined) delete process.env.NETNO_MAX_POST_CHARS;
    else process.env.NETNO_MAX_POST_CHARS = limit;
  }
  expect(await listCodes({ store, slug: target.slug })).toEqual([]);
  expect(await postsOf(store, target.slug)).toEqual([]);
});
