import { ResearchError } from "../shared/errors.js";
import { newId, nowIso } from "../shared/ids.js";
import { projectKeys } from "../projects/model.js";
import type { DocumentStore } from "../store/index.js";
import { codebookFile, codingsFile, type Code, type CodebookFile } from "./model.js";

type WithStore = { store: DocumentStore; slug: string };

/** A palette with enough contrast against white text highlights; codes cycle through it. */
export const CODE_COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"];

export type NewCode = { name: string; definition?: string; parentId?: string | null; colour?: string; draft?: boolean; affective?: boolean };

/** Adds codes to the codebook (one history entry each); names must be unique among live codes. */
export async function createCodes({ store, slug, codes, userId, reason = "" }: WithStore & { codes: NewCode[]; userId: string; reason?: string }): Promise<Code[]> {
  return store.update(codebookFile, projectKeys.codebook(slug), (codebook) => {
    const created: Code[] = [];
    for (const input of codes) {
      const name = input.name.trim();
      if (!name) throw new ResearchError("invalid-input", "A code needs a name.", { field: "name" });
      if (name.length > 120) throw new ResearchError("invalid-input", "Use at most 120 characters for a code name.", { field: "name" });
      const live = codebook.codes.filter((code) => !code.mergedInto);
      if (live.some((code) => code.name.toLowerCase() === name.toLowerCase())) {
        throw new ResearchError("conflict", `The codebook already has a code named "${name}".`, { field: "name" });
      }
      if (input.parentId && !live.some((code) => code.id === input.parentId)) {
        throw new ResearchError("invalid-input", "The parent code does not exist.", { field: "parentId" });
      }
      const code: Code = {
        id: newId(),
        name,
        parentId: input.parentId ?? null,
        definition: input.definition?.trim() ?? "",
        inclusion: "",
        exclusion: "",
        example: "",
        colour: input.colour ?? CODE_COLOURS[codebook.codes.length % CODE_COLOURS.length],
        affective: input.affective ?? false,
        draft: input.draft ?? false,
        createdAt: nowIso(),
        createdBy: userId,
        mergedInto: null,
      };
      codebook.codes.push(code);
      codebook.history.push({ at: code.createdAt, by: userId, action: "create", codeIds: [code.id], summary: `Created code "${name}"${code.draft ? " (draft)" : ""}`, reason });
      created.push(code);
    }
    return created;
  });
}

/** The live codes (not merged away), in creation order. */
export async function listCodes({ store, slug }: WithStore): Promise<Code[]> {
  const codebook = await store.read(codebookFile, projectKeys.codebook(slug));
  return codebook.codes.filter((code) => !code.mergedInto);
}

type CodebookChange = WithStore & { userId: string; reason?: string };

async function changeCodebook<R>(store: DocumentStore, slug: string, mutate: (codebook: CodebookFile) => R): Promise<R> {
  return store.update(codebookFile, projectKeys.codebook(slug), mutate);
}

function liveCode(codes: Code[], codeId: string): Code {
  const code = codes.find((candidate) => candidate.id === codeId && !candidate.mergedInto);
  if (!code) throw new ResearchError("not-found", "No such code in the codebook.", { field: "codeId" });
  return code;
}

function assertUniqueName(codes: Code[], name: string, exceptId?: string) {
  if (codes.some((code) => !code.mergedInto && code.id !== exceptId && code.name.toLowerCase() === name.toLowerCase())) {
    throw new ResearchError("conflict", `The codebook already has a code named "${name}".`, { field: "name" });
  }
}

/** Renames a code, keeping a dated history entry (who, what, why). */
export async function renameCode({ store, slug, codeId, name, userId, reason = "" }: CodebookChange & { codeId: string; name: string }): Promise<void> {
  const clean = name.trim();
  if (!clean) throw new ResearchError("invalid-input", "A code needs a name.", { field: "name" });
  await changeCodebook(store, slug, (codebook) => {
    const code = liveCode(codebook.codes, codeId);
    assertUniqueName(codebook.codes, clean, codeId);
    const old = code.name;
    code.name = clean;
    codebook.history.push({ at: nowIso(), by: userId, action: "rename", codeIds: [codeId], summary: `Renamed "${old}" to "${clean}"`, reason });
  });
}

/** Moves a code under another parent (or to the top level); a code cannot move under its own descendant. */
export async function moveCode({ store, slug, codeId, parentId, userId, reason = "" }: CodebookChange & { codeId: string; parentId: string | null }): Promise<void> {
  await changeCodebook(store, slug, (codebook) => {
    const code = liveCode(codebook.codes, codeId);
    if (parentId) {
      const parent = liveCode(codebook.codes, parentId);
      for (let current: Code | undefined = parent; current; current = codebook.codes.find((c) => c.id === current!.parentId)) {
        if (current.id === codeId) throw new ResearchError("invalid-input", "A code cannot move under itself or one of its sub-codes.", { field: "parentId" });
      }
    }
    const from = codebook.codes.find((c) => c.id === code.parentId)?.name ?? "top level";
    code.parentId = parentId;
    const to = codebook.codes.find((c) => c.id === parentId)?.name ?? "top level";
    codebook.history.push({ at: nowIso(), by: userId, action: "move", codeIds: [codeId], summary: `Moved "${code.name}" from ${from} to ${to}`, reason });
  });
}

export type CodeDetails = { definition?: string; inclusion?: string; exclusion?: string; example?: string; colour?: string; affective?: boolean; draft?: boolean };

/** Edits a code's definition, criteria, example, colour or flags. */
export async function editCode({ store, slug, codeId, details, userId, reason = "" }: CodebookChange & { codeId: string; details: CodeDetails }): Promise<void> {
  if (details.colour !== undefined && !/^#([0-9a-f]{3}|[0-9a-f]{6})$/i.test(details.colour)) {
    throw new ResearchError("invalid-input", "A colour is #RGB or #RRGGBB.", { field: "colour" });
  }
  await changeCodebook(store, slug, (codebook) => {
    const code = liveCode(codebook.codes, codeId);
    const changed = Object.entries(details).filter(([key, value]) => value !== undefined && code[key as keyof CodeDetails] !== value).map(([key]) => key);
    Object.assign(code, Object.fromEntries(Object.entries(details).filter(([, value]) => value !== undefined)));
    if (changed.length) codebook.history.push({ at: nowIso(), by: userId, action: "edit", codeIds: [codeId], summary: `Edited ${changed.join(", ")} of "${code.name}"`, reason });
  });
}

/**
 * Merges codes into one: every coding of the merged codes moves to the target, the merged codes stay in
 * the history (marked as merged) so the interpretive path remains visible.
 */
export async function mergeCodes({ store, slug, codeIds, targetId, userId, reason = "" }: CodebookChange & { codeIds: string[]; targetId: string }): Promise<number> {
  const sources = [...new Set(codeIds)].filter((id) => id !== targetId);
  if (sources.length === 0) throw new ResearchError("invalid-input", "Choose at least one code to merge into the target.", { field: "codeIds" });
  let target: Code | undefined;
  const names: string[] = [];
  await changeCodebook(store, slug, (codebook) => {
    target = liveCode(codebook.codes, targetId);
    for (const id of sources) {
      const code = liveCode(codebook.codes, id);
      names.push(code.name);
      code.mergedInto = targetId;
      for (const child of codebook.codes) if (child.parentId === id && !child.mergedInto) child.parentId = targetId;
    }
    codebook.history.push({ at: nowIso(), by: userId, action: "merge", codeIds: [...sources, targetId], summary: `Merged ${names.map((n) => `"${n}"`).join(", ")} into "${target.name}"`, reason });
  });
  return store.update(codingsFile, projectKeys.codings(slug), (data) => {
    let moved = 0;
    const seen = new Set(data.codings.filter((c) => c.codeId === targetId).map((c) => `${c.sourceId}|${c.start}|${c.end}|${c.coderId}`));
    data.codings = data.codings.filter((coding) => {
      if (!sources.includes(coding.codeId)) return true;
      const key = `${coding.sourceId}|${coding.start}|${coding.end}|${coding.coderId}`;
      if (seen.has(key)) return false; // the same span was already coded with the target: keep one
      seen.add(key);
      coding.codeId = targetId;
      moved++;
      return true;
    });
    return moved;
  });
}

/**
 * Splits a code into new sub-codes: the named codings move to the new codes, the rest stay with the
 * original, which becomes their parent.
 */
export async function splitCode({ store, slug, codeId, into, assignments = {}, userId, reason = "" }: CodebookChange & { codeId: string; into: string[]; assignments?: Record<string, number> }): Promise<Code[]> {
  const names = into.map((name) => name.trim()).filter(Boolean);
  if (names.length < 2) throw new ResearchError("invalid-input", "Split a code into at least two new codes.", { field: "into" });
  let created: Code[] = [];
  await changeCodebook(store, slug, (codebook) => {
    const original = liveCode(codebook.codes, codeId);
    for (const name of names) assertUniqueName(codebook.codes, name);
    if (new Set(names.map((n) => n.toLowerCase())).size !== names.length) throw new ResearchError("invalid-input", "The new codes need different names.", { field: "into" });
    created = names.map((name, index) => ({
      id: newId(), name, parentId: original.id, definition: "", inclusion: "", exclusion: "", example: "",
      colour: CODE_COLOURS[(codebook.codes.length + index) % CODE_COLOURS.length], affective: original.affective, draft: false,
      createdAt: nowIso(), createdBy: userId, mergedInto: null,
    }));
    codebook.codes.push(...created);
    codebook.history.push({ at: nowIso(), by: userId, action: "split", codeIds: [original.id, ...created.map((c) => c.id)], summary: `Split "${original.name}" into ${names.map((n) => `"${n}"`).join(", ")}`, reason });
  });
  await store.update(codingsFile, projectKeys.codings(slug), (data) => {
    for (const coding of data.codings) {
      const index = assignments[coding.id];
      if (coding.codeId === codeId && index !== undefined && created[index]) coding.codeId = created[index].id;
    }
  });
  return created;
}

/** The codebook with its history, newest history first. */
export async function getCodebook({ store, slug }: WithStore) {
  const codebook = await store.read(codebookFile, projectKeys.codebook(slug));
  return { codes: codebook.codes.filter((code) => !code.mergedInto), merged: codebook.codes.filter((code) => code.mergedInto), history: [...codebook.history].reverse() };
}
