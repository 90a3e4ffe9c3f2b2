import { sql } from "kysely";
import { listUsers } from "../accounts/users.js";
import { projectSql } from "../collection/corpus.js";
import { projectKeys } from "../projects/model.js";
import type { DocumentStore, Queryable } from "../store/index.js";
import { nowIso } from "../shared/ids.js";
import { externalCodersFile } from "./model.js";

/** `coded`: the coder has codings in the project (the ones worth comparing for agreement). */
export type Coder = { id: string; name: string; external: boolean; coded: boolean };

/**
 * The distinct coders of a project's codings, found by skipping through the (project, coder) index one
 * coder at a time (a recursive query on both engines): its cost grows with the number of coders, not
 * with the number of codings.
 */
export async function listCoderIdsIn(db: Queryable, projectId: string): Promise<string[]> {
  const result = await sql<{ coder_id: string | null }>`
    with recursive coder(coder_id) as (
      select min(coder_id) from codings where project_id = ${projectId}
      union all
      select (select min(c.coder_id) from codings c where c.project_id = ${projectId} and c.coder_id > coder.coder_id)
      from coder where coder.coder_id is not null
    )
    select coder_id from coder where coder_id is not null`.execute(db);
  return result.rows.flatMap((row) => (row.coder_id === null ? [] : [row.coder_id]));
}

/**
 * The project's coders: its members, anyone who coded in it (a former member too), and coders imported from
 * other tools. Accounts of other teams are never listed.
 */
export async function listCoders({
  store,
  slug,
}: {
  store: DocumentStore;
  slug: string;
}): Promise<Coder[]> {
  const { db, project, projectId } = await projectSql({ store, slug });
  const [users, external, coderIds] = await Promise.all([
    listUsers({ store }),
    store.read(externalCodersFile, projectKeys.externalCoders(slug)),
    listCoderIdsIn(db, projectId),
  ]);
  const coded = new Set(coderIds);
  const involved = new Set([...project.members.map((member) => member.userId), ...coderIds]);
  return [
    ...users
      .filter((user) => involved.has(user.id))
      .map((user) => ({
        id: user.id,
        name: user.name,
        external: false,
        coded: coded.has(user.id),
      })),
    ...external.coders.map((coder) => ({
      id: coder.id,
      name: `${coder.name} (imported from ${coder.importedFrom})`,
      external: true,
      coded: coded.has(coder.id),
    })),
  ];
}

/**
 * The names of these coders (ids read from the project's codings), as `listCoders` gives them: an account's
 * name, or an imported coder's with where it came from. For a page that shows a few codings: it does not look
 * for every coder of the project.
 */
export async function namesOfCoders({
  store,
  slug,
  coderIds,
}: {
  store: DocumentStore;
  slug: string;
  coderIds: Iterable<string>;
}): Promise<Map<string, string>> {
  const wanted = new Set(coderIds);
  const names = new Map<string, string>();
  if (wanted.size === 0) return names;
  const [users, external] = await Promise.all([
    listUsers({ store }),
    store.read(externalCodersFile, projectKeys.externalCoders(slug)),
  ]);
  for (const user of users) if (wanted.has(user.id)) names.set(user.id, user.name);
  for (const coder of external.coders)
    if (wanted.has(coder.id))
      names.set(coder.id, `${coder.name} (imported from ${coder.importedFrom})`);
  return names;
}

/** Coder ids mapped to names, for views that show who coded what. */
export async function coderNames({
  store,
  slug,
}: {
  store: DocumentStore;
  slug: string;
}): Promise<Map<string, string>> {
  return new Map((await listCoders({ store, slug })).map((coder) => [coder.id, coder.name]));
}

/**
 * The coder id for each user of an imported REFI-QDA project: a workbench account with the same name when
 * there is one (the researcher re-importing their own work), otherwise an external coder, created once
 * per REFI user GUID so that importing the same project again reuses it.
 */
export async function resolveRefiCoders({
  store,
  slug,
  users,
  importedFrom,
}: {
  store: DocumentStore;
  slug: string;
  users: Array<{ guid: string; name: string }>;
  importedFrom: string;
}): Promise<Map<string, string>> {
  const accounts = await listUsers({ store });
  const byName = new Map(
    accounts.map((account) => [account.name.trim().toLowerCase(), account.id]),
  );
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
        coder = {
          id: `refi-${user.guid}`,
          name: user.name || "Unnamed coder",
          refiGuid: user.guid,
          importedFrom,
          importedAt: nowIso(),
        };
        data.coders.push(coder);
      }
      resolved.set(user.guid, coder.id);
    }
  });
  return resolved;
}
