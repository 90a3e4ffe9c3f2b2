import { ResearchError } from "../shared/errors.js";
import { newId, nowIso } from "../shared/ids.js";
import { projectKeys } from "../projects/model.js";
import type { ExpressionBuilder } from "kysely";
import { bumpCodingsRevision, projectSql, projectSqlAs } from "../collection/corpus.js";
import { requireCapability } from "../shared/roles.js";
import { inTransaction, type Database, type DocumentStore } from "../store/index.js";
import type { CodingsTable } from "../store/sql/schema.js";
import { codebookFile, type Code, type CodebookFile } from "./model.js";

type WithStore = { store: DocumentStore; slug: string };

/** A palette with enough contrast against white text highlights; codes cycle through it. */
export const CODE_COLOURS = [
  "#1f77b4",
  "#d62728",
  "#2ca02c",
  "#9467bd",
  "#ff7f0e",
  "#17becf",
  "#8c564b",
  "#e377c2",
  "#7f7f7f",
  "#bcbd22",
];

export type NewCode = {
  name: string;
  definition?: string;
  parentId?: string | null;
  colour?: string;
  draft?: boolean;
  affective?: boolean;
};

/**
 * Long enough for any codebook another tool wrote (real MAXQDA and ATLAS.ti codebooks have names of 150
 * characters and more, written as short definitions, and neither tool caps them near this), while a
 * paragraph pasted into the name field by mistake is still caught.
 */
export const MAX_CODE_NAME_LENGTH = 1000;

/** Adds codes to the codebook (one history entry each); names must be unique among live codes. */
export async function createCodes({
  store,
  slug,
  codes,
  userId,
  reason = "",
}: WithStore & { codes: NewCode[]; userId: string; reason?: string }): Promise<Code[]> {
  await requireCapability({ store, slug, userId, capability: "code" });
  return store.update(codebookFile, projectKeys.codebook(slug), (codebook) => {
    const created: Code[] = [];
    for (const input of codes) {
      const name = input.name.trim();
      if (!name)
        throw new ResearchError("invalid-input", "A code needs a name.", { field: "name" });
      if (name.length > MAX_CODE_NAME_LENGTH)
        throw new ResearchError(
          "invalid-input",
          `Use at most ${MAX_CODE_NAME_LENGTH} characters for a code name.`,
          {
            field: "name",
          },
        );
      const live = codebook.codes.filter((code) => !code.mergedInto);
      if (live.some((code) => code.name.toLowerCase() === name.toLowerCase())) {
        throw new ResearchError("conflict", `The codebook already has a code named "${name}".`, {
          field: "name",
        });
      }
      if (input.parentId && !live.some((code) => code.id === input.parentId)) {
        throw new ResearchError("invalid-input", "The parent code does not exist.", {
          field: "parentId",
        });
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
      codebook.history.push({
        at: code.createdAt,
        by: userId,
        action: "create",
        codeIds: [code.id],
        summary: `Created code "${name}"${code.draft ? " (draft)" : ""}`,
        reason,
      });
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

/** Changes the codebook once the acting user's role allows coding (nothing is written otherwise). */
async function changeCodebook<R>(
  store: DocumentStore,
  slug: string,
  userId: string,
  mutate: (codebook: CodebookFile) => R,
): Promise<R> {
  await requireCapability({ store, slug, userId, capability: "code" });
  return store.update(codebookFile, projectKeys.codebook(slug), mutate);
}

function liveCode(codes: Code[], codeId: string): Code {
  const code = codes.find((candidate) => candidate.id === codeId && !candidate.mergedInto);
  if (!code)
    throw new ResearchError("not-found", "No such code in the codebook.", { field: "codeId" });
  return code;
}

function assertUniqueName(codes: Code[], name: string, exceptId?: string) {
  if (
    codes.some(
      (code) =>
        !code.mergedInto && code.id !== exceptId && code.name.toLowerCase() === name.toLowerCase(),
    )
  ) {
    throw new ResearchError("conflict", `The codebook already has a code named "${name}".`, {
      field: "name",
    });
  }
}

/** Renames a code, keeping a dated history entry (who, what, why). */
export async function renameCode({
  store,
  slug,
  codeId,
  name,
  userId,
  reason = "",
}: CodebookChange & { codeId: string; name: string }): Promise<void> {
  await changeCodebook(store, slug, userId, (codebook) =>
    applyRename(codebook, { codeId, name, userId, reason }),
  );
}

type Codebook = CodebookFile;
type Change = { codeId: string; userId: string; reason: string };

function applyRename(
  codebook: Codebook,
  { codeId, name, userId, reason }: Change & { name: string },
) {
  const clean = name.trim();
  if (!clean) throw new ResearchError("invalid-input", "A code needs a name.", { field: "name" });
  const code = liveCode(codebook.codes, codeId);
  assertUniqueName(codebook.codes, clean, codeId);
  const old = code.name;
  if (old === clean) return;
  code.name = clean;
  codebook.history.push({
    at: nowIso(),
    by: userId,
    action: "rename",
    codeIds: [codeId],
    summary: `Renamed "${old}" to "${clean}"`,
    reason,
  });
}

/** Moves a code under another parent (or to the top level); a code cannot move under its own descendant. */
export async function moveCode({
  store,
  slug,
  codeId,
  parentId,
  userId,
  reason = "",
}: CodebookChange & { codeId: string; parentId: string | null }): Promise<void> {
  await changeCodebook(store, slug, userId, (codebook) =>
    applyMove(codebook, { codeId, parentId, userId, reason }),
  );
}

function applyMove(
  codebook: Codebook,
  { codeId, parentId, userId, reason }: Change & { parentId: string | null },
) {
  const code = liveCode(codebook.codes, codeId);
  if ((code.parentId ?? null) === parentId) return;
  if (parentId) {
    const parent = liveCode(codebook.codes, parentId);
    for (
      let current: Code | undefined = parent;
      current;
      current = codebook.codes.find((c) => c.id === current!.parentId)
    ) {
      if (current.id === codeId)
        throw new ResearchError(
          "invalid-input",
          "A code cannot move under itself or one of its sub-codes.",
          { field: "parentId" },
        );
    }
  }
  const from = codebook.codes.find((c) => c.id === code.parentId)?.name ?? "top level";
  code.parentId = parentId;
  const to = codebook.codes.find((c) => c.id === parentId)?.name ?? "top level";
  codebook.history.push({
    at: nowIso(),
    by: userId,
    action: "move",
    codeIds: [codeId],
    summary: `Moved "${code.name}" from ${from} to ${to}`,
    reason,
  });
}

export type CodeDetails = {
  definition?: string;
  inclusion?: string;
  exclusion?: string;
  example?: string;
  colour?: string;
  affective?: boolean;
  draft?: boolean;
};

/** Edits a code's definition, criteria, example, colour or flags. */
export async function editCode({
  store,
  slug,
  codeId,
  details,
  userId,
  reason = "",
}: CodebookChange & { codeId: string; details: CodeDetails }): Promise<void> {
  await changeCodebook(store, slug, userId, (codebook) =>
    applyEdit(codebook, { codeId, details, userId, reason }),
  );
}

function applyEdit(
  codebook: Codebook,
  { codeId, details, userId, reason }: Change & { details: CodeDetails },
) {
  if (details.colour !== undefined && !/^#([0-9a-f]{3}|[0-9a-f]{6})$/i.test(details.colour)) {
    throw new ResearchError("invalid-input", "A colour is #RGB or #RRGGBB.", { field: "colour" });
  }
  const code = liveCode(codebook.codes, codeId);
  const changed = Object.entries(details)
    .filter(([key, value]) => value !== undefined && code[key as keyof CodeDetails] !== value)
    .map(([key]) => key);
  Object.assign(
    code,
    Object.fromEntries(Object.entries(details).filter(([, value]) => value !== undefined)),
  );
  if (changed.length)
    codebook.history.push({
      at: nowIso(),
      by: userId,
      action: "edit",
      codeIds: [codeId],
      summary: `Edited ${changed.join(", ")} of "${code.name}"`,
      reason,
    });
}

/**
 * The code form's save: name, place and details in one write of the codebook, so a change that cannot
 * be made (a name taken, a move under its own sub-code) leaves the code as it was, not half edited.
 * Each kind of change keeps its own history entry.
 */
export async function updateCode({
  store,
  slug,
  codeId,
  name,
  parentId,
  details,
  userId,
  reason = "",
}: CodebookChange & {
  codeId: string;
  name: string;
  parentId: string | null;
  details: CodeDetails;
}): Promise<void> {
  await changeCodebook(store, slug, userId, (codebook) => {
    const change = { codeId, userId, reason };
    applyRename(codebook, { ...change, name });
    applyMove(codebook, { ...change, parentId });
    applyEdit(codebook, { ...change, details });
  });
}

/**
 * Merges codes into one: every coding of the merged codes moves to the target, the merged codes stay in
 * the history (marked as merged) so the interpretive path remains visible. Returns how many codings moved
 * (a span the same coder already coded with the target keeps one coding).
 *
 * The codings table and the codebook document cannot share a transaction on the embedded default, so the
 * codings move first, in one transaction, and the codebook follows at once. In that order a failure in
 * between leaves the codings on the target, which is a live code: nothing is hidden and the merge can
 * simply be done again. The other order could leave codings on codes already marked as merged.
 */
export async function mergeCodes({
  store,
  slug,
  codeIds,
  targetId,
  userId,
  reason = "",
}: CodebookChange & { codeIds: string[]; targetId: string }): Promise<number> {
  const { database, projectId } = await projectSqlAs({ store, slug, userId, capability: "code" });
  const sources = [...new Set(codeIds)].filter((id) => id !== targetId);
  if (sources.length === 0)
    throw new ResearchError("invalid-input", "Choose at least one code to merge into the target.", {
      field: "codeIds",
    });
  const checked = await store.read(codebookFile, projectKeys.codebook(slug));
  liveCode(checked.codes, targetId);
  for (const id of sources) liveCode(checked.codes, id);
  const moved = await inTransaction(database, async (trx) => {
    const sameSpan =
      (other: "t" | "o") =>
      (
        eb: ExpressionBuilder<
          Database & { t: CodingsTable; o: CodingsTable },
          "codings" | "t" | "o"
        >,
      ) =>
        eb.and([
          eb(`${other}.project_id`, "=", projectId),
          eb(`${other}.source_type`, "=", eb.ref("codings.source_type")),
          eb(`${other}.source_id`, "=", eb.ref("codings.source_id")),
          eb(`${other}.start_cp`, "=", eb.ref("codings.start_cp")),
          eb(`${other}.end_cp`, "=", eb.ref("codings.end_cp")),
          eb(`${other}.coder_id`, "=", eb.ref("codings.coder_id")),
        ]);
    await bumpCodingsRevision(trx, projectId);
    // A span the coder already coded with the target: the merged code's coding goes.
    await trx
      .deleteFrom("codings")
      .where("project_id", "=", projectId)
      .where("code_id", "in", sources)
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom("codings as t")
            .select("t.id")
            .where("t.code_id", "=", targetId)
            .where(sameSpan("t")),
        ),
      )
      .execute();
    // The same span coded with two of the merged codes: one coding stays (the smallest id).
    await trx
      .deleteFrom("codings")
      .where("project_id", "=", projectId)
      .where("code_id", "in", sources)
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom("codings as o")
            .select("o.id")
            .where("o.code_id", "in", sources)
            .where("o.id", "<", eb.ref("codings.id"))
            .where(sameSpan("o")),
        ),
      )
      .execute();
    const result = await trx
      .updateTable("codings")
      .set({ code_id: targetId })
      .where("project_id", "=", projectId)
      .where("code_id", "in", sources)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  });
  const names: string[] = [];
  // The role was checked above, before the codings moved.
  await store.update(codebookFile, projectKeys.codebook(slug), (codebook) => {
    const target = liveCode(codebook.codes, targetId);
    for (const id of sources) {
      const code = liveCode(codebook.codes, id);
      names.push(code.name);
      code.mergedInto = targetId;
      for (const child of codebook.codes)
        if (child.parentId === id && !child.mergedInto) child.parentId = targetId;
    }
    codebook.history.push({
      at: nowIso(),
      by: userId,
      action: "merge",
      codeIds: [...sources, targetId],
      summary: `Merged ${names.map((n) => `"${n}"`).join(", ")} into "${target.name}"`,
      reason,
    });
  });
  return moved;
}

/**
 * Splits a code into new sub-codes: the named codings move to the new codes, the rest stay with the
 * original, which becomes their parent.
 *
 * Here the codebook goes first and the codings follow in one transaction: codings may only point at codes
 * that exist, and a failure in between leaves new sub-codes without codings, which loses nothing.
 */
export async function splitCode({
  store,
  slug,
  codeId,
  into,
  assignments = {},
  userId,
  reason = "",
}: CodebookChange & {
  codeId: string;
  into: string[];
  assignments?: Record<string, number>;
}): Promise<Code[]> {
  const names = into.map((name) => name.trim()).filter(Boolean);
  if (names.length < 2)
    throw new ResearchError("invalid-input", "Split a code into at least two new codes.", {
      field: "into",
    });
  let created: Code[] = [];
  await changeCodebook(store, slug, userId, (codebook) => {
    const original = liveCode(codebook.codes, codeId);
    for (const name of names) assertUniqueName(codebook.codes, name);
    if (new Set(names.map((n) => n.toLowerCase())).size !== names.length)
      throw new ResearchError("invalid-input", "The new codes need different names.", {
        field: "into",
      });
    created = names.map((name, index) => ({
      id: newId(),
      name,
      parentId: original.id,
      definition: "",
      inclusion: "",
      exclusion: "",
      example: "",
      colour: CODE_COLOURS[(codebook.codes.length + index) % CODE_COLOURS.length],
      affective: original.affective,
      draft: false,
      createdAt: nowIso(),
      createdBy: userId,
      mergedInto: null,
    }));
    codebook.codes.push(...created);
    codebook.history.push({
      at: nowIso(),
      by: userId,
      action: "split",
      codeIds: [original.id, ...created.map((c) => c.id)],
      summary: `Split "${original.name}" into ${names.map((n) => `"${n}"`).join(", ")}`,
      reason,
    });
  });
  const byCode = new Map<string, string[]>();
  for (const [codingId, index] of Object.entries(assignments)) {
    const target = created[index];
    if (target) byCode.set(target.id, [...(byCode.get(target.id) ?? []), codingId]);
  }
  if (byCode.size > 0) {
    const { database, projectId } = await projectSql({ store, slug });
    await inTransaction(database, async (trx) => {
      await bumpCodingsRevision(trx, projectId);
      for (const [newCodeId, codingIds] of byCode) {
        for (let i = 0; i < codingIds.length; i += 500) {
          await trx
            .updateTable("codings")
            .set({ code_id: newCodeId })
            .where("project_id", "=", projectId)
            .where("code_id", "=", codeId)
            .where("id", "in", codingIds.slice(i, i + 500))
            .execute();
        }
      }
    });
  }
  return created;
}

/**
 * Deletes a code and its codings; its sub-codes move up to its parent. The history keeps the name.
 * As with a merge, the codings go first (one transaction) and the codebook follows: a failure in between
 * leaves a code without codings, which can be deleted again.
 */
export async function deleteCode({
  store,
  slug,
  codeId,
  userId,
  reason = "",
}: CodebookChange & { codeId: string }): Promise<number> {
  const { database, projectId } = await projectSqlAs({ store, slug, userId, capability: "code" });
  liveCode((await store.read(codebookFile, projectKeys.codebook(slug))).codes, codeId);
  const removed = await inTransaction(database, async (trx) => {
    await bumpCodingsRevision(trx, projectId);
    const result = await trx
      .deleteFrom("codings")
      .where("project_id", "=", projectId)
      .where("code_id", "=", codeId)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  });
  // The role was checked above, before the codings went.
  await store.update(codebookFile, projectKeys.codebook(slug), (codebook) => {
    const code = liveCode(codebook.codes, codeId);
    for (const child of codebook.codes)
      if (child.parentId === codeId) child.parentId = code.parentId;
    codebook.codes = codebook.codes.filter((candidate) => candidate.id !== codeId);
    codebook.history.push({
      at: nowIso(),
      by: userId,
      action: "delete",
      codeIds: [codeId],
      summary: `Deleted "${code.name}" and its ${removed} coded segment${removed === 1 ? "" : "s"}`,
      reason,
    });
  });
  return removed;
}

/** The codebook with its history, newest history first. */
export async function getCodebook({ store, slug }: WithStore) {
  const codebook = await store.read(codebookFile, projectKeys.codebook(slug));
  return {
    codes: codebook.codes.filter((code) => !code.mergedInto),
    merged: codebook.codes.filter((code) => code.mergedInto),
    history: [...codebook.history].reverse(),
  };
}
