/** POST /signout: ends this browser's session on the server, forgets the cookie, back to sign-in. */
import type { APIRoute } from 'astro';
import { AppError } from '../server/errors';
import { deleteSessionCookie, readSessionCookie } from '../server/auth/sessions';
import { signOut } from '../server/auth/sign-out';
import { actorOf } from '../server/auth/request-auth';

export const POST: APIRoute = async ({ cookies, locals, redirect }) => {
  const token = readSessionCookie(cookies);
  if (token) await signOut(token, actorOf(locals), locals.user?.id ?? null);
  deleteSessionCookie(cookies);
  return redirect('/signin?signedout=1', 303);
};

export const GET: APIRoute = () => {
  throw new AppError('MethodNotAllowed');
};
