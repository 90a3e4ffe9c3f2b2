import { findFirstAdmin, getUserById, findUserByEmail, type PublicUser } from "../accounts/index.js";
import { ResearchError } from "../shared/errors.js";
import { newId, newToken, nowIso } from "../shared/ids.js";
import type { DocumentStore } from "../store/index.js";
import {
  ProjectRoleSchema,
  ProjectSlugSchema,
  ProjectTitleSchema,
  projectFile,
  projectKeys,
  actingRole,
  roleAllows,
  type Capability,
  type Project,
  type ProjectRole,
} from "./model.js";

type WithStore = { store: DocumentStore };

export type ProjectAccess = { project: Project; role: ProjectRole };

function parseSlug(slug: string): string {
  const parsed = ProjectSlugSchema.safeParse(slug);
  if (!parsed.success) throw new ResearchError("invalid-input", parsed.error.issues[0].message, { field: "slug" });
  return parsed.data;
}

function parseTitle(title: string): string {
  const parsed = ProjectTitleSchema.safeParse(title);
  if (!parsed.success) throw new ResearchError("invalid-input", parsed.error.issues[0].message, { field: "title" });
  return parsed.data;
}

/** Creates a project whose owner is `ownerId` (the first admin when created from the CLI without one). */
export async function createProject({ store, slug, title, ownerId, description = "" }: WithStore & { slug: string; title: string; ownerId?: string; description?: string }): Promise<Project> {
  const cleanSlug = parseSlug(slug);
  const cleanTitle = parseTitle(title);
  const owner = ownerId ?? (await findFirstAdmin({ store }))?.id ?? "cli";
  const key = projectKeys.project(cleanSlug);
  return store.update(projectFile, key, (project) => {
    if (project.id) throw new ResearchError("conflict", `A project with the slug "${cleanSlug}" already exists.`, { field: "slug" });
    const now = nowIso();
    Object.assign(project, {
      id: newId(),
      slug: cleanSlug,
      title: cleanTitle,
      description: description.trim(),
      createdAt: now,
      updatedAt: now,
      createdBy: owner,
      archivedAt: null,
      members: owner === "cli" ? [] : [{ userId: owner, role: "owner", addedAt: now, addedBy: owner }],
      pseudonymSalt: newToken(),
    } satisfies Project);
    return structuredClone(project);
  });
}

/** Every project in the data directory (for the CLI, which acts as the operator). */
export async function listAllProjects({ store }: WithStore): Promise<Project[]> {
  const slugs = await store.list("projects");
  const projects: Project[] = [];
  for (const slug of slugs) {
    if (!(await store.exists(projectKeys.project(slug)))) continue;
    const project = await store.read(projectFile, projectKeys.project(slug));
    if (project.id) projects.push(project);
  }
  return projects.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

/** Projects a user is a member of, with their role; archived ones only when asked. */
export async function listProjectsForUser({ store, userId, includeArchived = false }: WithStore & { userId: string; includeArchived?: boolean }): Promise<ProjectAccess[]> {
  const projects = await listAllProjects({ store });
  return projects.flatMap((project) => {
    const membership = project.members.find((member) => member.userId === userId);
    if (!membership) return [];
    if (project.archivedAt && !includeArchived) return [];
    return [{ project, role: membership.role }];
  });
}

/** The project by slug, or null. No access check: for the CLI and internal use. */
export async function getProject({ store, slug }: WithStore & { slug: string }): Promise<Project | null> {
  if (!ProjectSlugSchema.safeParse(slug).success) return null;
  if (!(await store.exists(projectKeys.project(slug)))) return null;
  const project = await store.read(projectFile, projectKeys.project(slug));
  return project.id ? project : null;
}

/** The project by slug; throws not-found when it does not exist. */
export async function requireProject({ store, slug }: WithStore & { slug: string }): Promise<Project> {
  const project = await getProject({ store, slug });
  if (!project) throw new ResearchError("not-found", `No project with the slug "${slug}".`, { field: "slug" });
  return project;
}

/**
 * The project and the user's role in it, checked for one capability. A user who is not a member gets
 * not-found, exactly as for a project that does not exist, so URLs cannot be used to probe for projects.
 */
export async function requireProjectAccess({ store, slug, userId, capability }: WithStore & { slug: string; userId: string; capability: Capability }): Promise<ProjectAccess> {
  const project = await getProject({ store, slug });
  const membership = project?.members.find((member) => member.userId === userId);
  if (!project || !membership) throw new ResearchError("not-found", "No such project.");
  if (!roleAllows(membership.role, capability)) {
    throw new ResearchError("forbidden", `Your role in this project (${membership.role}) does not allow this.`);
  }
  return { project, role: membership.role };
}

/**
 * Changes the project document once the acting user may manage the project (the CLI acts as owner). The
 * role is checked before the write and again on the document being written, so a role taken away in
 * between refuses the change too, and a refusal writes nothing.
 */
async function updateProject<R>(store: DocumentStore, slug: string, userId: string, mutate: (project: Project) => R): Promise<R> {
  actingRole(await requireProject({ store, slug }), userId, "manage");
  return writeProject(store, slug, userId, mutate);
}

async function writeProject<R>(store: DocumentStore, slug: string, userId: string, mutate: (project: Project) => R): Promise<R> {
  return store.update(projectFile, projectKeys.project(slug), (project) => {
    actingRole(project, userId, "manage");
    const result = mutate(project);
    project.updatedAt = nowIso();
    return result;
  });
}

export async function renameProject({ store, slug, title, userId }: WithStore & { slug: string; title: string; userId: string }): Promise<void> {
  const cleanTitle = parseTitle(title);
  await updateProject(store, slug, userId, (project) => {
    project.title = cleanTitle;
  });
}

/** Archives (or restores) a project: it leaves the default project list but keeps all its data. */
export async function setProjectArchived({ store, slug, archived, userId }: WithStore & { slug: string; archived: boolean; userId: string }): Promise<void> {
  await updateProject(store, slug, userId, (project) => {
    project.archivedAt = archived ? nowIso() : null;
  });
}

/** Adds a registered user to the project with a role, or changes their role. */
export async function addProjectMember({ store, slug, email, role, addedBy }: WithStore & { slug: string; email: string; role: string; addedBy: string }): Promise<PublicUser> {
  actingRole(await requireProject({ store, slug }), addedBy, "manage");
  const parsedRole = ProjectRoleSchema.safeParse(role);
  if (!parsedRole.success) throw new ResearchError("invalid-input", "Choose a role: owner, researcher or strategist.", { field: "role" });
  const user = await findUserByEmail({ store, email });
  // The person typed an address we do not know: a fixable input, not a missing page.
  if (!user) throw new ResearchError("invalid-input", `No account uses ${email.trim()}; create it or send an invitation first.`, { field: "email" });
  await writeProject(store, slug, addedBy, (project) => {
    const existing = project.members.find((member) => member.userId === user.id);
    if (existing) {
      if (existing.role === "owner" && parsedRole.data !== "owner" && project.members.filter((m) => m.role === "owner").length === 1) {
        throw new ResearchError("invalid-input", "A project keeps at least one owner.", { field: "role" });
      }
      existing.role = parsedRole.data;
    } else {
      project.members.push({ userId: user.id, role: parsedRole.data, addedAt: nowIso(), addedBy });
    }
  });
  return user;
}

/** Removes the member `userId` (`removedBy` is who acts); the last owner cannot be removed. */
export async function removeProjectMember({ store, slug, userId, removedBy }: WithStore & { slug: string; userId: string; removedBy: string }): Promise<void> {
  await updateProject(store, slug, removedBy, (project) => {
    const target = project.members.find((member) => member.userId === userId);
    if (!target) return;
    if (target.role === "owner" && project.members.filter((m) => m.role === "owner").length === 1) {
      throw new ResearchError("invalid-input", "A project keeps at least one owner.");
    }
    project.members = project.members.filter((member) => member.userId !== userId);
  });
}

/** Project members with their names, for the members panel. */
export async function listProjectMembers({ store, slug }: WithStore & { slug: string }): Promise<Array<{ user: PublicUser; role: ProjectRole; addedAt: string }>> {
  const project = await requireProject({ store, slug });
  const rows = [];
  for (const member of project.members) {
    const user = await getUserById({ store, userId: member.userId });
    if (user) rows.push({ user, role: member.role, addedAt: member.addedAt });
  }
  return rows;
}
