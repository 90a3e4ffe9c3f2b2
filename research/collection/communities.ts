import { sql } from "kysely";
import { requireCapability } from "../shared/roles.js";
import { ResearchError } from "../shared/errors.js";
import type { DocumentStore } from "../store/index.js";
import { discoveryFile } from "../discovery/model.js";
import { insertAuditEvent } from "../entree/audit.js";
import { projectKeys } from "../projects/model.js";
import {
  bumpCorpusRevision,
  parseJsonArray,
  projectSql,
  refreshThreadsLastPost,
} from "./corpus.js";
import { inTransaction } from "../store/index.js";

/**
 * Renames a community (the name an import gave it may be a file name or a list address). A later
 * import that names the community the same way joins it, so two communities of one platform never
 * share a name.
 */
export async function renameCommunity({
  store,
  slug,
  communityId,
  name,
  userId,
}: {
  store: DocumentStore;
  slug: string;
  communityId: string;
  name: string;
  userId: string;
}): Promise<{ id: string; name: string }> {
  await requireCapability({ store, slug, userId, capability: "code" });
  const clean = name.replace(/\s+/g, " ").trim();
  if (!clean)
    throw new ResearchError("invalid-input", "A community needs a name.", { field: "name" });
  if (clean.length > 200)
    throw new ResearchError("invalid-input", "Use at most 200 characters for a community name.", {
      field: "name",
    });
  const { database, projectId } = await projectSql({ store, slug });
  return inTransaction(
    database,
    async (trx) => {
      const community = await trx
        .selectFrom("communities")
        .select(["id", "platform", "name"])
        .where("project_id", "=", projectId)
        .where("id", "=", communityId)
        .executeTakeFirst();
      if (!community)
        throw new ResearchError("not-found", "No such community in this project.", {
          field: "communityId",
        });
      const taken = await trx
        .selectFrom("communities")
        .select("id")
        .where("project_id", "=", projectId)
        .where("platform", "=", community.platform)
        .where("name", "=", clean)
        .where("id", "!=", communityId)
        .executeTakeFirst();
      if (taken)
        throw new ResearchError(
          "conflict",
          `Another ${community.platform} community is already named "${clean}".`,
          { field: "name" },
        );
      await trx
        .updateTable("communities")
        .set({ name: clean })
        .where("project_id", "=", projectId)
        .where("id", "=", communityId)
        .execute();
      await bumpCorpusRevision(trx, projectId);
      return { id: communityId, name: clean };
    },
    { lockKey: `corpus:${projectId}` },
  );
}

/**
 * Merges one community into another of the same platform: a mailing list split by List-Id, a forum
 * imported twice under different names. Threads and posts move in one transaction; the source
 * community goes; discovery candidates that sampled it sample the target from then on. Members stay
 * as they are (the same handle in both is still one record per community where the platform has no
 * user ids). Returns the target's name.
 */
export async function mergeCommunities({
  store,
  slug,
  communityId,
  intoCommunityId,
  userId,
}: {
  store: DocumentStore;
  slug: string;
  communityId: string;
  intoCommunityId: string;
  userId: string;
}): Promise<{ id: string; name: string; threads: number; posts: number }> {
  await requireCapability({ store, slug, userId, capability: "code" });
  if (!intoCommunityId)
    throw new ResearchError("invalid-input", "Choose the community to merge into.", {
      field: "intoCommunityId",
    });
  if (intoCommunityId === communityId)
    throw new ResearchError("invalid-input", "A community cannot be merged into itself.", {
      field: "intoCommunityId",
    });
  const { database, projectId } = await projectSql({ store, slug });
  const merged = await inTransaction(
    database,
    async (trx) => {
      const rows = await trx
        .selectFrom("communities")
        .select(["id", "platform", "name"])
        .where("project_id", "=", projectId)
        .where("id", "in", [communityId, intoCommunityId])
        .execute();
      const source = rows.find((row) => row.id === communityId);
      const target = rows.find((row) => row.id === intoCommunityId);
      if (!source)
        throw new ResearchError("not-found", "No such community in this project.", {
          field: "communityId",
        });
      if (!target)
        throw new ResearchError("invalid-input", "Choose a community of this project.", {
          field: "intoCommunityId",
        });
      if (source.platform !== target.platform)
        throw new ResearchError(
          "invalid-input",
          `"${source.name}" (${source.platform}) and "${target.name}" (${target.platform}) are on different platforms: only communities of one platform can be merged.`,
          { field: "intoCommunityId" },
        );
      // A thread both communities hold (the same forum exported twice) becomes one: the source's posts
      // and thread memos join the target's thread, and the source's copy goes.
      const twins = await trx
        .selectFrom("threads as s")
        .innerJoin("threads as t", (join) =>
          join
            .onRef("t.project_id", "=", "s.project_id")
            .onRef("t.source_id", "=", "s.source_id")
            .on("t.community_id", "=", intoCommunityId),
        )
        .select(["s.id as from_id", "t.id as into_id"])
        .where("s.project_id", "=", projectId)
        .where("s.community_id", "=", communityId)
        .execute();
      for (const twin of twins) {
        await trx
          .updateTable("posts")
          .set({ thread_id: twin.into_id })
          .where("project_id", "=", projectId)
          .where("thread_id", "=", twin.from_id)
          .execute();
        await trx
          .updateTable("memos")
          .set({ target_id: twin.into_id })
          .where("project_id", "=", projectId)
          .where("target_type", "=", "thread")
          .where("target_id", "=", twin.from_id)
          .execute();
        await refreshThreadsLastPost(trx, projectId, [twin.into_id]);
        // Field notes linked to the source's copy now link to the one thread (links are stored as
        // {"type":..,"id":..} text, key order fixed, so the link is found by its text).
        const fromLink = JSON.stringify({ type: "thread", id: twin.from_id });
        const intoLink = JSON.stringify({ type: "thread", id: twin.into_id });
        await trx
          .updateTable("field_notes")
          .set({ links: sql<string>`replace(links, ${fromLink}, ${intoLink})` })
          .where("project_id", "=", projectId)
          .where("links", "like", `%${twin.from_id}%`)
          .execute();
        await trx.deleteFrom("threads").where("id", "=", twin.from_id).execute();
      }
      const threads = await trx
        .updateTable("threads")
        .set({ community_id: intoCommunityId })
        .where("project_id", "=", projectId)
        .where("community_id", "=", communityId)
        .executeTakeFirst();
      const posts = await trx
        .updateTable("posts")
        .set({ community_id: intoCommunityId })
        .where("project_id", "=", projectId)
        .where("community_id", "=", communityId)
        .executeTakeFirst();
      // Each import's record names the communities it added to.
      const imports = await trx
        .selectFrom("imports")
        .select(["id", "community_ids"])
        .where("project_id", "=", projectId)
        .execute();
      for (const row of imports) {
        const ids = parseJsonArray(row.community_ids);
        if (!ids.includes(communityId)) continue;
        const next = [...new Set(ids.map((id) => (id === communityId ? intoCommunityId : id)))];
        await trx
          .updateTable("imports")
          .set({ community_ids: JSON.stringify(next) })
          .where("project_id", "=", projectId)
          .where("id", "=", row.id)
          .execute();
      }
      await trx
        .deleteFrom("communities")
        .where("project_id", "=", projectId)
        .where("id", "=", communityId)
        .execute();
      await bumpCorpusRevision(trx, projectId);
      await insertAuditEvent(trx, projectId, {
        by: userId,
        action: "communities-merged",
        detail: `community ${communityId} merged into ${intoCommunityId}: ${Number(threads.numUpdatedRows)} threads, ${Number(posts.numUpdatedRows)} posts`,
      });
      return {
        id: intoCommunityId,
        name: target.name,
        threads: Number(threads.numUpdatedRows),
        posts: Number(posts.numUpdatedRows),
      };
    },
    { lockKey: `corpus:${projectId}` },
  );
  // Discovery is a document: candidates that sampled the merged community follow it.
  await store.update(discoveryFile, projectKeys.discovery(slug), (data) => {
    for (const candidate of data.candidates)
      if (candidate.communityId === communityId) candidate.communityId = intoCommunityId;
  });
  return merged;
}
