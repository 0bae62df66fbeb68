/**
 * Accounts: finding one by email or phone, creating one (sign-up, admin page, CLI), activating
 * and deactivating, listing for the admin pages.
 */
import { maskContact } from '../mask-contact';
import { and, desc, eq, ilike, inArray, or, sql, type SQL } from 'drizzle-orm';
import { getDb, type DbOrTx } from '../../db/client';
import { sessions, stationDeputies, stations, users } from '../../db/schema';
import { AppError } from '../errors';
import { recordAudit, type Actor } from '../audit';
import { hashPassword } from './passwords';
import type { AccountId } from './schemas';
import type { Role, SessionUser } from './session-user';

export type UserRow = typeof users.$inferSelect;

export function toSessionUser(u: UserRow, via: SessionUser['via']): SessionUser {
  return { id: u.id, role: u.role, name: u.name, email: u.email, phone: u.phone, district: u.district, occupation: u.occupation, via };
}

/** What the audit trail keeps of an account: no password hash, contacts masked. */
export function auditView(u: Pick<UserRow, 'role' | 'name' | 'email' | 'phone' | 'district' | 'occupation' | 'active'>) {
  return { role: u.role, name: u.name, email: maskContact(u.email), phone: maskContact(u.phone), district: u.district, occupation: u.occupation, active: u.active };
}

export async function findUserByAccount(id: AccountId, db: DbOrTx = getDb()): Promise<UserRow | undefined> {
  const [row] = await db.select().from(users).where(id.kind === 'email' ? eq(users.email, id.value) : eq(users.phone, id.value)).limit(1);
  return row;
}

export async function getUser(userId: string, db: DbOrTx = getDb()): Promise<UserRow> {
  if (!/^[0-9a-f-]{36}$/i.test(userId)) throw new AppError('UserNotFound');
  const [row] = await db.select().from(users).where(eq(users.id, userId)).limit(1);
  if (!row) throw new AppError('UserNotFound');
  return row;
}

export interface NewUser {
  role: Role;
  account: AccountId;
  /** The password, or its argon2id hash when the caller has hashed it already (sign-up). */
  password?: string;
  passwordHash?: string;
  /** A citizen's sign-up waiting for its code (auth/sign-up.ts). */
  signupPending?: boolean;
  name?: string | null;
  district?: string | null;
  occupation?: string | null;
  /** Deputies: codes of the liaison stations they belong to. */
  stations?: string[];
}

/**
 * Creates an account (password hashed with argon2id) and links a deputy to their stations, in
 * one transaction with its audit event. Throws AccountExists when the email or phone is taken,
 * StationNotFound for an unknown station code.
 */
export async function createUser(input: NewUser, actor: Actor, db: DbOrTx = getDb()): Promise<UserRow> {
  const passwordHash = input.passwordHash ?? await hashPassword(input.password ?? '');
  const codes = [...new Set(input.stations ?? [])];
  if (codes.length && input.role !== 'deputy') throw new AppError('ValidationFailed', {}, [{ field: 'stations', key: 'auth.field.stationsDeputyOnly' }]);
  return db.transaction(async (tx) => {
    if (await findUserByAccount(input.account, tx)) throw new AppError('AccountExists');
    const found = codes.length ? await tx.select({ id: stations.id, code: stations.code }).from(stations).where(inArray(stations.code, codes)) : [];
    const missing = codes.find((c) => !found.some((s) => s.code === c));
    if (missing) throw new AppError('StationNotFound', { code: missing });
    const [user] = await tx.insert(users).values({
      role: input.role,
      email: input.account.kind === 'email' ? input.account.value : null,
      phone: input.account.kind === 'phone' ? input.account.value : null,
      passwordHash,
      signupPending: input.signupPending ?? false,
      name: input.name || null,
      district: input.district || null,
      occupation: input.occupation || null,
    }).returning();
    if (found.length) await tx.insert(stationDeputies).values(found.map((s) => ({ stationId: s.id, userId: user.id })));
    await recordAudit(tx, actor, {
      action: 'user.create', objectType: 'user', objectId: user.id,
      after: { ...auditView(user), stations: found.map((s) => s.code) },
    });
    return user;
  }).catch((err: unknown) => {
    // Two sign-ups with one email at the same moment: the unique index decides.
    if (isUniqueViolation(err)) throw new AppError('AccountExists');
    throw err;
  });
}

function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; cause?: { code?: string } };
  return e?.code === '23505' || e?.cause?.code === '23505';
}

/** Ends every session of a user (admin action), with its audit event; returns how many. */
export async function endAllSessions(userId: string, actor: Actor, db: DbOrTx = getDb()): Promise<number> {
  return db.transaction(async (tx) => {
    await getUser(userId, tx);
    const ended = (await tx.delete(sessions).where(eq(sessions.userId, userId)).returning({ id: sessions.id })).length;
    await recordAudit(tx, actor, { action: 'user.sessions.end', objectType: 'user', objectId: userId, after: { sessionsEnded: ended } });
    return ended;
  });
}

/**
 * Activates or deactivates an account. Deactivating ends all its sessions at once; its API
 * tokens stop working while it is inactive. An admin cannot deactivate themself.
 */
export async function setUserActive(userId: string, active: boolean, actor: Actor, db: DbOrTx = getDb()): Promise<UserRow> {
  if (!active && actor.id === userId) throw new AppError('ValidationFailed', {}, [{ field: 'active', key: 'auth.admin.notSelf' }]);
  return db.transaction(async (tx) => {
    const before = await getUser(userId, tx);
    if (before.active === active) return before;
    const [after] = await tx.update(users).set({ active }).where(eq(users.id, userId)).returning();
    let ended = 0;
    if (!active) ended = (await tx.delete(sessions).where(eq(sessions.userId, userId)).returning({ id: sessions.id })).length;
    await recordAudit(tx, actor, {
      action: active ? 'user.activate' : 'user.deactivate', objectType: 'user', objectId: userId,
      before: { active: before.active }, after: { active, sessionsEnded: ended },
    });
    return after;
  });
}

export interface UserListItem {
  id: string; role: Role; name: string | null; email: string | null; phone: string | null;
  active: boolean; createdAt: Date; sessions: number; tokens: number;
}

/** Accounts for the admin list, newest first, filtered by role and by a name/contact search. */
export async function listUsers(filter: { role?: Role; q?: string; limit?: number } = {}, db: DbOrTx = getDb()): Promise<UserListItem[]> {
  const where: SQL[] = [];
  if (filter.role) where.push(eq(users.role, filter.role));
  if (filter.q) {
    const like = `%${filter.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    where.push(or(ilike(users.name, like), ilike(users.email, like), ilike(users.phone, like))!);
  }
  return db.select({
    id: users.id, role: users.role, name: users.name, email: users.email, phone: users.phone,
    active: users.active, createdAt: users.createdAt,
    // Written out: drizzle leaves columns unqualified inside sql``, and "id" would mean sessions.id.
    sessions: sql<number>`(select count(*)::int from sessions s where s.user_id = users.id)`,
    tokens: sql<number>`(select count(*)::int from api_tokens k where k.user_id = users.id and k.revoked_at is null)`,
  }).from(users).where(where.length ? and(...where) : undefined).orderBy(desc(users.createdAt)).limit(filter.limit ?? 200);
}
