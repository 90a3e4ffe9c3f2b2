import { Option, type Command } from "commander";
import { purgeMember, recordConsent, resolveMemberByHandle } from "../../research/entree/index.js";
import { CLI_ACTOR } from "../../research/shared/roles.js";
import { requireProject } from "../../research/projects/index.js";
import type { DocumentStore } from "../../research/store/index.js";
import { printJson, UsageError } from "./output.js";

const STATUSES = ["consented", "declined", "opted-out", "paraphrase-only"];

/** `netno member <slug> <handle> --consent STATUS [--evidence TEXT]` and `--purge`. */
export function registerMemberCommands(program: Command, store: () => DocumentStore): void {
  program
    .command("member <slug> <handle>")
    .description(
      "record a member's consent, or erase the member for good (handle as shown on the members page)",
    )
    .addOption(new Option("--consent <status>", "consent status").choices(STATUSES))
    .option("--evidence <text>", "where the consent or opt-out is documented")
    .option("--purge", "erase the member's posts, codings and record for good")
    .option("--json", "print the result as JSON")
    .exitOverride()
    .action(
      async (
        slug: string,
        handle: string,
        options: { consent?: string; evidence?: string; purge?: boolean; json?: boolean },
      ) => {
        if (Boolean(options.consent) === Boolean(options.purge))
          throw new UsageError("Give either --consent <status> or --purge.");
        if (options.evidence && !options.consent)
          throw new UsageError("--evidence goes with --consent.");
        await requireProject({ store: store(), slug });
        const member = await resolveMemberByHandle({ store: store(), slug, handle });
        if (options.purge) {
          const result = await purgeMember({
            store: store(),
            slug,
            memberId: member.id,
            userId: CLI_ACTOR,
          });
          if (options.json) printJson({ member: member.handle, erased: true, ...result });
          else
            process.stdout.write(
              `Erased ${member.handle}: ${result.posts} posts and ${result.codings} codings removed.\n`,
            );
          return;
        }
        const entry = await recordConsent({
          store: store(),
          slug,
          memberId: member.id,
          status: options.consent!,
          evidence: options.evidence,
          userId: CLI_ACTOR,
        });
        if (options.json)
          printJson({
            member: member.handle,
            pseudonym: member.pseudonym,
            status: entry.status,
            date: entry.date,
          });
        else
          process.stdout.write(
            `Recorded ${entry.status} for ${member.handle} (${member.pseudonym}).\n`,
          );
      },
    );
}
