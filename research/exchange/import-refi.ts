import { readFile } from "node:fs/promises";
import path from "node:path";
import { unzipSync, strFromU8 } from "fflate";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { addCodingsIn, type NewCoding } from "../coding/codings.js";
import { resolveRefiCoders } from "../coding/coders.js";
import { createCodes, MAX_CODE_NAME_LENGTH } from "../coding/codebook.js";
import { codebookFile } from "../coding/model.js";
import { insertMemoIn } from "../coding/memos.js";
import { projectSql, visiblePosts } from "../collection/corpus.js";
import { createFieldNoteIn } from "../collection/field-notes.js";
import { importFiles, maxPostCharsFromEnv } from "../collection/import-files.js";
import type { Importer } from "../collection/importers/types.js";
import { projectKeys } from "../projects/model.js";
import { ResearchError } from "../shared/errors.js";
import { requireCapability } from "../shared/roles.js";
import { newId, nowIso } from "../shared/ids.js";
import { sliceCodePoints } from "../shared/text-offsets.js";
import { inTransaction, type DocumentStore, type Queryable } from "../store/index.js";
import {
  chooseReading,
  positionTables,
  toStoredOffset,
  type PositionReading,
  type RawSelection,
} from "./positions.js";
import { guidFor } from "./guids.js";

export type RefiImportReport = {
  codes: number;
  /** Codes that already existed with the same name and were reused. */
  reusedCodes: number;
  sources: number;
  codings: number;
  skipped: number;
  /** How the file counted positions, found from the file itself. */
  reading: PositionReading | null;
  /** What could not be brought over, said instead of dropped silently. */
  notBroughtOver: string[];
  /** Notes brought over as memos on codes, posts or the project. */
  memos?: number;
};

const ARRAYS = new Set([
  "Code",
  "User",
  "TextSource",
  "PictureSource",
  "PDFSource",
  "AudioSource",
  "VideoSource",
  "PlainTextSelection",
  "Coding",
  "Note",
  "NoteRef",
  "Set",
  "Case",
  "Variable",
  "Link",
  "Graph",
  "PictureSelection",
  "PDFSelection",
  "AudioSelection",
  "VideoSelection",
  "TranscriptSelection",
  "Transcript",
]);
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@",
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  isArray: (name) => ARRAYS.has(name),
});

type Node = Record<string, unknown>;
const isNode = (value: unknown): value is Node =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const list = (value: unknown): Node[] =>
  Array.isArray(value) ? value.filter(isNode) : isNode(value) ? [value] : [];
const attr = (node: Node, name: string) =>
  typeof node[`@${name}`] === "string" ? (node[`@${name}`] as string) : undefined;
const textOf = (value: unknown): string =>
  typeof value === "string"
    ? value
    : isNode(value) && typeof value["#text"] === "string"
      ? value["#text"]
      : "";
const normalGuid = (guid: string | undefined) => (guid ?? "").replace(/[{}]/g, "").toLowerCase();

function parseXml(xml: string, fileName: string): Node {
  const text = xml.replace(/^\uFEFF/, "");
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    // Elements still open at the end (the validator names them, "at line 1"): the file was cut short,
    // as a copy or a download that stopped halfway leaves it.
    const open =
      /^Invalid '\[(.*)\]' found\.$/s.exec(valid.err.msg)?.[1] ??
      /^Unclosed tag '(.*)'\.$/.exec(valid.err.msg)?.[1];
    if (open !== undefined) {
      const names = open.match(/[^\s",]+/g) ?? [];
      throw new ResearchError(
        "import-failed",
        `${fileName} ends inside ${names.map((name) => `<${name}>`).join(" › ")}: the file seems cut short; nothing was imported.`,
        { file: fileName },
      );
    }
    throw new ResearchError(
      "import-failed",
      `${fileName} is not well-formed XML at line ${valid.err.line}: ${valid.err.msg}`,
      { file: fileName, line: valid.err.line },
    );
  }
  return parser.parse(text) as Node;
}

type ParsedCode = {
  guid: string;
  name: string;
  description: string;
  colour?: string;
  codable: boolean;
  /** Notes (memos) about this code. */
  noteRefs: string[];
  children: ParsedCode[];
};

/** The GUIDs a node's NoteRef elements point to: the notes written about it. */
function noteRefsOf(node: Node): string[] {
  return list(node.NoteRef)
    .map((ref) => normalGuid(attr(ref, "targetGUID")))
    .filter(Boolean);
}

function parseCodes(codesNode: unknown): ParsedCode[] {
  return list(isNode(codesNode) ? codesNode.Code : undefined).map((code) => ({
    guid: normalGuid(attr(code, "guid")),
    name: (attr(code, "name") ?? "").trim() || "(unnamed code)",
    description: textOf(code.Description).trim(),
    colour: attr(code, "color"),
    codable: attr(code, "isCodable") !== "false",
    noteRefs: noteRefsOf(code),
    children: parseCodes(code.Code ? { Code: code.Code } : undefined),
  }));
}

/** A code as it will be written: its final name, and the code it reuses when one is already there. */
type PlannedCode = {
  code: ParsedCode;
  name: string;
  reuse: string | null;
  children: PlannedCode[];
};

/**
 * Decides every imported code's fate before anything is written, so an import that cannot be brought
 * over stops with nothing changed. A code is reused when the codebook has one of the same name under
 * the same parent; codes of the same name under different parents (MAXQDA and NVivo allow it) stay
 * distinct, the later ones named after their parent ("Positive (Evaluation)").
 */
function planCodes(
  parsed: ParsedCode[],
  existing: Array<{ id: string; name: string; parentId: string | null }>,
  report: RefiImportReport,
): PlannedCode[] {
  // Parents are told apart by key: an existing code's id, or a token for a code this import creates.
  const taken = new Map<string, { reuse: string | null; parentKey: string | null }>(
    existing.map((code) => [code.name.toLowerCase(), { reuse: code.id, parentKey: code.parentId }]),
  );
  let fresh = 0;
  const plan = (items: ParsedCode[], parent: { name: string; key: string } | null): PlannedCode[] =>
    items.map((code): PlannedCode => {
      if (code.name.length > MAX_CODE_NAME_LENGTH) {
        throw new ResearchError(
          "import-failed",
          `The code "${code.name.slice(0, 60)}…" has ${code.name.length} characters, more than the ` +
            `${MAX_CODE_NAME_LENGTH} a code name may have; nothing was imported.`,
          { field: "Code" },
        );
      }
      const parentKey = parent?.key ?? null;
      const same = taken.get(code.name.toLowerCase());
      let name = code.name;
      let reuse: string | null = null;
      if (same && same.parentKey === parentKey && same.reuse) {
        reuse = same.reuse;
      } else if (same) {
        const place = parent?.name ?? "top level";
        // The name an earlier import of the same file gave it is reused, not renamed once more.
        for (let n = 1; ; n++) {
          name = n === 1 ? `${code.name} (${place})` : `${code.name} (${place} ${n})`;
          const holder = taken.get(name.toLowerCase());
          if (!holder) break;
          if (holder.reuse && holder.parentKey === parentKey) {
            reuse = holder.reuse;
            break;
          }
        }
        if (!reuse)
          report.notBroughtOver.push(
            `code "${code.name}" also exists elsewhere in the codebook: imported as "${name}"`,
          );
      }
      const key = reuse ?? `new:${fresh++}`;
      if (!reuse) taken.set(name.toLowerCase(), { reuse: null, parentKey });
      return { code, name, reuse, children: plan(code.children, { name, key }) };
    });
  return plan(parsed, null);
}

/** Creates the imported codes (parents first) as planned; returns guid → our code id. */
async function importCodes(
  store: DocumentStore,
  slug: string,
  codes: ParsedCode[],
  userId: string,
  report: RefiImportReport,
): Promise<Map<string, string>> {
  const codebook = await store.read(codebookFile, projectKeys.codebook(slug));
  const plans = planCodes(
    codes,
    codebook.codes
      .filter((code) => !code.mergedInto)
      .map((code) => ({ id: code.id, name: code.name, parentId: code.parentId })),
    report,
  );
  const map = new Map<string, string>();
  let wrappers = 0;
  const walk = async (items: PlannedCode[], parentId: string | null) => {
    for (const { code, name, reuse, children } of items) {
      let id: string;
      if (reuse) {
        id = reuse;
        report.reusedCodes++;
      } else {
        const colour =
          code.colour && /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.test(code.colour)
            ? code.colour
            : undefined;
        const [created] = await createCodes({
          store,
          slug,
          userId,
          reason: "Imported from REFI-QDA",
          codes: [{ name, definition: code.description, parentId, colour }],
        });
        id = created.id;
        report.codes++;
      }
      if (!code.codable) wrappers++;
      if (code.guid) map.set(code.guid, id);
      await walk(children, id);
    }
  };
  await walk(plans, null);
  if (wrappers)
    report.notBroughtOver.push(
      `${wrappers} non-codable wrapper code${wrappers === 1 ? "" : "s"} became ordinary parent codes (the workbench has no non-codable codes)`,
    );
  return map;
}

/** Imports a REFI-QDA codebook (`.qdc`), in the 1.0 or the legacy 0.4 namespace. */
export async function importCodebookFile({
  store,
  slug,
  file,
  userId = "cli",
}: {
  store: DocumentStore;
  slug: string;
  file: string;
  userId?: string;
}): Promise<RefiImportReport> {
  await requireCapability({ store, slug, userId, capability: "code" });
  const report: RefiImportReport = {
    codes: 0,
    reusedCodes: 0,
    sources: 0,
    codings: 0,
    skipped: 0,
    reading: null,
    notBroughtOver: [],
  };
  const document = parseXml(await readFile(file, "utf8"), path.basename(file));
  const codeBook = document.CodeBook;
  if (!isNode(codeBook))
    throw new ResearchError(
      "import-failed",
      `${path.basename(file)} has no <CodeBook> root element.`,
      { file },
    );
  await importCodes(store, slug, parseCodes(codeBook.Codes), userId, report);
  const sets = list(isNode(codeBook.Sets) ? codeBook.Sets.Set : undefined).length;
  if (sets) report.notBroughtOver.push(`${sets} code set${sets === 1 ? "" : "s"}`);
  return report;
}

type SourceEntry = {
  guid: string;
  name: string;
  raw: string;
  noteRefs?: string[];
  selections: Array<
    RawSelection & {
      codings: Array<{ codeGuid: string; userGuid: string | null }>;
      createdAt?: string;
      /** A comment on the passage (ATLAS.ti writes a quotation's comment here). */
      description: string;
      /** Notes about the passage, in the selection or in one of its codings (ATLAS.ti, MAXQDA). */
      noteRefs: string[];
    }
  >;
};

function readSelections(source: Node): SourceEntry["selections"] {
  return list(source.PlainTextSelection).map((selection) => ({
    start: Number(attr(selection, "startPosition")),
    end: Number(attr(selection, "endPosition")),
    name: attr(selection, "name"),
    createdAt: attr(selection, "creationDateTime"),
    description: textOf(selection.Description).trim(),
    noteRefs: [
      ...noteRefsOf(selection),
      ...list(selection.Coding).flatMap((coding) => noteRefsOf(coding)),
    ],
    codings: list(selection.Coding)
      .map((coding) => ({
        codeGuid: normalGuid(attr(isNode(coding.CodeRef) ? coding.CodeRef : {}, "targetGUID")),
        // Who coded: the coding's own creatingUser, else the selection's (tools differ in where they put it).
        userGuid:
          normalGuid(attr(coding, "creatingUser") ?? attr(selection, "creatingUser")) || null,
      }))
      .filter((coding) => coding.codeGuid),
  }));
}

/** Our ids of the posts a REFI-QDA import stored, by the source GUIDs they were imported under. */
async function importedPostIds(
  db: Queryable,
  projectId: string,
  communityName: string,
  guids: string[],
): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (let i = 0; i < guids.length; i += 500) {
    const rows = await visiblePosts(db, projectId)
      .innerJoin("communities as c", "c.id", "p.community_id")
      .where("c.name", "=", communityName)
      .where("c.platform", "=", "other")
      .where("p.source_id", "in", guids.slice(i, i + 500))
      .select(["p.id", "p.source_id"])
      .execute();
    for (const row of rows) found.set(row.source_id, row.id);
  }
  return found;
}

const MAX_NOTE_LENGTH = 200_000;

/** What an imported memo is about; a passage's memo quotes the passage. */
type MemoAbout = { type: "code" | "post" | "project"; id: string; quote?: string };

/** A passage as the stored post has it ("\r\n" as "\n"), or its name when its positions are off. */
function passageOf(raw: string, table: number[], selection: RawSelection): string {
  const start = toStoredOffset(raw, table, selection.start);
  const end = toStoredOffset(raw, table, selection.end);
  const text =
    start !== null && end !== null && end > start
      ? sliceCodePoints(raw.replace(/\r\n/g, "\n"), start, end)
      : (selection.name ?? "");
  return text.trim();
}

/** Markdown quote of a passage: each line after "> ". */
const quoteBlock = (text: string) =>
  text
    .split("\n")
    .map((line) => `> ${line}`.trimEnd())
    .join("\n");

/**
 * The posts of this project that a file names by the GUIDs our export gives them (guidFor("post", id)),
 * when their text is still the same: importing our own export again finds them instead of adding them.
 */
async function postsExportedAs(
  db: Queryable,
  projectId: string,
  sources: SourceEntry[],
): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const byGuid = new Map(sources.map((source) => [source.guid, source]));
  if (byGuid.size === 0) return found;
  const rows = await db
    .selectFrom("posts")
    .select("id")
    .where("project_id", "=", projectId)
    .execute();
  const candidates = rows.map((row) => row.id).filter((id) => byGuid.has(guidFor("post", id)));
  for (let i = 0; i < candidates.length; i += 500) {
    const texts = await db
      .selectFrom("posts")
      .select(["id", "text"])
      .where("project_id", "=", projectId)
      .where("id", "in", candidates.slice(i, i + 500))
      .execute();
    for (const row of texts) {
      const guid = guidFor("post", row.id);
      if (byGuid.get(guid)?.raw.replace(/\r\n/g, "\n") === row.text) found.set(guid, row.id);
    }
  }
  return found;
}

/**
 * Imports a REFI-QDA project (`.qdpx`) written by another tool: its codebook, text sources (as posts of a
 * community named after the project) with their codings, and notes (memos on the code, post, passage
 * or project that refers to them; the others field notes). Sources our own export named after posts
 * already here are those posts, not new ones. Positions are read
 * the way the file counts them (found from the file), then stored as code points.
 *
 * Everything that can refuse the file (zip, XML, missing texts, oversized notes) is checked before the
 * first write. Then the codes (a document), the posts (the import pipeline: one transaction) and the notes
 * with all codings (one transaction) are written: a failure in that last step stores none of the codings.
 */
export async function importProjectFile({
  store,
  slug,
  file,
  userId = "cli",
  community,
}: {
  store: DocumentStore;
  slug: string;
  file: string;
  userId?: string;
  community?: string;
}): Promise<RefiImportReport> {
  await requireCapability({ store, slug, userId, capability: "code" });
  const fileName = path.basename(file);
  const report: RefiImportReport = {
    codes: 0,
    reusedCodes: 0,
    sources: 0,
    codings: 0,
    skipped: 0,
    reading: null,
    notBroughtOver: [],
  };
  let entries: Record<string, Uint8Array>;
  const limit = maxQdpxBytes();
  let declaredTotal = 0;
  try {
    entries = unzipSync(new Uint8Array(await readFile(file)), {
      // Checked on each entry's declared sizes before anything is inflated: a zip bomb (a few KB that
      // inflate to gigabytes) is refused instead of filling memory. fflate inflates into a buffer of the
      // declared size, so an entry that lies about its size cannot grow past it.
      filter: (entry) => {
        declaredTotal += entry.originalSize;
        const ratio = entry.originalSize / Math.max(1, entry.size);
        if (declaredTotal > limit || (entry.originalSize > 1024 * 1024 && ratio > 300))
          throw new QdpxTooLarge(entry.name, declaredTotal, limit);
        return true;
      },
    });
  } catch (error) {
    if (error instanceof QdpxTooLarge)
      throw new ResearchError(
        "import-failed",
        `${fileName} would inflate to more than ${error.limitText} (entry ${error.entry}): ` +
          "refused as a possible zip bomb. A larger project can be allowed with NETNO_MAX_QDPX_BYTES.",
        { file, record: error.entry },
      );
    throw new ResearchError(
      "import-failed",
      `${fileName} is not a readable .qdpx (zip) file: ${error instanceof Error ? error.message : String(error)}`,
      { file },
    );
  }
  const qdeNames = Object.keys(entries).filter(
    (name) => /\.qde$/i.test(name) && !name.includes("__MACOSX"),
  );
  if (qdeNames.length !== 1)
    throw new ResearchError(
      "import-failed",
      `${fileName} must hold exactly one .qde project file; found ${qdeNames.length ? qdeNames.join(", ") : "none"}.`,
      { file },
    );
  const document = parseXml(strFromU8(entries[qdeNames[0]]), `${fileName}/${qdeNames[0]}`);
  const projectNode = document.Project;
  if (!isNode(projectNode))
    throw new ResearchError("import-failed", `${qdeNames[0]} has no <Project> root element.`, {
      file,
    });
  const projectName = attr(projectNode, "name") ?? fileName;
  const parsedCodes = parseCodes(
    isNode(projectNode.CodeBook) ? projectNode.CodeBook.Codes : undefined,
  );

  // Texts of sources and notes: inline content, or a file in sources/ (any case), found by its
  // internal:// name (ATLAS.ti writes its notes' texts as files too).
  const byBaseName = new Map(
    Object.keys(entries).map((name) => [path.posix.basename(name).toLowerCase(), name]),
  );
  const plainTextOf = (node: Node): string | null => {
    const inline = textOf(node.PlainTextContent);
    if (inline) return inline;
    const textPath = attr(node, "plainTextPath");
    if (!textPath) return null;
    const entry = byBaseName.get(
      path.posix.basename(textPath.replace(/^(internal|relative|absolute):\/\//, "")).toLowerCase(),
    );
    return entry ? strFromU8(entries[entry]).replace(/^\uFEFF/, "") : null;
  };
  const sourcesNode = isNode(projectNode.Sources) ? projectNode.Sources : {};
  const sources: SourceEntry[] = [];
  for (const source of list(sourcesNode.TextSource)) {
    const guid = normalGuid(attr(source, "guid"));
    const name = attr(source, "name") ?? guid;
    const raw = plainTextOf(source);
    const textPath = attr(source, "plainTextPath");
    if (raw === null) {
      report.skipped++;
      report.notBroughtOver.push(
        `text source "${name}": its plain text (${textPath ?? "no path"}) is not in the file`,
      );
      continue;
    }
    sources.push({
      guid,
      name,
      raw,
      selections: readSelections(source),
      noteRefs: noteRefsOf(source),
    });
  }
  for (const kind of ["PictureSource", "PDFSource", "AudioSource", "VideoSource"]) {
    const media = list(sourcesNode[kind]);
    if (media.length) {
      const selections = media.reduce(
        (sum, node) =>
          sum +
          Object.keys(node)
            .filter((key) => key.endsWith("Selection"))
            .reduce((s, key) => s + list(node[key]).length, 0),
        0,
      );
      report.notBroughtOver.push(
        `${media.length} ${kind.replace("Source", "").toLowerCase()} source${media.length === 1 ? "" : "s"}${selections ? ` with ${selections} selection${selections === 1 ? "" : "s"}` : ""} (only text can be coded here)`,
      );
      report.skipped += selections;
    }
  }
  const notes = list(isNode(projectNode.Notes) ? projectNode.Notes.Note : undefined).map((note) => {
    const raw = plainTextOf(note);
    const name = attr(note, "name") ?? "Imported note";
    if (raw === null && attr(note, "plainTextPath"))
      report.notBroughtOver.push(
        `the text of note "${name}" (${attr(note, "plainTextPath")}) is not in the file`,
      );
    return {
      guid: normalGuid(attr(note, "guid")),
      name,
      raw: raw ?? "",
      selections: readSelections(note),
    };
  });
  for (const note of notes) {
    if (note.raw.length > MAX_NOTE_LENGTH) {
      throw new ResearchError(
        "import-failed",
        `The note "${note.name}" in ${fileName} is longer than a field note may be (${MAX_NOTE_LENGTH.toLocaleString("en")} characters).`,
        { file },
      );
    }
  }
  for (const [element, label] of [
    ["Sets", "sets"],
    ["Cases", "cases"],
    ["Variables", "variables"],
    ["Links", "links"],
    ["Graphs", "graphs"],
  ] as const) {
    if (projectNode[element] !== undefined)
      report.notBroughtOver.push(`${label} (not part of the workbench's model)`);
  }

  const { reading } = chooseReading([...sources, ...notes]);
  report.reading = reading;

  // A source too long to be a post would stop the posts' import after the codes were written.
  const maxChars = maxPostCharsFromEnv();
  for (const source of sources) {
    if (source.raw.length <= maxChars) continue;
    const characters = [...source.raw].length;
    if (characters > maxChars)
      throw new ResearchError(
        "import-failed",
        `The text source "${source.name}" in ${fileName} has ${characters.toLocaleString("en")} characters, more than the ${maxChars.toLocaleString("en")} one post may hold (NETNO_MAX_POST_CHARS); nothing was imported.`,
        { file },
      );
  }

  // A file this workbench exported (perhaps after a trip through another tool) names its sources
  // by GUIDs made from our post ids: those are the posts already here, not new ones.
  const { database, db, projectId } = await projectSql({ store, slug });
  const ownPosts = await postsExportedAs(db, projectId, sources);
  const newSources = sources.filter((source) => !ownPosts.has(source.guid));

  // The file is read: from here on the project changes.
  const codeMap = await importCodes(store, slug, parsedCodes, userId, report);

  // Sources become posts through the regular import pipeline (dedupe, one transaction).
  const communityName = community?.trim() || `REFI-QDA: ${projectName}`;
  const refiImporter: Importer = {
    format: "refi-qda",
    platform: "other",
    label: "REFI-QDA text sources",
    detect: () => false,
    async *read() {
      for (const source of newSources) {
        yield {
          kind: "post",
          post: {
            sourceId: source.guid,
            threadSourceId: source.guid,
            threadTitle: source.name,
            parentSourceId: null,
            author: null,
            createdAt: null,
            html: null,
            text: source.raw.replace(/\r\n/g, "\n"),
            url: null,
            title: source.name,
            community: communityName,
          },
        };
      }
    },
  };
  if (newSources.length > 0)
    await importFiles({
      store,
      slug,
      files: [],
      userId,
      community: communityName,
      groups: [{ importer: refiImporter, files: [file] }],
    });
  const postByGuid = await importedPostIds(
    db,
    projectId,
    communityName,
    newSources.map((source) => source.guid),
  );
  for (const [guid, postId] of ownPosts) postByGuid.set(guid, postId);
  report.sources = sources.filter((source) => postByGuid.has(source.guid)).length;

  // The other tool's users stay distinct coders (a workbench account when the name matches one).
  const refiUsers = list(isNode(projectNode.Users) ? projectNode.Users.User : undefined)
    .map((user) => ({ guid: normalGuid(attr(user, "guid")), name: attr(user, "name") ?? "" }))
    .filter((user) => user.guid);
  const usedUserGuids = new Set(
    [...sources, ...notes].flatMap((entry) =>
      entry.selections.flatMap((selection) => selection.codings.map((coding) => coding.userGuid)),
    ),
  );
  const coderByGuid = await resolveRefiCoders({
    store,
    slug,
    users: refiUsers.filter((user) => usedUserGuids.has(user.guid)),
    importedFrom: fileName,
  });
  const addSelections = (
    items: NewCoding[],
    raw: string,
    selections: SourceEntry["selections"],
    source: { sourceType: "post" | "fieldnote"; sourceId: string },
  ) => {
    const table = positionTables(raw)[reading];
    for (const selection of selections) {
      const start = toStoredOffset(raw, table, selection.start);
      const end = toStoredOffset(raw, table, selection.end);
      for (const coding of selection.codings) {
        const codeId = codeMap.get(coding.codeGuid);
        if (start === null || end === null || !codeId) {
          report.skipped++;
          continue;
        }
        const coderId = (coding.userGuid && coderByGuid.get(coding.userGuid)) || userId;
        items.push({
          span: { ...source, start, end },
          codeId,
          coderId,
          createdAt: selection.createdAt,
        });
      }
    }
  };
  const { added, invalid } = await inTransaction(database, async (trx) => {
    const items: NewCoding[] = [];
    for (const source of sources) {
      const postId = postByGuid.get(source.guid);
      if (postId)
        addSelections(items, source.raw, source.selections, {
          sourceType: "post",
          sourceId: postId,
        });
    }
    // Notes that a code, a source or the project refers to are memos about it (as ATLAS.ti, MAXQDA
    // and NVivo write memos); the others are field notes. Either is skipped when the same text is
    // already there, so importing the same file again adds nothing.
    const memoTargets = new Map<string, MemoAbout>();
    const walkCodes = (items: ParsedCode[]) => {
      for (const code of items) {
        const codeId = codeMap.get(code.guid);
        if (codeId)
          for (const ref of code.noteRefs) memoTargets.set(ref, { type: "code", id: codeId });
        walkCodes(code.children);
      }
    };
    walkCodes(parsedCodes);
    // A note or a comment on a passage is a memo on its post that quotes the passage first.
    const passageMemos: Array<{ target: MemoAbout; markdown: string }> = [];
    for (const source of sources) {
      const postId = postByGuid.get(source.guid);
      if (!postId) continue;
      const table = positionTables(source.raw)[reading];
      for (const selection of source.selections) {
        if (!selection.description && selection.noteRefs.length === 0) continue;
        const target = {
          type: "post" as const,
          id: postId,
          quote: passageOf(source.raw, table, selection),
        };
        for (const ref of selection.noteRefs) memoTargets.set(ref, target);
        if (selection.description) passageMemos.push({ target, markdown: selection.description });
      }
    }
    for (const source of sources) {
      const postId = postByGuid.get(source.guid);
      if (postId)
        for (const ref of source.noteRefs ?? []) memoTargets.set(ref, { type: "post", id: postId });
    }
    for (const ref of noteRefsOf(projectNode)) memoTargets.set(ref, { type: "project", id: slug });
    let memos = 0;
    const addMemoOnce = async ({ type, id, quote }: MemoAbout, text: string) => {
      const body = text.replace(/\r\n/g, "\n").trim();
      if (!body) return;
      const markdown = quote ? `${quoteBlock(quote)}\n\n${body}` : body;
      const existing = await trx
        .selectFrom("memos")
        .select("id")
        .where("project_id", "=", projectId)
        .where("target_type", "=", type)
        .where("target_id", "=", id)
        .where("markdown", "=", markdown)
        .executeTakeFirst();
      if (existing) return;
      const now = nowIso();
      await insertMemoIn(trx, projectId, {
        id: newId(),
        target: { type, id },
        markdown,
        authorId: userId,
        createdAt: now,
        updatedAt: now,
      });
      memos++;
    };
    for (const memo of passageMemos) await addMemoOnce(memo.target, memo.markdown);
    for (const note of notes) {
      const target = memoTargets.get(note.guid);
      if (target) {
        await addMemoOnce(target, note.raw);
        continue;
      }
      const title = note.name.slice(0, 200).trim() || "Imported note";
      const same = await trx
        .selectFrom("field_notes")
        .select("id")
        .where("project_id", "=", projectId)
        .where("title", "=", title)
        .where("markdown", "=", note.raw.replace(/\r\n/g, "\n"))
        .executeTakeFirst();
      if (same) continue;
      const created = await createFieldNoteIn(trx, projectId, {
        authorId: userId,
        kind: "reflective",
        title: note.name.slice(0, 200).trim() || "Imported note",
        markdown: note.raw.replace(/\r\n/g, "\n"),
        links: [],
      });
      addSelections(items, note.raw, note.selections, {
        sourceType: "fieldnote",
        sourceId: created.id,
      });
    }
    if (memos) report.memos = memos;
    return addCodingsIn(trx, projectId, items);
  });
  report.codings = added;
  report.skipped += invalid;
  if (invalid)
    report.notBroughtOver.push(
      `${invalid} selection${invalid === 1 ? "" : "s"} outside their text`,
    );
  return report;
}

/** The most a .qdpx may inflate to (all entries together): NETNO_MAX_QDPX_BYTES, default 2 GB. */
function maxQdpxBytes(): number {
  const configured = Number(process.env.NETNO_MAX_QDPX_BYTES);
  return Number.isInteger(configured) && configured > 0 ? configured : 2 * 1024 ** 3;
}

class QdpxTooLarge extends Error {
  constructor(
    readonly entry: string,
    readonly declared: number,
    readonly limit: number,
  ) {
    super(`${entry} inflates past the limit`);
  }

  get limitText(): string {
    return this.limit >= 1024 ** 3
      ? `${(this.limit / 1024 ** 3).toFixed(1)} GB`
      : `${Math.round(this.limit / 1024 ** 2)} MB`;
  }
}
