/**
 * Stations (代表之家, 代表联络站, 基层立法联系点) and their deputies: read, create, edit, link.
 * Every change is audited in the same transaction.
 */
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { stationDeputies, stations, users } from '../../db/schema';
import { getDb, type DbOrTx } from '../../db/client';
import { AppError } from '../errors';
import { recordAudit, type Actor } from '../audit';
import { stationInput, type StationInput } from './schemas';
import { parseOrFail } from '../validation';

export type Station = typeof stations.$inferSelect;

export interface StationDeputy {
  id: string;
  name: string | null;
  email: string | null;
}

/** All stations, by district then code. */
export async function listStations(db: DbOrTx = getDb()): Promise<Station[]> {
  return db.select().from(stations).orderBy(asc(stations.district), asc(stations.code));
}

/** All stations' codes and names, for the form that links a new deputy account (empty until stations are imported). */
export async function listStationChoices(db: DbOrTx = getDb()): Promise<Array<{ code: string; name: string }>> {
  return db.select({ code: stations.code, name: stations.name }).from(stations).orderBy(stations.code).limit(2000);
}

/** The station with `code` (case-insensitive), or StationNotFound. */
export async function getStationByCode(code: string, db: DbOrTx = getDb()): Promise<Station> {
  const [row] = await db.select().from(stations).where(eq(stations.code, code.trim().toUpperCase())).limit(1);
  if (!row) throw new AppError('StationNotFound');
  return row;
}

export async function getStationById(id: string, db: DbOrTx = getDb()): Promise<Station> {
  const [row] = await db.select().from(stations).where(eq(stations.id, id)).limit(1);
  if (!row) throw new AppError('StationNotFound');
  return row;
}

/** Creates a station; a code already in use is a field error on `code`. */
export async function createStation(input: unknown, actor: Actor, db: DbOrTx = getDb()): Promise<Station> {
  const data = parseOrFail(stationInput, input);
  return db.transaction(async (tx) => {
    const [taken] = await tx.select({ id: stations.id }).from(stations).where(eq(stations.code, data.code)).limit(1);
    if (taken) throw new AppError('ValidationFailed', {}, [{ field: 'code', key: 'station.codeTaken' }]);
    const [row] = await tx.insert(stations).values(toRow(data)).returning();
    await recordAudit(tx, actor, { action: 'station.create', objectType: 'station', objectId: row.id, after: row });
    return row;
  });
}

/** Edits the station with `id` (its code may change if the new one is free). */
export async function updateStation(id: string, input: unknown, actor: Actor, db: DbOrTx = getDb()): Promise<Station> {
  const data = parseOrFail(stationInput, input);
  return db.transaction(async (tx) => {
    const before = await getStationById(id, tx);
    if (data.code !== before.code) {
      const [taken] = await tx.select({ id: stations.id }).from(stations).where(eq(stations.code, data.code)).limit(1);
      if (taken) throw new AppError('ValidationFailed', {}, [{ field: 'code', key: 'station.codeTaken' }]);
    }
    const [row] = await tx.update(stations).set(toRow(data)).where(eq(stations.id, id)).returning();
    await recordAudit(tx, actor, { action: 'station.update', objectType: 'station', objectId: id, before, after: row });
    return row;
  });
}

export function toRow(data: StationInput) {
  return {
    code: data.code,
    name: data.name,
    type: data.type,
    district: data.district,
    street: data.street ?? null,
    address: data.address ?? null,
  };
}

/** The deputies linked to a station. */
export async function listStationDeputies(stationId: string, db: DbOrTx = getDb()): Promise<StationDeputy[]> {
  return db
    .select({ id: users.id, name: users.name, email: users.email })
    .from(stationDeputies)
    .innerJoin(users, eq(users.id, stationDeputies.userId))
    .where(eq(stationDeputies.stationId, stationId))
    .orderBy(asc(users.name), asc(users.email));
}

/** The stations a deputy belongs to (usually one). */
export async function stationsOfDeputy(userId: string, db: DbOrTx = getDb()): Promise<Station[]> {
  const links = await db.select({ stationId: stationDeputies.stationId }).from(stationDeputies).where(eq(stationDeputies.userId, userId));
  if (!links.length) return [];
  return db.select().from(stations).where(inArray(stations.id, links.map((l) => l.stationId))).orderBy(asc(stations.code));
}

/** Links the deputy account with `email` to a station; only accounts with the deputy role. */
export async function addStationDeputy(stationId: string, email: string, actor: Actor, db: DbOrTx = getDb()): Promise<StationDeputy> {
  const address = email.trim().toLowerCase();
  return db.transaction(async (tx) => {
    await getStationById(stationId, tx);
    const [user] = await tx
      .select({ id: users.id, name: users.name, email: users.email, role: users.role })
      .from(users)
      .where(sql`lower(${users.email}) = ${address}`)
      .limit(1);
    if (!user) throw new AppError('ValidationFailed', {}, [{ field: 'email', key: 'station.deputyUnknown' }]);
    if (user.role !== 'deputy') throw new AppError('ValidationFailed', {}, [{ field: 'email', key: 'station.notDeputy' }]);
    await tx.insert(stationDeputies).values({ stationId, userId: user.id }).onConflictDoNothing();
    await recordAudit(tx, actor, { action: 'station.deputy.add', objectType: 'station', objectId: stationId, after: { userId: user.id } });
    return { id: user.id, name: user.name, email: user.email };
  });
}

/** Unlinks a deputy from a station (their comments keep their attribution). */
export async function removeStationDeputy(stationId: string, userId: string, actor: Actor, db: DbOrTx = getDb()): Promise<void> {
  await db.transaction(async (tx) => {
    const removed = await tx
      .delete(stationDeputies)
      .where(and(eq(stationDeputies.stationId, stationId), eq(stationDeputies.userId, userId)))
      .returning();
    if (!removed.length) throw new AppError('UserNotFound');
    await recordAudit(tx, actor, { action: 'station.deputy.remove', objectType: 'station', objectId: stationId, before: { userId } });
  });
}
