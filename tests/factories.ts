import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach } from "vitest";
import { createAccount, createFirstAdmin, type PublicUser } from "../research/accounts/index.js";
import { createProject, addProjectMember, type Project, type ProjectRole } from "../research/projects/index.js";
import { LowdbDocumentStore, type DocumentStore } from "../research/store/index.js";

const cleanups: string[] = [];
afterEach(async () => {
  while (cleanups.length) await rm(cleanups.pop()!, { recursive: true, force: true });
});

/** A store on a fresh temporary data directory, removed after the test. */
export async function buildStore(): Promise<DocumentStore> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "netno-test-"));
  cleanups.push(dir);
  return new LowdbDocumentStore(dir);
}

let counter = 0;
export async function buildUser(store: DocumentStore, overrides: Partial<{ name: string; email: string; password: string; admin: boolean }> = {}): Promise<PublicUser> {
  counter += 1;
  const input = { name: overrides.name ?? `Researcher ${counter}`, email: overrides.email ?? `r${counter}-${Date.now()}@example.org`, password: overrides.password ?? "a long password" };
  return overrides.admin ? createFirstAdmin({ store, ...input }) : createAccount({ store, ...input });
}

export async function buildProject(store: DocumentStore, owner: PublicUser, overrides: Partial<{ slug: string; title: string }> = {}): Promise<Project> {
  counter += 1;
  return createProject({ store, slug: overrides.slug ?? `study-${counter}`, title: overrides.title ?? `Study ${counter}`, ownerId: owner.id });
}

export async function addMember(store: DocumentStore, project: Project, user: PublicUser, role: ProjectRole, addedBy: string): Promise<void> {
  await addProjectMember({ store, slug: project.slug, email: user.email, role, addedBy });
}

export const SHARED_DATA = path.resolve(__dirname, "../../shared/data");
