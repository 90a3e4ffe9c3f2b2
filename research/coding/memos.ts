import { z } from "zod";
import { requireProject } from "../projects/projects.js";
import { ResearchError } from "../shared/errors.js";
import { newId, nowIso } from "../shared/ids.js";
import type { DocumentStore, StoredFileKind } from "../store/index.js";

export const MemoTargetSchema = z.object({ type: z.enum(["code", "post", "thread", "project"]), id: z.string() });
export type MemoTarget = z.infer<typeof MemoTargetSchema>;
export const MemoSchema = z.object({ id: z.string(), target: MemoTargetSchema, markdown: z.string(), authorId: z.string(), createdAt: z.string(), updatedAt: z.string() });
export type Memo = z.infer<typeof MemoSchema>;

const memosFile: StoredFileKind<{ memos: Memo[] }> = { description: "memos", schema: z.object({ memos: z.array(MemoSchema) }), version: 1, empty: () => ({ memos: [] }) };
const memosKey = (slug: string) => `projects/${slug}/memos.json`;

/** Writes an analytic memo about a code, a post, a thread or the project as a whole. */
export async function addMemo({ store, slug, target, markdown, authorId }: { store: DocumentStore; slug: string; target: MemoTarget; markdown: string; authorId: string }): Promise<Memo> {
  await requireProject({ store, slug });
  const parsed = MemoTargetSchema.safeParse(target);
  if (!parsed.success) throw new ResearchError("invalid-input", "A memo is about a code, a post, a thread or the project.", { field: "target" });
  const text = markdown.trim();
  if (!text) throw new ResearchError("invalid-input", "Write the memo.", { field: "markdown" });
  if (text.length > 100_000) throw new ResearchError("invalid-input", "A memo holds at most 100,000 characters.", { field: "markdown" });
  return store.update(memosFile, memosKey(slug), (data) => {
    const now = nowIso();
    const memo: Memo = { id: newId(), target: parsed.data, markdown: text, authorId, createdAt: now, updatedAt: now };
    data.memos.push(memo);
    return memo;
  });
}

export async function deleteMemo({ store, slug, memoId }: { store: DocumentStore; slug: string; memoId: string }): Promise<void> {
  await store.update(memosFile, memosKey(slug), (data) => {
    data.memos = data.memos.filter((memo) => memo.id !== memoId);
  });
}

/** Memos about the given targets (or all), newest first. */
export async function listMemos({ store, slug, targets }: { store: DocumentStore; slug: string; targets?: MemoTarget[] }): Promise<Memo[]> {
  await requireProject({ store, slug });
  const data = await store.read(memosFile, memosKey(slug));
  const wanted = targets ? new Set(targets.map((t) => `${t.type}:${t.id}`)) : null;
  return data.memos.filter((memo) => !wanted || wanted.has(`${memo.target.type}:${memo.target.id}`)).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

/** Removes memos about posts that were erased (the erasure keeps no content). */
export async function removeMemosAbout({ store, slug, postIds }: { store: DocumentStore; slug: string; postIds: Set<string> }): Promise<void> {
  await store.update(memosFile, memosKey(slug), (data) => {
    data.memos = data.memos.filter((memo) => !(memo.target.type === "post" && postIds.has(memo.target.id)));
  });
}
