/**
 * The first run without a command line (decision 021): while the database has no admin, every
 * start of the server makes a one-time setup link (a random token; the table setup_links keeps
 * only its SHA-256 and when it expires) and prints it once on the console. Whoever opens it
 * creates the first admin in the browser and is signed in. Any unexpired, unused link works, but
 * only while there is still no admin: that is checked again inside the transaction that creates
 * the admin, under a transaction-scoped advisory lock, so two browsers (or two instances on one
 * PostgreSQL) cannot both create one. The token is never logged, audited or stored in clear.
 */
import { and, eq, gt, isNull, lt, ne, sql } from 'drizzle-orm';
import { getDb, type Db, type DbOrTx } from '../../db/client';
import { setupLinks, users } from '../../db/schema';
import { recordAudit } from '../audit';
import { AppError } from '../errors';
import { generateToken, sha256Hex } from './secrets';
import { hashPassword } from './passwords';
import { consumeLimit, enforceLimits, refuseIfExhausted } from './rate-limit';
import { limits } from './limits';
import { createSession, type NewSession } from './sessions';
import { createUser, toSessionUser } from './users';
import { setupTokenField, type SetupInput } from './schemas';
import type { SessionUser } from './session-user';

/** How long a printed link works. */
export const SETUP_LINK_HOURS = 24;
/** Serialises the creation of the first admin across connections and instances. */
const SETUP_LOCK = 4711003;

export interface SetupLink {
  /** The secret for the address; only its hash is stored. */
  token: string;
  expiresAt: Date;
}

/** Whether any admin account exists (active or not: a deactivated admin is still the site's admin). */
export async function adminExists(db: DbOrTx = getDb()): Promise<boolean> {
  const [row] = await db.select({ id: users.id }).from(users).where(eq(users.role, 'admin')).limit(1);
  return !!row;
}

/**
 * Makes a fresh setup link when there is no admin yet (each start of each instance makes its own);
 * null when an admin exists. Links that expired are removed on the way.
 */
export async function createSetupLinkIfNoAdmin(db: Db = getDb(), now = new Date()): Promise<SetupLink | null> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${SETUP_LOCK})`);
    if (await adminExists(tx)) return null;
    await tx.delete(setupLinks).where(lt(setupLinks.expiresAt, now));
    const token = generateToken();
    const expiresAt = new Date(now.getTime() + SETUP_LINK_HOURS * 3_600_000);
    await tx.insert(setupLinks).values({ tokenHash: sha256Hex(token), expiresAt, createdAt: now });
    return { token, expiresAt };
  });
}

/** The address a person opens: `<origin>/setup?token=…`. */
export function setupUrl(origin: string, token: string): string {
  return `${origin}/setup?token=${encodeURIComponent(token)}`;
}

/** The stored link of `token` when it can still be used (no admin yet, not used, not expired); else null. */
async function usableLink(token: unknown, db: DbOrTx, now: Date) {
  const parsed = setupTokenField.safeParse(token);
  if (!parsed.success) return null;
  if (await adminExists(db)) return null;
  const [link] = await db.select().from(setupLinks)
    .where(and(eq(setupLinks.tokenHash, sha256Hex(parsed.data)), isNull(setupLinks.usedAt), gt(setupLinks.expiresAt, now)))
    .limit(1);
  return link ?? null;
}

/**
 * Whether the page may show the form for `token`: the link's expiry when it works, else null.
 * Links that do not work count against the address (limits.setupFailuresIp); once that is used
 * up every answer is RateLimited, so guessing is slower still than the token's 160 bits make it.
 */
export async function setupLinkUsable(token: unknown, ctx: { ip: string }, db: DbOrTx = getDb(), now = new Date()): Promise<{ expiresAt: Date } | null> {
  const failures = limits.setupFailuresIp(ctx.ip);
  await refuseIfExhausted([failures], db);
  const link = await usableLink(token, db, now);
  if (link) return { expiresAt: link.expiresAt };
  await consumeLimit(failures, db);
  return null;
}

export interface SetupDone {
  user: SessionUser;
  session: NewSession;
}

/**
 * Creates the first admin with the link's token: checks the link and that no admin exists
 * inside the transaction (under SETUP_LOCK), creates the account through createUser (its
 * user.create event), marks the link used and removes the other unused ones, records
 * `auth.setup`, and opens a session for the new admin. Throws SetupLinkInvalid when the link is
 * unknown, expired or used or an admin already exists (nothing changes), RateLimited past the
 * limits, ValidationFailed / AccountExists as account creation does.
 */
export async function completeSetup(token: string, input: SetupInput, ctx: { ip: string }, db: DbOrTx = getDb(), now = new Date()): Promise<SetupDone> {
  const failures = limits.setupFailuresIp(ctx.ip);
  await refuseIfExhausted([failures], db);
  await enforceLimits([limits.setupIp(ctx.ip)], db);
  const refuse = async (): Promise<never> => {
    await consumeLimit(failures, db);
    throw new AppError('SetupLinkInvalid');
  };
  // A cheap check first: the password is hashed (slow on purpose) only for a link that works.
  if (!(await usableLink(token, db, now))) return refuse();
  const passwordHash = await hashPassword(input.password);
  const done = await db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${SETUP_LOCK})`);
    const link = await usableLink(token, tx, now);
    if (!link) return null;
    const user = await createUser(
      { role: 'admin', account: input.account, passwordHash, name: input.name },
      { id: null, kind: 'anonymous', ip: ctx.ip },
      tx,
    );
    await tx.update(setupLinks).set({ usedAt: now }).where(eq(setupLinks.tokenHash, link.tokenHash));
    // The other links of this first run can never work again (an admin exists): drop them.
    await tx.delete(setupLinks).where(and(isNull(setupLinks.usedAt), ne(setupLinks.tokenHash, link.tokenHash)));
    await recordAudit(tx, { id: user.id, kind: 'user', ip: ctx.ip }, {
      action: 'auth.setup', objectType: 'user', objectId: user.id,
      after: { linkCreatedAt: link.createdAt.toISOString(), linkExpiresAt: link.expiresAt.toISOString() },
    });
    const session = await createSession(user.id, user.role, tx, now);
    return { user: toSessionUser(user, 'session'), session };
  });
  return done ?? refuse();
}
