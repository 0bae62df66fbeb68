/**
 * Seeds a fresh PGlite dir for the carried-comments e2e (run with tsx before its server starts):
 * the two rounds of carried-fixture.ts with round 1's comments, round 1's feedback page published,
 * and a staff account.
 */
import { and, eq } from 'drizzle-orm';
import { withDatabase } from '../../src/cli/run-cli';
import { drafts, rounds } from '../../src/db/schema';
import { createUser } from '../../src/server/auth/users';
import { createUserSchema } from '../../src/server/auth/schemas';
import { systemActor } from '../../src/server/audit';
import { CARRIED_SLUG, seedCarried } from '../integration/carried-fixture';

export const CARRIED_PASSWORD = 'Kaimen-e2e-Passw0rd!';

// The spawning spec removes DATABASE_URL: this is the PGlite dir its server will open.
await withDatabase(async ({ db }) => {
  await seedCarried(db);
  const [round] = await db.select({ id: rounds.id }).from(rounds).innerJoin(drafts, eq(drafts.id, rounds.draftId))
    .where(and(eq(drafts.slug, CARRIED_SLUG), eq(rounds.number, 1)));
  await db.update(rounds).set({ feedbackPublishedAt: new Date() }).where(eq(rounds.id, round.id));
  await createUser(createUserSchema.parse({ role: 'staff', account: 'carried@example.cn', password: CARRIED_PASSWORD, name: '审核员' }), systemActor, db);
});
