import { roleAllows, type Capability, type Project, type ProjectRole } from "../projects/model.js";
import { requireProject } from "../projects/projects.js";
import type { DocumentStore } from "../store/index.js";
import { ResearchError } from "./errors.js";

/**
 * The actor a command-line run passes as `userId`. Whoever runs the CLI holds the data directory itself,
 * so the role table cannot restrain them; they act as the project's owner. Web user ids are random
 * UUIDs, so no signed-in person can be this actor.
 */
export const CLI_ACTOR = "cli";

/**
 * The project, once the acting user's role in it allows the capability (the table in projects/model.ts).
 * A non-member gets not-found, exactly as for a project that does not exist; a member whose role does
 * not allow it gets forbidden.
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
  if (userId === CLI_ACTOR) return { project, role: "owner" };
  const membership = project.members.find((member) => member.userId === userId);
  if (!membership) throw new ResearchError("not-found", "No such project.");
  if (!roleAllows(membership.role, capability)) {
    throw new ResearchError(
      "forbidden",
      `Your role in this project (${membership.role}) does not allow this.`,
    );
  }
  return { project, role: membership.role };
}
