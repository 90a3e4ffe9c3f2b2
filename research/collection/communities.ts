import { requireCapability } from "../shared/roles.js";
import { ResearchError } from "../shared/errors.js";
import type { DocumentStore } from "../store/index.js";
import { bumpCorpusRevision, projectSql } from "./corpus.js";
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
