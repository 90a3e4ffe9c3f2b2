import { ResearchError } from "../shared/errors.js";
import { newId, nowIso } from "../shared/ids.js";
import { projectKeys } from "../projects/model.js";
import type { DocumentStore } from "../store/index.js";
import { codebookFile, type Code } from "./model.js";

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
