/**
 * The append-only audit trail (docs/decisions/012-audit-hmac-and-anchors.md). Each event carries
 * the hash of the previous one; the hash is an HMAC-SHA256 under the audit key (keys.ts), which
 * is never stored in the database, so someone who can write the table cannot recompute the
 * chain after editing a row. Rows written before the key existed carry a plain SHA-256 and no
 * key id; they are accepted only before the first keyed row. Removing the newest rows is caught
 * by the anchors kept outside the database (audit-anchor.ts).
 */
import { asc, desc, gt, sql } from 'drizzle-orm';
import { sha256 } from '@oslojs/crypto/sha2';
import { encodeHexLowerCase } from '@oslojs/encoding';
import { auditEvents } from '../db/schema';
import type { DbOrTx } from '../db/client';
import { hmacSha256, keyRing, type KeyRing } from './keys';

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

export const GENESIS = '0'.repeat(64);
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

function payload(prevHash: string, e: Hashable, keyId?: string): string {
  return canonicalJson({
    prevHash,
    ...(keyId !== undefined && { keyId }),
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
}

/** The plain SHA-256 of a legacy row (key_id null), written before the audit key existed. */
export function hashEvent(prevHash: string, e: Hashable): string {
  return encodeHexLowerCase(sha256(new TextEncoder().encode(payload(prevHash, e))));
}

/** The HMAC-SHA256 of a keyed row under `key`, whose public id `keyId` is part of what is signed. */
export function hmacEvent(key: Buffer, keyId: string, prevHash: string, e: Hashable): string {
  return hmacSha256(key).update(payload(prevHash, e, keyId)).digest('hex');
}

/** JSON round trip, so what is hashed is exactly what jsonb will give back (no Dates, no undefined). */
function plain(value: unknown): unknown {
  return value === undefined ? null : JSON.parse(JSON.stringify(value));
}

/**
 * Appends one audit event, signed with the current audit key. Call it inside the transaction that
 * makes the change, so the event and the change commit together. Takes a transaction-scoped lock
 * to keep the chain linear (ids then follow the chain's order, which the anchors rely on).
 */
export async function recordAudit(tx: DbOrTx, actor: Actor, input: AuditInput): Promise<void> {
  const ring = keyRing('audit');
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
  const hash = hmacEvent(ring.current, ring.currentId, prevHash, event);
  await tx.insert(auditEvents).values({ ...event, prevHash, hash, keyId: ring.currentId });
}

/** What an anchor (audit-anchor.ts) says the chain held when it was written. */
export interface AnchorClaim {
  lastId: number;
  count: number;
  head: string;
  /** Where the anchor was read, for messages ("file:line"). */
  source: string;
}

export type ChainProblem =
  /** The row's stored link is not the previous row's hash: a row before it was removed or altered. */
  | { kind: 'link'; id: number }
  /** The row's hash does not match its content: the row was altered. */
  | { kind: 'hash'; id: number }
  /** A row without a key id after a keyed one: written by someone without the key. */
  | { kind: 'legacyAfterKeyed'; id: number }
  /** The row names a key this process does not know (missing from AUDIT_PREVIOUS_KEYS). */
  | { kind: 'unknownKey'; id: number; keyId: string }
  /** The anchored row exists but its hash, or the number of rows up to it, differs from the anchor. */
  | { kind: 'anchorMismatch'; id: number; anchor: AnchorClaim; count: number; head: string }
  /** The anchored row is gone: the end of the chain was cut off (or the row removed). */
  | { kind: 'anchorMissing'; id: number; anchor: AnchorClaim; lastRowId: number; count: number };

export interface ChainReport {
  ok: boolean;
  checked: number;
  /** The first event whose hash or link does not match (or that an anchor names). */
  brokenAt?: number;
  problem?: ChainProblem;
}

export interface ChainCheck extends ChainReport {
  /** How many anchors were compared with the chain. */
  anchorsChecked: number;
  /** The last row verified, with the number of rows up to it: what a new anchor would state. */
  head: { lastId: number; count: number; head: string } | null;
}

export interface CheckOptions {
  /** Anchors whose MAC has been checked (audit-anchor.ts readAnchors). */
  anchors?: AnchorClaim[];
  pageSize?: number;
  ring?: KeyRing;
}

/**
 * Walks the chain in id order, in pages: recomputes every hash (HMAC under the key the row
 * names, or SHA-256 for legacy rows before the first keyed one), checks every link, and checks
 * each anchor when the walk reaches its row (same hash, same number of rows up to it). Reports
 * the first problem.
 */
export async function checkAuditChain(db: DbOrTx, opts: CheckOptions = {}): Promise<ChainCheck> {
  const ring = opts.ring ?? keyRing('audit');
  const pageSize = opts.pageSize ?? 5000;
  const anchors = [...(opts.anchors ?? [])].sort((a, b) => a.lastId - b.lastId);
  let next = 0;
  let prevHash = GENESIS;
  let lastId = 0;
  let checked = 0;
  let keyed = false;
  const fail = (problem: ChainProblem): ChainCheck =>
    ({ ok: false, checked, brokenAt: problem.id, problem, anchorsChecked: next, head: null });
  for (;;) {
    const rows = await db.select().from(auditEvents).where(gt(auditEvents.id, lastId)).orderBy(asc(auditEvents.id)).limit(pageSize);
    for (const row of rows) {
      // An anchor naming an id we have passed without meeting: its row is gone.
      if (next < anchors.length && anchors[next].lastId < row.id) {
        return fail({ kind: 'anchorMissing', id: anchors[next].lastId, anchor: anchors[next], lastRowId: lastId, count: checked });
      }
      let expected: string;
      if (row.keyId === null) {
        if (keyed) return fail({ kind: 'legacyAfterKeyed', id: row.id });
        expected = hashEvent(prevHash, row);
      } else {
        const key = ring.byId.get(row.keyId);
        if (!key) return fail({ kind: 'unknownKey', id: row.id, keyId: row.keyId });
        keyed = true;
        expected = hmacEvent(key, row.keyId, prevHash, row);
      }
      if (row.prevHash !== prevHash) return fail({ kind: 'link', id: row.id });
      if (row.hash !== expected) return fail({ kind: 'hash', id: row.id });
      prevHash = row.hash;
      lastId = row.id;
      checked++;
      while (next < anchors.length && anchors[next].lastId === row.id) {
        const anchor = anchors[next];
        if (anchor.head !== row.hash || anchor.count !== checked) {
          return fail({ kind: 'anchorMismatch', id: row.id, anchor, count: checked, head: row.hash });
        }
        next++;
      }
    }
    if (rows.length < pageSize) break;
  }
  if (next < anchors.length) {
    // The last anchor names more than the table holds: the newest rows were cut off.
    const anchor = anchors[anchors.length - 1];
    return fail({ kind: 'anchorMissing', id: anchor.lastId, anchor, lastRowId: lastId, count: checked });
  }
  return { ok: true, checked, anchorsChecked: next, head: checked ? { lastId, count: checked, head: prevHash } : null };
}

/** The chain's verdict without anchors (the admin page): { ok, checked } or the first break. */
export async function verifyAuditChain(db: DbOrTx, pageSize = 5000): Promise<ChainReport> {
  const { ok, checked, brokenAt, problem } = await checkAuditChain(db, { pageSize });
  return ok ? { ok, checked } : { ok, checked, brokenAt, problem };
}
