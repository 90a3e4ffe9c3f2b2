import type { Command } from "commander";
import {
  createProject,
  getProjectStats,
  listAllProjects,
  requireProject,
} from "../../research/projects/index.js";
import type { DocumentStore } from "../../research/store/index.js";
import { printJson } from "./output.js";

/** `netno project create|list` and `netno stats`. */
export function registerProjectCommands(program: Command, store: () => DocumentStore): void {
  const project = program.command("project").description("create and list projects").exitOverride();

  project
    .command("create <slug>")
    .description("create a project (owned by the first admin account, if there is one)")
    .requiredOption("--title <title>", "the project's title")
    .option("--json", "print the created project as JSON")
    .exitOverride()
    .action(async (slug: string, options: { title: string; json?: boolean }) => {
      const created = await createProject({ store: store(), slug, title: options.title });
      if (options.json)
        printJson({
          slug: created.slug,
          title: created.title,
          id: created.id,
          createdAt: created.createdAt,
        });
      else process.stdout.write(`Created project ${created.slug} (${created.title}).\n`);
    });

  project
    .command("list")
    .description("list projects")
    .option("--json", "print a JSON array")
    .exitOverride()
    .action(async (options: { json?: boolean }) => {
      const projects = await listAllProjects({ store: store() });
      if (options.json) {
        printJson(
          projects.map((p) => ({
            slug: p.slug,
            title: p.title,
            createdAt: p.createdAt,
            archived: p.archivedAt !== null,
          })),
        );
        return;
      }
      if (projects.length === 0)
        process.stdout.write(
          'No projects yet. Create one with: netno project create <slug> --title "..."\n',
        );
      for (const p of projects)
        process.stdout.write(`${p.slug}\t${p.title}${p.archivedAt ? "\t(archived)" : ""}\n`);
    });

  program
    .command("stats <slug>")
    .description("count a project's posts, threads, members, field notes, codes and codings")
    .option("--json", "print one JSON object")
    .exitOverride()
    .action(async (slug: string, options: { json?: boolean }) => {
      await requireProject({ store: store(), slug });
      const stats = await getProjectStats({ store: store(), slug });
      if (options.json) printJson(stats);
      else
        for (const [name, count] of Object.entries(stats))
          process.stdout.write(`${name}\t${count}\n`);
    });
}
