import { z } from "zod";
import { ResearchError } from "../shared/errors.js";
import type { StoredFileKind } from "../store/index.js";

export const ProjectRoleSchema = z.enum(["owner", "researcher", "strategist"]);
export type ProjectRole = z.infer<typeof ProjectRoleSchema>;

/** Lower-case letters, digits and dashes: a slug is part of URLs and folder names. */
export const ProjectSlugSchema = z
  .string()
  .trim()
  .min(2, "A project slug has at least 2 characters.")
  .max(60, "A project slug has at most 60 characters.")
  .regex(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/, "Use lower-case letters, digits and dashes for the slug (e.g. vanlife-2026).");
export const ProjectTitleSchema = z.string().trim().min(1, "Give the project a title.").max(160, "Use at most 160 characters for the title.");

export const ProjectMemberSchema = z.object({
  userId: z.string(),
  role: ProjectRoleSchema,
  addedAt: z.string(),
  addedBy: z.string(),
});
export type ProjectMember = z.infer<typeof ProjectMemberSchema>;

export const ProjectSchema = z.object({
  id: z.string(),
  slug: z.string(),
  title: z.string(),
  description: z.string().default(""),
  createdAt: z.string(),
  updatedAt: z.string(),
  createdBy: z.string(),
  archivedAt: z.string().nullable().default(null),
  members: z.array(ProjectMemberSchema),
  /** Secret salt for members' pseudonyms: stable within the project, unguessable outside it. */
  pseudonymSalt: z.string().default(""),
});
export type Project = z.infer<typeof ProjectSchema>;

export const projectFile: StoredFileKind<Project> = {
  description: "project metadata",
  schema: ProjectSchema,
  version: 1,
  empty: () => ({ id: "", slug: "", title: "", description: "", createdAt: "", updatedAt: "", createdBy: "", archivedAt: null, members: [], pseudonymSalt: "" }),
};

/**
 * Where a project's data lives. Each thing that grows has its own file, so that applying a code or saving
 * a note never rewrites the corpus.
 */
export const projectKeys = {
  folder: (slug: string) => `projects/${slug}`,
  project: (slug: string) => `projects/${slug}/project.json`,
  objectives: (slug: string) => `projects/${slug}/objectives.json`,
  discovery: (slug: string) => `projects/${slug}/discovery.json`,
  ethics: (slug: string) => `projects/${slug}/ethics.json`,
  consent: (slug: string) => `projects/${slug}/consent.json`,
  audit: (slug: string) => `projects/${slug}/audit.json`,
  corpusFolder: (slug: string) => `projects/${slug}/corpus`,
  corpusManifest: (slug: string) => `projects/${slug}/corpus/manifest.json`,
  corpusBatch: (slug: string, batchId: string) => `projects/${slug}/corpus/${batchId}.json`,
  members: (slug: string) => `projects/${slug}/corpus/members.json`,
  fieldNotes: (slug: string) => `projects/${slug}/fieldnotes.json`,
  codebook: (slug: string) => `projects/${slug}/codebook.json`,
  codings: (slug: string) => `projects/${slug}/codings.json`,
  externalCoders: (slug: string) => `projects/${slug}/external-coders.json`,
  themes: (slug: string) => `projects/${slug}/themes.json`,
};

/**
 * What each role may do: the README's role table, read by route guards and by research commands alike.
 * Owner: everything. Researcher: reads data, codes, writes memos, field notes, themes and guidelines, and
 * sees the ethics plan and consent log without changing them. Strategist: reports, findings, guidelines
 * and maps only, never raw community data.
 */
export const capabilities = {
  readReports: ["owner", "researcher", "strategist"],
  readData: ["owner", "researcher"],
  code: ["owner", "researcher"],
  editPlan: ["owner", "researcher"],
  /** The ethics plan, its versions, the cloaking level and the disclosure post. */
  editEthics: ["owner"],
  /** Consent records and erasure of a member: they decide whose words the study may use at all. */
  manageConsent: ["owner"],
  /** Share links that let community members check findings, and acting on their removal requests. */
  manageMemberChecks: ["owner"],
  manage: ["owner"],
} as const satisfies Record<string, readonly ProjectRole[]>;
export type Capability = keyof typeof capabilities;

export function roleAllows(role: ProjectRole, capability: Capability): boolean {
  return (capabilities[capability] as readonly ProjectRole[]).includes(role);
}

/**
 * The actor a command-line run passes as `userId`. Whoever runs the CLI holds the data directory itself,
 * so the role table cannot restrain them; they act as the project's owner. Web user ids are random
 * UUIDs, so no signed-in person can be this actor.
 */
export const CLI_ACTOR = "cli";

/**
 * The acting user's role in the project, once it allows the capability. A non-member gets not-found,
 * exactly as for a project that does not exist; a member whose role does not allow it gets forbidden.
 */
export function actingRole(project: Project, userId: string, capability: Capability): ProjectRole {
  if (userId === CLI_ACTOR) return "owner";
  const membership = project.members.find((member) => member.userId === userId);
  if (!membership) throw new ResearchError("not-found", "No such project.");
  if (!roleAllows(membership.role, capability)) {
    throw new ResearchError(
      "forbidden",
      `Your role in this project (${membership.role}) does not allow this.`,
    );
  }
  return membership.role;
}
