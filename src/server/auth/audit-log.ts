/** Reading the audit trail for the admin page: newest first, paged by id, filtered. */
import { and, desc, eq, like, lt, type SQL } from 'drizzle-orm';
import { getDb, type DbOrTx } from '../../db/client';
import { auditEvents } from '../../db/schema';
import { verifyAuditChain, type ChainReport } from '../audit';

export type AuditRow = typeof auditEvents.$inferSelect;

export interface AuditFilter {
  /** A prefix of the action, e.g. `auth.` or `user.create`. */
  action?: string;
  /** Only that action, not the others it begins (auth.signin without auth.signin.failed). */
  actionExact?: boolean;
  actorId?: string;
  objectId?: string;
  /** Only events with a smaller id (the next page). */
  beforeId?: number;
  limit?: number;
}

export async function listAuditEvents(filter: AuditFilter = {}, db: DbOrTx = getDb()): Promise<AuditRow[]> {
  const where: SQL[] = [];
  if (filter.action && filter.actionExact) where.push(eq(auditEvents.action, filter.action));
  else if (filter.action) where.push(like(auditEvents.action, `${filter.action.replace(/[\\%_]/g, (c) => `\\${c}`)}%`));
  if (filter.actorId && /^[0-9a-f-]{36}$/i.test(filter.actorId)) where.push(eq(auditEvents.actorId, filter.actorId));
  if (filter.objectId) where.push(eq(auditEvents.objectId, filter.objectId));
  if (filter.beforeId) where.push(lt(auditEvents.id, filter.beforeId));
  return db.select().from(auditEvents).where(where.length ? and(...where) : undefined)
    .orderBy(desc(auditEvents.id)).limit(filter.limit ?? 50);
}

/** The check of the whole hash chain the admin page offers (audit.ts verifyAuditChain). */
export async function checkAuditTrail(db: DbOrTx = getDb()): Promise<ChainReport> {
  return verifyAuditChain(db);
}
