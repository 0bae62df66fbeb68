/**
 * Kiosks: devices enrolled to one station. Staff create a one-time enrollment code (short,
 * expiring, stored only as SHA-256); entering it on the device exchanges it for a long random
 * device credential (also stored only as SHA-256) that the device keeps in an HttpOnly cookie.
 * Revoking a kiosk refuses its credential at once. docs/decisions/005-kiosks.md explains why.
 */
import { and, desc, eq, gt, isNull, sql } from 'drizzle-orm';
import { randomInt } from 'node:crypto';
import { kiosks, stations } from '../../db/schema';
import { getDb, type DbOrTx } from '../../db/client';
import { AppError } from '../errors';
import { recordAudit, type Actor } from '../audit';
import { generateToken, sha256Hex } from '../auth/secrets';
import { getStationById, type Station } from './stations';

export type Kiosk = typeof kiosks.$inferSelect;

/** Letters and digits that cannot be mistaken for each other when read aloud or typed (no 0/O, 1/I/L). */
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const CODE_LENGTH = 8;
export const ENROLLMENT_TTL_HOURS = 24;
/** How often last_seen_at is refreshed, at most. */
const SEEN_EVERY_MS = 60_000;

/** A fresh enrollment code, e.g. "K7QM-2PXA". */
export function generateEnrollmentCode(): string {
  let s = '';
  for (let i = 0; i < CODE_LENGTH; i++) s += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return `${s.slice(0, 4)}-${s.slice(4)}`;
}

/** The form in which a code is hashed: upper case, without spaces or dashes. */
export function normaliseEnrollmentCode(code: string): string {
  return code.toUpperCase().replace(/[\s-]/g, '');
}

export interface Enrollment {
  kiosk: Kiosk;
  station: Station;
  /** Shown once; only its hash is stored. */
  code: string;
  expiresAt: Date;
}

/** Creates a kiosk for `stationId` with a one-time enrollment code valid for 24 hours. */
export async function createEnrollment(
  input: { stationId: string; label?: string },
  actor: Actor,
  db: DbOrTx = getDb(),
  now = new Date(),
): Promise<Enrollment> {
  const label = (input.label ?? '').trim().slice(0, 60);
  const code = generateEnrollmentCode();
  const expiresAt = new Date(now.getTime() + ENROLLMENT_TTL_HOURS * 3600_000);
  return db.transaction(async (tx) => {
    const station = await getStationById(input.stationId, tx);
    const [kiosk] = await tx
      .insert(kiosks)
      .values({ stationId: station.id, label, enrollmentCodeHash: sha256Hex(normaliseEnrollmentCode(code)), enrollmentExpiresAt: expiresAt })
      .returning();
    await recordAudit(tx, actor, { action: 'kiosk.enrollment.create', objectType: 'kiosk', objectId: kiosk.id, after: { stationId: station.id, label, expiresAt } });
    return { kiosk, station, code, expiresAt };
  });
}

/**
 * Exchanges a valid, unexpired, unused enrollment code for a device credential. The code is
 * consumed in the same statement, so two devices racing with one code cannot both succeed.
 * Throws EnrollmentCodeInvalid otherwise.
 */
export async function enrollKiosk(
  code: string,
  meta: { ip?: string | null } = {},
  db: DbOrTx = getDb(),
): Promise<{ kiosk: Kiosk; station: Station; credential: string }> {
  const normal = normaliseEnrollmentCode(code);
  if (normal.length !== CODE_LENGTH) throw new AppError('EnrollmentCodeInvalid');
  const credential = generateToken(32);
  return db.transaction(async (tx) => {
    const [kiosk] = await tx
      .update(kiosks)
      .set({ credentialHash: sha256Hex(credential), enrolledAt: sql`now()`, lastSeenAt: sql`now()`, enrollmentCodeHash: null, enrollmentExpiresAt: null })
      .where(and(eq(kiosks.enrollmentCodeHash, sha256Hex(normal)), gt(kiosks.enrollmentExpiresAt, sql`now()`), isNull(kiosks.revokedAt)))
      .returning();
    if (!kiosk) throw new AppError('EnrollmentCodeInvalid');
    const station = await getStationById(kiosk.stationId, tx);
    await recordAudit(tx, { id: kiosk.id, kind: 'kiosk', ip: meta.ip ?? null }, { action: 'kiosk.enroll', objectType: 'kiosk', objectId: kiosk.id });
    return { kiosk, station, credential };
  });
}

export interface KioskPrincipal {
  role: 'kiosk';
  kioskId: string;
  label: string;
  station: Pick<Station, 'id' | 'code' | 'name' | 'district' | 'street'>;
}

/**
 * The kiosk holding `credential`, or null when it is unknown or revoked. Refreshes last_seen_at
 * at most once a minute.
 */
export async function authenticateKiosk(credential: string | null | undefined, db: DbOrTx = getDb()): Promise<KioskPrincipal | null> {
  if (!credential || credential.length < 20 || credential.length > 200) return null;
  const [row] = await db
    .select({ kiosk: kiosks, station: { id: stations.id, code: stations.code, name: stations.name, district: stations.district, street: stations.street } })
    .from(kiosks)
    .innerJoin(stations, eq(stations.id, kiosks.stationId))
    .where(and(eq(kiosks.credentialHash, sha256Hex(credential)), isNull(kiosks.revokedAt)))
    .limit(1);
  if (!row) return null;
  if (!row.kiosk.lastSeenAt || Date.now() - row.kiosk.lastSeenAt.getTime() > SEEN_EVERY_MS) {
    await db.update(kiosks).set({ lastSeenAt: sql`now()` }).where(eq(kiosks.id, row.kiosk.id));
  }
  return { role: 'kiosk', kioskId: row.kiosk.id, label: row.kiosk.label, station: row.station };
}

/** Like authenticateKiosk, but throws KioskUnauthorized (401) instead of returning null. */
export async function requireKiosk(credential: string | null | undefined, db: DbOrTx = getDb()): Promise<KioskPrincipal> {
  const kiosk = await authenticateKiosk(credential, db);
  if (!kiosk) throw new AppError('KioskUnauthorized');
  return kiosk;
}

/** Revokes a kiosk: its credential and any unused enrollment code stop working at once. */
export async function revokeKiosk(kioskId: string, actor: Actor, db: DbOrTx = getDb()): Promise<Kiosk> {
  return db.transaction(async (tx) => {
    const [before] = await tx.select().from(kiosks).where(eq(kiosks.id, kioskId)).limit(1);
    if (!before) throw new AppError('KioskNotFound');
    if (before.revokedAt) return before;
    const [kiosk] = await tx
      .update(kiosks)
      .set({ revokedAt: sql`now()`, enrollmentCodeHash: null, enrollmentExpiresAt: null })
      .where(eq(kiosks.id, kioskId))
      .returning();
    await recordAudit(tx, actor, { action: 'kiosk.revoke', objectType: 'kiosk', objectId: kioskId, before: { revokedAt: null }, after: { revokedAt: kiosk.revokedAt } });
    return kiosk;
  });
}

export type KioskState = 'pending' | 'expired' | 'active' | 'revoked';

export interface KioskRow {
  id: string;
  label: string;
  state: KioskState;
  station: { id: string; code: string; name: string };
  enrollmentExpiresAt: Date | null;
  enrolledAt: Date | null;
  lastSeenAt: Date | null;
  revokedAt: Date | null;
  createdAt: Date;
}

/** The state of a kiosk for the admin pages. */
export function kioskState(k: Pick<Kiosk, 'revokedAt' | 'credentialHash' | 'enrollmentExpiresAt'>, now = new Date()): KioskState {
  if (k.revokedAt) return 'revoked';
  if (k.credentialHash) return 'active';
  return k.enrollmentExpiresAt && k.enrollmentExpiresAt > now ? 'pending' : 'expired';
}

/** Kiosks, newest first, optionally of one station. */
export async function listKiosks(opts: { stationId?: string } = {}, db: DbOrTx = getDb()): Promise<KioskRow[]> {
  const rows = await db
    .select({ kiosk: kiosks, station: { id: stations.id, code: stations.code, name: stations.name } })
    .from(kiosks)
    .innerJoin(stations, eq(stations.id, kiosks.stationId))
    .where(opts.stationId ? eq(kiosks.stationId, opts.stationId) : undefined)
    .orderBy(desc(kiosks.createdAt))
    .limit(1000);
  return rows.map(({ kiosk: k, station }) => ({
    id: k.id,
    label: k.label,
    state: kioskState(k),
    station,
    enrollmentExpiresAt: k.enrollmentExpiresAt,
    enrolledAt: k.enrolledAt,
    lastSeenAt: k.lastSeenAt,
    revokedAt: k.revokedAt,
    createdAt: k.createdAt,
  }));
}
