import { strToU8, Zip, ZipDeflate } from "fflate";
import { listUsers } from "../accounts/users.js";
import { listCoderIdsIn } from "../coding/coders.js";
import { listCodings } from "../coding/codings.js";
import { codebookFile, externalCodersFile, type Code, type Coding } from "../coding/model.js";
import { iterateVisiblePosts, projectSql, visiblePosts } from "../collection/corpus.js";
import { listFieldNotes } from "../collection/field-notes.js";
import { listMemos, type Memo } from "../coding/memos.js";
import { projectKeys } from "../projects/model.js";
import { ResearchError } from "../shared/errors.js";
import type { DocumentStore } from "../store/index.js";
import { guidFor } from "./guids.js";
import { attributes, refiColour, xmlEscape } from "./xml.js";

const ORIGIN = "Netnography Workbench";

function codeTree(
  codes: Code[],
  parentId: string | null,
  indent: string,
  noteRefs: Map<string, string[]> = new Map(),
): string {
  return codes
    .filter((code) => code.parentId === parentId)
    .map((code) => {
      const description = [
        code.definition,
        code.inclusion && `Include: ${code.inclusion}`,
        code.exclusion && `Exclude: ${code.exclusion}`,
        code.example && `Example: ${code.example}`,
      ]
        .filter(Boolean)
        .join("\n");
      const children = codeTree(codes, code.id, `${indent}  `, noteRefs);
      const refs = (noteRefs.get(code.id) ?? [])
        .map((guid) => `${indent}  <NoteRef targetGUID="${guid}"/>\n`)
        .join("");
      const open = `${indent}<Code${attributes({ guid: guidFor("code", code.id), name: code.name, isCodable: true, color: refiColour(code.colour) })}`;
      if (!description && !children && !refs) return `${open}/>`;
      return `${open}>\n${description ? `${indent}  <Description>${xmlEscape(description)}</Description>\n` : ""}${refs}${children ? `${children}\n` : ""}${indent}</Code>`;
    })
    .join("\n");
}

/** The codebook as a REFI-QDA `.qdc` document (urn:QDA-XML:codebook:1.0). */
export async function exportCodebook({
  store,
  slug,
}: {
  store: DocumentStore;
  slug: string;
}): Promise<string> {
  await projectSql({ store, slug });
  const codes = (await store.read(codebookFile, projectKeys.codebook(slug))).codes.filter(
    (code) => !code.mergedInto,
  );
  // The standard's Codebook.xsd requires at least one Code: an empty .qdc would be refused by every
  // tool that validates it. Say so instead of writing an invalid file.
  if (codes.length === 0)
    throw new ResearchError(
      "invalid-input",
      "The codebook has no codes yet, and a REFI-QDA codebook (.qdc) must hold at least one. Add codes, or export the project (.qdpx), which is valid without them.",
    );
  const body = `  <Codes>\n${codeTree(codes, null, "    ")}\n  </Codes>`;
  return `<?xml version="1.0" encoding="utf-8"?>\n<CodeBook xmlns="urn:QDA-XML:codebook:1.0"${attributes({ origin: ORIGIN })}>\n${body}\n</CodeBook>\n`;
}

function selections(codings: Coding[], userGuid: (id: string) => string, indent: string): string {
  const bySpan = new Map<string, Coding[]>();
  for (const coding of codings) {
    const key = `${coding.start}:${coding.end}`;
    bySpan.set(key, [...(bySpan.get(key) ?? []), coding]);
  }
  return [...bySpan.values()]
    .sort((a, b) => a[0].start - b[0].start || a[0].end - b[0].end)
    .map((group) => {
      const first = group[0];
      const inner = group
        .map(
          (coding) =>
            `${indent}  <Coding${attributes({ guid: guidFor("coding", coding.id), creatingUser: userGuid(coding.coderId), creationDateTime: coding.createdAt })}>\n${indent}    <CodeRef targetGUID="${guidFor("code", coding.codeId)}"/>\n${indent}  </Coding>`,
        )
        .join("\n");
      return `${indent}<PlainTextSelection${attributes({ guid: guidFor("selection", `${first.sourceId}:${first.start}:${first.end}`), name: first.quote.slice(0, 200), startPosition: first.start, endPosition: first.end, creatingUser: userGuid(first.coderId), creationDateTime: first.createdAt })}>\n${inner}\n${indent}</PlainTextSelection>`;
    })
    .join("\n");
}

function groupBySource(codings: Coding[]): Map<string, Coding[]> {
  const bySource = new Map<string, Coding[]>();
  for (const coding of codings)
    bySource.set(coding.sourceId, [...(bySource.get(coding.sourceId) ?? []), coding]);
  return bySource;
}

/**
 * The project as a REFI-QDA `.qdpx` (zip of project.qde and sources/<GUID>.txt): visible posts as text
 * sources (opted-out members' posts are not exported), codes, codings with their coders, field notes as
 * notes. Positions count Unicode code points, as the standard says. Posts are read in batches and each
 * text is compressed as it arrives, so memory holds the compressed archive, not the corpus.
 */
export async function exportProject({
  store,
  slug,
}: {
  store: DocumentStore;
  slug: string;
}): Promise<Uint8Array> {
  const { db, project, projectId } = await projectSql({ store, slug });
  const [codebook, notes, users, external, coderIds, memos] = await Promise.all([
    store.read(codebookFile, projectKeys.codebook(slug)),
    listFieldNotes({ store, slug }),
    listUsers({ store }),
    store.read(externalCodersFile, projectKeys.externalCoders(slug)),
    listCoderIdsIn(db, projectId),
    listMemos({ store, slug }),
  ]);
  // Memos travel as Notes referred to by what they are about (NoteRef in a Code, a TextSource or the
  // Project), as ATLAS.ti, MAXQDA and NVivo write them. Memos on posts go only with visible posts.
  const memoRefs = new Map<string, string[]>();
  const referTo = (targetId: string, memoId: string) =>
    memoRefs.set(targetId, [...(memoRefs.get(targetId) ?? []), guidFor("memo", memoId)]);
  for (const memo of memos)
    if (memo.target.type !== "post")
      referTo(memo.target.type === "code" ? memo.target.id : "", memo.id);
  const exportedPosts = new Set<string>();
  // Coders imported from another tool keep their own GUID and name, so a round trip leaves them as they were.
  const externalCoders = new Map(external.coders.map((coder) => [coder.id, coder]));
  const codes = codebook.codes.filter((code) => !code.mergedInto);
  const userGuid = (id: string) => externalCoders.get(id)?.refiGuid ?? guidFor("user", id);

  const chunks: Uint8Array[] = [];
  let failure: Error | null = null;
  const zip = new Zip((error, chunk) => {
    if (error) failure = error;
    else chunks.push(chunk);
  });
  const addFile = (name: string, data: Uint8Array) => {
    const file = new ZipDeflate(name, { level: 6 });
    zip.add(file);
    file.push(data, true);
  };

  const userIds = new Set<string>(coderIds);
  const sourcesXml: string[] = [];
  for await (const posts of iterateVisiblePosts({ store, slug })) {
    const ids = posts.map((post) => post.id);
    const [codings, context] = await Promise.all([
      listCodings({ store, slug, sourceType: "post", sourceIds: ids }),
      visiblePosts(db, projectId)
        .innerJoin("threads as t", "t.id", "p.thread_id")
        .select(["p.id", "t.title", "m.pseudonym"])
        .where("p.id", "in", ids)
        .execute(),
    ]);
    const described = new Map(context.map((row) => [row.id, row]));
    const bySource = groupBySource(codings);
    for (const memo of memos)
      if (memo.target.type === "post" && ids.includes(memo.target.id))
        referTo(memo.target.id, memo.id);
    for (const post of posts) {
      exportedPosts.add(post.id);
      const guid = guidFor("post", post.id);
      addFile(`sources/${guid}.txt`, strToU8(post.text));
      const about = described.get(post.id);
      const author = post.memberId ? (about?.pseudonym ?? undefined) : "[deleted]";
      const refs = (memoRefs.get(post.id) ?? [])
        .map((memoGuid) => `\n      <NoteRef targetGUID="${memoGuid}"/>`)
        .join("");
      const inner = selections(bySource.get(post.id) ?? [], userGuid, "      ") + refs;
      sourcesXml.push(
        `    <TextSource${attributes({ guid, name: post.sourceId, plainTextPath: `internal://${guid}.txt`, creationDateTime: post.createdAt ?? undefined })}>\n      <Description>${xmlEscape(`${about?.title ?? ""} — ${author}`)}</Description>${inner ? `\n${inner}` : ""}\n    </TextSource>`,
      );
    }
    if (failure) throw failure;
  }

  // Field notes are the researcher's own writing, oldest first as the other tool would list them.
  const noteCodings = groupBySource(
    notes.length ? await listCodings({ store, slug, sourceType: "fieldnote" }) : [],
  );
  const notesXml = [...notes]
    .reverse()
    .map((note) => {
      userIds.add(note.authorId);
      const inner = selections(noteCodings.get(note.id) ?? [], userGuid, "      ");
      return `    <Note${attributes({ guid: guidFor("note", note.id), name: note.title, creatingUser: userGuid(note.authorId), creationDateTime: note.createdAt })}>\n      <Description>${xmlEscape(`${note.kind} field note`)}</Description>\n      <PlainTextContent>${xmlEscape(note.markdown)}</PlainTextContent>${inner ? `\n${inner}` : ""}\n    </Note>`;
    })
    .join("\n");
  const codeNames = new Map(codes.map((code) => [code.id, code.name]));
  const memoTitle = (memo: Memo) =>
    memo.target.type === "code"
      ? `Memo on code “${codeNames.get(memo.target.id) ?? "(removed code)"}”`
      : memo.target.type === "post"
        ? "Memo on a post"
        : memo.target.type === "thread"
          ? "Memo on a thread"
          : "Project memo";
  const exportedMemos = memos.filter(
    (memo) =>
      (memo.target.type === "code" && codeNames.has(memo.target.id)) ||
      (memo.target.type === "post" && exportedPosts.has(memo.target.id)) ||
      memo.target.type === "project" ||
      memo.target.type === "thread",
  );
  const memosXml = [...exportedMemos]
    .reverse()
    .map((memo) => {
      userIds.add(memo.authorId);
      return `    <Note${attributes({ guid: guidFor("memo", memo.id), name: memoTitle(memo), creatingUser: userGuid(memo.authorId), creationDateTime: memo.createdAt, modifiedDateTime: memo.updatedAt })}>\n      <PlainTextContent>${xmlEscape(memo.markdown)}</PlainTextContent>\n    </Note>`;
    })
    .join("\n");
  const projectRefs = (memoRefs.get("") ?? [])
    .filter((guid) => exportedMemos.some((memo) => guidFor("memo", memo.id) === guid))
    .map((guid) => `  <NoteRef targetGUID="${guid}"/>`)
    .join("\n");
  const allNotes = [notesXml, memosXml].filter(Boolean).join("\n");
  const usersXml = [...userIds]
    .sort()
    .map(
      (id) =>
        `    <User${attributes({ guid: userGuid(id), name: users.find((u) => u.id === id)?.name ?? externalCoders.get(id)?.name ?? id, id })}/>`,
    )
    .join("\n");
  const qde = [
    `<?xml version="1.0" encoding="utf-8"?>`,
    `<Project xmlns="urn:QDA-XML:project:1.0"${attributes({ name: project.title, origin: ORIGIN, creationDateTime: project.createdAt })}>`,
    usersXml ? `  <Users>\n${usersXml}\n  </Users>` : "",
    codes.length
      ? `  <CodeBook>\n    <Codes>\n${codeTree(codes, null, "      ", memoRefs)}\n    </Codes>\n  </CodeBook>`
      : "",
    sourcesXml.length ? `  <Sources>\n${sourcesXml.join("\n")}\n  </Sources>` : "",
    allNotes ? `  <Notes>\n${allNotes}\n  </Notes>` : "",
    project.description ? `  <Description>${xmlEscape(project.description)}</Description>` : "",
    projectRefs,
    `</Project>`,
  ]
    .filter(Boolean)
    .join("\n");
  addFile("project.qde", strToU8(`${qde}\n`));
  zip.end();
  if (failure) throw failure;
  const archive = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    archive.set(chunk, at);
    at += chunk.length;
  }
  return archive;
}
