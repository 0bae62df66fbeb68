/** Signing out: the session ends on the server, audited in the same transaction. */
import { getDb, type DbOrTx } from '../../db/client';
import { recordAudit, type Actor } from '../audit';
import { invalidateSession, sessionIdOf } from './sessions';

/**
 * Ends the session behind the cookie token `token`; when someone was signed in (`userId`), writes
 * the `auth.signout` audit event in the same transaction. An unknown or expired token is a no-op.
 */
export async function signOut(token: string, actor: Actor, userId: string | null, db: DbOrTx = getDb()): Promise<void> {
  await db.transaction(async (tx) => {
    await invalidateSession(sessionIdOf(token), tx);
    if (userId) await recordAudit(tx, actor, { action: 'auth.signout', objectType: 'user', objectId: userId });
  });
}
