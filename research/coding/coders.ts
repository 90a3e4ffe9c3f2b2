import { listUsers } from "../accounts/users.js";
import { projectKeys } from "../projects/model.js";
import { requireProject } from "../projects/projects.js";
import type { DocumentStore } from "../store/index.js";
import { nowIso } from "../shared/ids.js";
import { codingsFile, externalCodersFile } from "./model.js";

export type Coder = { id: string; name: string; external: boolean };

/**
 * The project's coders: its members, anyone who coded in it (a former member too), and coders imported from
 * other tools. Accounts of other teams are never listed.
 */
export async function listCoders({ store, slug }: { store: DocumentStore; slug: string }): Promise<Coder[]> {
  const [project, users, external, codings] = await Promise.all([
    requireProject({ store, slug }), listUsers({ store }), store.read(externalCodersFile, projectKeys.externalCoders(slug)), store.read(codingsFile, projectKeys.codings(slug)),
  ]);
  const involved = new Set([...project.members.map((member) => member.userId), ...codings.codings.map((coding) => coding.coderId)]);
  return [
    ...users.filter((user) => involved.has(user.id)).map((user) => ({ id: user.id, name: user.name, external: false })),
    ...external.coders.map((coder) => ({ id: coder.id, name: `${coder.name} (imported from ${coder.importedFrom})`, external: true })),
  ];
}

/** Coder ids mapped to names, for views that show who coded what. */
export async function coderNames({ store, slug }: { store: DocumentStore; slug: string }): Promise<Map<string, string>> {
  return new Map((await listCoders({ store, slug })).map((coder) => [coder.id, coder.name]));
}

/**
 * The coder id for each user of an imported REFI-QDA project: a workbench account with the same name when
 * there is one (the researcher re-importing their own work), otherwise an external coder, created once
 * per REFI user GUID so that importing the same project again reuses it.
 */
export async function resolveRefiCoders({ store, slug, users, importedFrom }: { store: DocumentStore; slug: string; users: Array<{ guid: string; name: string }>; importedFrom: string }): Promise<Map<string, string>> {
  const accounts = await listUsers({ store });
  const byName = new Map(accounts.map((account) => [account.name.trim().toLowerCase(), account.id]));
  const resolved = new Map<string, string>();
  const unmatched = users.filter((user) => {
    const account = byName.get(user.name.trim().toLowerCase());
    if (account) resolved.set(user.guid, account);
    return !account;
  });
  if (unmatched.length === 0) return resolved;
  await store.update(externalCodersFile, projectKeys.externalCoders(slug), (data) => {
    for (const user of unmatched) {
      let coder = data.coders.find((known) => known.refiGuid === user.guid);
      if (!coder) {
        coder = { id: `refi-${user.guid}`, name: user.name || "Unnamed coder", refiGuid: user.guid, importedFrom, importedAt: nowIso() };
        data.coders.push(coder);
      }
      resolved.set(user.guid, coder.id);
    }
  });
  return resolved;
}
