/**
 * The append-only audit trail. Each event carries the SHA-256 of the previous one, so editing
 * or removing a row (which the database refuses anyway) is detectable by verifyAuditChain().
 */
import { asc, desc, gt, sql } from 'drizzle-orm';
import { sha256 } from '@oslojs/crypto/sha2';
import { encodeHexLowerCase } from '@oslojs/encoding';
import { auditEvents } from '../db/schema';
import type { DbOrTx } from '../db/client';

export interface Actor {
  id: string | null;
  kind: 'user' | 'system' | 'kiosk' | 'token' | 'anonymous';
  ip?: string | null;
}

export const systemActor: Actor = { id: null, kind: 'system' };

export interface AuditInput {
  action: string;
  objectType?: string;
  objectId?: string;
  before?: unknown;
  after?: unknown;
}

const GENESIS = '0'.repeat(64);
const AUDIT_LOCK = 4711002;

/** Serialises a value with sorted keys so the hash does not depend on jsonb's key order. */
export function canonicalJson(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

interface Hashable {
  at: Date;
  actorId: string | null;
  actorKind: string;
  action: string;
  objectType: string | null;
  objectId: string | null;
  ip: string | null;
  before: unknown;
  after: unknown;
}

export function hashEvent(prevHash: string, e: Hashable): string {
  const payload = canonicalJson({
    prevHash,
    at: e.at.toISOString(),
    actorId: e.actorId,
    actorKind: e.actorKind,
    action: e.action,
    objectType: e.objectType,
    objectId: e.objectId,
    ip: e.ip,
    before: e.before ?? null,
    after: e.after ?? null,
  });
  return encodeHexLowerCase(sha256(new TextEncoder().encode(payload)));
}

/** JSON round trip, so what is hashed is exactly what jsonb will give back (no Dates, no undefined). */
function plain(value: unknown): unknown {
  return value === undefined ? null : JSON.parse(JSON.stringify(value));
}

/**
 * Appends one audit event. Call it inside the transaction that makes the change, so the event
 * and the change commit together. Takes a transaction-scoped lock to keep the chain linear.
 */
export async function recordAudit(tx: DbOrTx, actor: Actor, input: AuditInput): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${AUDIT_LOCK})`);
  const [last] = await tx.select({ hash: auditEvents.hash }).from(auditEvents).orderBy(desc(auditEvents.id)).limit(1);
  const prevHash = last?.hash ?? GENESIS;
  const event: Hashable = {
    at: new Date(),
    actorId: actor.id,
    actorKind: actor.kind,
    action: input.action,
    objectType: input.objectType ?? null,
    objectId: input.objectId ?? null,
    ip: actor.ip ?? null,
    before: plain(input.before),
    after: plain(input.after),
  };
  await tx.insert(auditEvents).values({ ...event, prevHash, hash: hashEvent(prevHash, event) });
}

export interface ChainReport {
  ok: boolean;
  checked: number;
  /** The first event whose hash or link does not match. */
  brokenAt?: number;
}

/** Recomputes every hash in order, in pages, and reports the first break. */
export async function verifyAuditChain(db: DbOrTx, pageSize = 5000): Promise<ChainReport> {
  let prevHash = GENESIS;
  let lastId = 0;
  let checked = 0;
  for (;;) {
    const rows = await db.select().from(auditEvents).where(gt(auditEvents.id, lastId)).orderBy(asc(auditEvents.id)).limit(pageSize);
    if (!rows.length) return { ok: true, checked };
    for (const row of rows) {
      const expected = hashEvent(prevHash, { ...row, before: row.before, after: row.after });
      if (row.prevHash !== prevHash || row.hash !== expected) return { ok: false, checked, brokenAt: row.id };
      prevHash = row.hash;
      lastId = row.id;
      checked++;
    }
  }
}
