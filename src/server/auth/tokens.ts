/**
 * Bearer tokens for staff API clients: created by an admin (page or `npm run tokens:create`)
 * for a staff or admin account, shown once, stored only as SHA-256, revocable.
 */
import { and, desc, eq, isNull } from 'drizzle-orm';
import { getDb, type DbOrTx } from '../../db/client';
import { apiTokens, users } from '../../db/schema';
import { recordAudit, type Actor } from '../audit';
import { AppError } from '../errors';
import { generateToken, sha256Hex } from './secrets';
import { getUser, toSessionUser } from './users';
import type { SessionUser } from './session-user';

const PREFIX = 'kmn_';
/** lastUsedAt is written at most once a minute per token. */
const TOUCH_MS = 60_000;

/** Creates a token for a staff or admin account and returns the secret (the only time it is seen). */
export async function createApiToken(
  input: { userId: string; label: string }, actor: Actor, db: DbOrTx = getDb(),
): Promise<{ id: string; token: string }> {
  const user = await getUser(input.userId, db);
  if (user.role !== 'staff' && user.role !== 'admin') {
    throw new AppError('ValidationFailed', {}, [{ field: 'userId', key: 'auth.field.tokenUser' }]);
  }
  if (!user.active) throw new AppError('ValidationFailed', {}, [{ field: 'userId', key: 'auth.field.tokenUserInactive' }]);
  const token = PREFIX + generateToken(24);
  return db.transaction(async (tx) => {
    const [row] = await tx.insert(apiTokens).values({ userId: user.id, tokenHash: sha256Hex(token), label: input.label }).returning({ id: apiTokens.id });
    await recordAudit(tx, actor, { action: 'token.create', objectType: 'api_token', objectId: row.id, after: { userId: user.id, label: input.label } });
    return { id: row.id, token };
  });
}

/** Revokes a token at once; revoking twice changes nothing. Throws NotFound. */
export async function revokeApiToken(tokenId: string, actor: Actor, db: DbOrTx = getDb(), now = new Date()): Promise<void> {
  if (!/^[0-9a-f-]{36}$/i.test(tokenId)) throw new AppError('NotFound');
  await db.transaction(async (tx) => {
    const [row] = await tx.select().from(apiTokens).where(eq(apiTokens.id, tokenId)).limit(1);
    if (!row) throw new AppError('NotFound');
    if (row.revokedAt) return;
    await tx.update(apiTokens).set({ revokedAt: now }).where(eq(apiTokens.id, tokenId));
    await recordAudit(tx, actor, { action: 'token.revoke', objectType: 'api_token', objectId: tokenId, before: { revokedAt: null }, after: { revokedAt: now } });
  });
}

/** The user behind a bearer token, or null for an unknown, revoked or non-staff token. */
export async function authenticateBearer(token: string, db: DbOrTx = getDb(), now = new Date()): Promise<SessionUser | null> {
  if (!token.startsWith(PREFIX) || token.length > 100) return null;
  const [row] = await db.select({ token: apiTokens, user: users }).from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(and(eq(apiTokens.tokenHash, sha256Hex(token)), isNull(apiTokens.revokedAt))).limit(1);
  if (!row || !row.user.active || (row.user.role !== 'staff' && row.user.role !== 'admin')) return null;
  if (!row.token.lastUsedAt || now.getTime() - row.token.lastUsedAt.getTime() > TOUCH_MS) {
    await db.update(apiTokens).set({ lastUsedAt: now }).where(eq(apiTokens.id, row.token.id));
  }
  return toSessionUser(row.user, 'token');
}

export interface TokenListItem {
  id: string; label: string; userId: string; userName: string | null; userEmail: string | null;
  createdAt: Date; lastUsedAt: Date | null; revokedAt: Date | null;
}

/** All tokens, newest first, with their owners. */
export async function listApiTokens(db: DbOrTx = getDb()): Promise<TokenListItem[]> {
  return db.select({
    id: apiTokens.id, label: apiTokens.label, userId: apiTokens.userId, userName: users.name, userEmail: users.email,
    createdAt: apiTokens.createdAt, lastUsedAt: apiTokens.lastUsedAt, revokedAt: apiTokens.revokedAt,
  }).from(apiTokens).innerJoin(users, eq(users.id, apiTokens.userId)).orderBy(desc(apiTokens.createdAt)).limit(500);
}
