/** POST /signout: ends this browser's session on the server, forgets the cookie, back to sign-in. */
import type { APIRoute } from 'astro';
import { AppError } from '../server/errors';
import { recordAudit } from '../server/audit';
import { getDb } from '../db/client';
import { deleteSessionCookie, invalidateSession, readSessionCookie, sessionIdOf } from '../server/auth/sessions';
import { actorOf } from '../server/auth/request-auth';

export const POST: APIRoute = async ({ cookies, locals, redirect }) => {
  const token = readSessionCookie(cookies);
  if (token) {
    await getDb().transaction(async (tx) => {
      await invalidateSession(sessionIdOf(token), tx);
      if (locals.user) await recordAudit(tx, actorOf(locals), { action: 'auth.signout', objectType: 'user', objectId: locals.user.id });
    });
  }
  deleteSessionCookie(cookies);
  return redirect('/signin?signedout=1', 303);
};

export const GET: APIRoute = () => {
  throw new AppError('MethodNotAllowed');
};
