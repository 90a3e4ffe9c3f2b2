import { z } from "zod";
import { addMemo, deleteMemo, listMemos, listUsers, renderMarkdown } from "./research.server";
import { store } from "./context.server";

/** The memo forms shared by the pages that carry a memo panel. */
export const MemoForm = z.discriminatedUnion("intent", [
  z.object({
    intent: z.literal("add-memo"),
    target: z.string().regex(/^(code|post|thread|project):.+$/, "Choose what the memo is about."),
    markdown: z.string(),
  }),
  z.object({ intent: z.literal("delete-memo"), memoId: z.string() }),
]);

export async function runMemoForm({
  slug,
  userId,
  input,
}: {
  slug: string;
  userId: string;
  input: z.infer<typeof MemoForm>;
}) {
  if (input.intent === "delete-memo") {
    await deleteMemo({ store, slug, memoId: input.memoId, userId });
    return { ok: true as const, message: "Memo deleted." };
  }
  const [type, ...rest] = input.target.split(":");
  await addMemo({
    store,
    slug,
    target: { type: type as "code" | "post" | "thread" | "project", id: rest.join(":") },
    markdown: input.markdown,
    authorId: userId,
  });
  return { ok: true as const, message: "Memo saved." };
}

/** Memos about the targets, ready to show (Markdown rendered and sanitized, author names). */
export async function loadMemoViews(
  slug: string,
  targets: Array<{ type: "code" | "post" | "thread" | "project"; id: string }>,
) {
  const [memos, users] = await Promise.all([
    listMemos({ store, slug, targets }),
    listUsers({ store }),
  ]);
  const names = new Map(users.map((u) => [u.id, u.name]));
  return memos.map((memo) => ({
    id: memo.id,
    target: `${memo.target.type}:${memo.target.id}`,
    html: renderMarkdown(memo.markdown),
    author: names.get(memo.authorId) ?? memo.authorId,
    createdAt: memo.createdAt,
  }));
}
