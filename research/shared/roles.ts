import { actingRole, type Capability, type Project, type ProjectRole } from "../projects/model.js";
import { requireProject } from "../projects/projects.js";
import type { DocumentStore } from "../store/index.js";

export { CLI_ACTOR } from "../projects/model.js";

/**
 * The project, once the acting user's role in it allows the capability (the table in projects/model.ts).
 * A non-member gets not-found, exactly as for a project that does not exist; a member whose role does
 * not allow it gets forbidden. `CLI_ACTOR` acts as the owner.
 */
export async function requireCapability({
  store,
  slug,
  userId,
  capability,
}: {
  store: DocumentStore;
  slug: string;
  userId: string;
  capability: Capability;
}): Promise<{ project: Project; role: ProjectRole }> {
  const project = await requireProject({ store, slug });
  return { project, role: actingRole(project, userId, capability) };
}
