import { strToU8, zipSync } from "fflate";
import { listUsers } from "../accounts/users.js";
import { listCodings } from "../coding/codings.js";
import { codebookFile, externalCodersFile, type Code, type Coding } from "../coding/model.js";
import { loadVisibleCorpus } from "../collection/corpus.js";
import { fieldNotesFile } from "../collection/model.js";
import { projectKeys } from "../projects/model.js";
import { requireProject } from "../projects/projects.js";
import type { DocumentStore } from "../store/index.js";
import { guidFor } from "./guids.js";
import { attributes, refiColour, xmlEscape } from "./xml.js";

const ORIGIN = "Netnography Workbench";

function codeTree(codes: Code[], parentId: string | null, indent: string): string {
  return codes
    .filter((code) => code.parentId === parentId)
    .map((code) => {
      const description = [code.definition, code.inclusion && `Include: ${code.inclusion}`, code.exclusion && `Exclude: ${code.exclusion}`, code.example && `Example: ${code.example}`].filter(Boolean).join("\n");
      const children = codeTree(codes, code.id, `${indent}  `);
      const open = `${indent}<Code${attributes({ guid: guidFor("code", code.id), name: code.name, isCodable: true, color: refiColour(code.colour) })}`;
      if (!description && !children) return `${open}/>`;
      return `${open}>\n${description ? `${indent}  <Description>${xmlEscape(description)}</Description>\n` : ""}${children ? `${children}\n` : ""}${indent}</Code>`;
    })
    .join("\n");
}

/** The codebook as a REFI-QDA `.qdc` document (urn:QDA-XML:codebook:1.0). */
export async function exportCodebook({ store, slug }: { store: DocumentStore; slug: string }): Promise<string> {
  await requireProject({ store, slug });
  const codes = (await store.read(codebookFile, projectKeys.codebook(slug))).codes.filter((code) => !code.mergedInto);
  const body = codes.length ? `  <Codes>\n${codeTree(codes, null, "    ")}\n  </Codes>` : "  <Codes/>";
  return `<?xml version="1.0" encoding="utf-8"?>\n<CodeBook xmlns="urn:QDA-XML:codebook:1.0"${attributes({ origin: ORIGIN })}>\n${body}\n</CodeBook>\n`;
}

function selections(codings: Coding[], userGuid: (id: string) => string, indent: string): string {
  const bySpan = new Map<string, Coding[]>();
  for (const coding of codings) bySpan.set(`${coding.start}:${coding.end}`, [...(bySpan.get(`${coding.start}:${coding.end}`) ?? []), coding]);
  return [...bySpan.values()]
    .sort((a, b) => a[0].start - b[0].start || a[0].end - b[0].end)
    .map((group) => {
      const first = group[0];
      const inner = group.map((coding) => `${indent}  <Coding${attributes({ guid: guidFor("coding", coding.id), creatingUser: userGuid(coding.coderId), creationDateTime: coding.createdAt })}>\n${indent}    <CodeRef targetGUID="${guidFor("code", coding.codeId)}"/>\n${indent}  </Coding>`).join("\n");
      return `${indent}<PlainTextSelection${attributes({ guid: guidFor("selection", `${first.sourceId}:${first.start}:${first.end}`), name: first.quote.slice(0, 200), startPosition: first.start, endPosition: first.end, creatingUser: userGuid(first.coderId), creationDateTime: first.createdAt })}>\n${inner}\n${indent}</PlainTextSelection>`;
    })
    .join("\n");
}

/**
 * The project as a REFI-QDA `.qdpx` (zip of project.qde and sources/<GUID>.txt): visible posts as text
 * sources (opted-out members' posts are not exported), codes, codings with their coders, field notes as
 * notes. Positions count Unicode code points, as the standard says.
 */
export async function exportProject({ store, slug }: { store: DocumentStore; slug: string }): Promise<Uint8Array> {
  const project = await requireProject({ store, slug });
  const [corpus, codings, codebook, notes, users, external] = await Promise.all([
    loadVisibleCorpus({ store, slug }), listCodings({ store, slug }), store.read(codebookFile, projectKeys.codebook(slug)),
    store.read(fieldNotesFile, projectKeys.fieldNotes(slug)), listUsers({ store }), store.read(externalCodersFile, projectKeys.externalCoders(slug)),
  ]);
  // Coders imported from another tool keep their own GUID and name, so a round trip leaves them as they were.
  const externalCoders = new Map(external.coders.map((coder) => [coder.id, coder]));
  const codes = codebook.codes.filter((code) => !code.mergedInto);
  const userIds = new Set([...codings.map((c) => c.coderId), ...notes.notes.map((n) => n.authorId)]);
  const userGuid = (id: string) => externalCoders.get(id)?.refiGuid ?? guidFor("user", id);
  const files: Record<string, Uint8Array> = {};
  const usersXml = [...userIds].map((id) => `    <User${attributes({ guid: userGuid(id), name: users.find((u) => u.id === id)?.name ?? externalCoders.get(id)?.name ?? id, id })}/>`).join("\n");
  const codingsBySource = new Map<string, Coding[]>();
  for (const coding of codings) codingsBySource.set(coding.sourceId, [...(codingsBySource.get(coding.sourceId) ?? []), coding]);
  const sourcesXml = corpus.posts
    .map((post) => {
      const guid = guidFor("post", post.id);
      files[`sources/${guid}.txt`] = strToU8(post.text);
      const thread = corpus.threads.get(post.threadId);
      const author = post.memberId ? corpus.members.get(post.memberId)?.pseudonym : "[deleted]";
      const inner = selections(codingsBySource.get(post.id) ?? [], userGuid, "      ");
      return `    <TextSource${attributes({ guid, name: post.sourceId, plainTextPath: `internal://${guid}.txt`, creationDateTime: post.createdAt ?? undefined })}>\n      <Description>${xmlEscape(`${thread?.title ?? ""} — ${author}`)}</Description>${inner ? `\n${inner}` : ""}\n    </TextSource>`;
    })
    .join("\n");
  const notesXml = notes.notes
    .map((note) => {
      const inner = selections(codingsBySource.get(note.id) ?? [], userGuid, "      ");
      return `    <Note${attributes({ guid: guidFor("note", note.id), name: note.title, creatingUser: userGuid(note.authorId), creationDateTime: note.createdAt })}>\n      <Description>${xmlEscape(`${note.kind} field note`)}</Description>\n      <PlainTextContent>${xmlEscape(note.markdown)}</PlainTextContent>${inner ? `\n${inner}` : ""}\n    </Note>`;
    })
    .join("\n");
  const qde = [
    `<?xml version="1.0" encoding="utf-8"?>`,
    `<Project xmlns="urn:QDA-XML:project:1.0"${attributes({ name: project.title, origin: ORIGIN, creationDateTime: project.createdAt })}>`,
    usersXml ? `  <Users>\n${usersXml}\n  </Users>` : "",
    codes.length ? `  <CodeBook>\n    <Codes>\n${codeTree(codes, null, "      ")}\n    </Codes>\n  </CodeBook>` : "",
    sourcesXml ? `  <Sources>\n${sourcesXml}\n  </Sources>` : "",
    notesXml ? `  <Notes>\n${notesXml}\n  </Notes>` : "",
    project.description ? `  <Description>${xmlEscape(project.description)}</Description>` : "",
    `</Project>`,
  ].filter(Boolean).join("\n");
  files["project.qde"] = strToU8(`${qde}\n`);
  return zipSync(files, { level: 6 });
}
