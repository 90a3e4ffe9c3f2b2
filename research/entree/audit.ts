import { projectSql } from "../collection/corpus.js";
import { nowIso } from "../shared/ids.js";
import { inTransaction, type DocumentStore, type Queryable } from "../store/index.js";
import type { AuditEntry } from "./model.js";

type WithProject = { store: DocumentStore; slug: string };
export type AuditEventInput = { by: string; action: string; detail: string };

/**
 * Adds an audit event inside a transaction the caller already holds, so the event is stored exactly when
 * the change it describes is (an erasure, a consent change). `detail` holds ids, counts and reasons only.
 */
export async function insertAuditEvent(
  trx: Queryable,
  projectId: string,
  { by, action, detail }: AuditEventInput,
): Promise<void> {
  await trx
    .insertInto("audit_events")
    .values({ project_id: projectId, at: nowIso(), by, action, detail })
    .execute();
}

/**
 * Adds an audit event on its own (for changes that live in documents, such as a removed quote). Inside a
 * transaction use insertAuditEvent with its `trx`: this opens a transaction of its own.
 */
export async function appendAudit({
  store,
  slug,
  ...event
}: WithProject & AuditEventInput): Promise<void> {
  const { database, projectId } = await projectSql({ store, slug });
  await inTransaction(database, (trx) => insertAuditEvent(trx, projectId, event));
}

/** The project's audit events, newest first, one page at a time. */
export async function listAudit({
  store,
  slug,
  limit = 50,
  offset = 0,
}: WithProject & { limit?: number; offset?: number }): Promise<AuditEntry[]> {
  const { db, projectId } = await projectSql({ store, slug });
  const rows = await db
    .selectFrom("audit_events")
    .select(["at", "by", "action", "detail"])
    .where("project_id", "=", projectId)
    .orderBy("seq", "desc")
    .limit(Math.max(1, Math.min(limit, 500)))
    .offset(Math.max(0, offset))
    .execute();
  return rows;
}

/** How many audit events the project has (for paging). */
export async function countAudit({ store, slug }: WithProject): Promise<number> {
  const { db, projectId } = await projectSql({ store, slug });
  const row = await db
    .selectFrom("audit_events")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("project_id", "=", projectId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
