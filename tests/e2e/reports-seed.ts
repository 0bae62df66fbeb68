/**
 * Seeds a fresh PGlite dir for the reports e2e (run with tsx before its server starts): the
 * sample drafts, the report fixture's comments in 停车条例's closed 二审稿, a staff account with an
 * API token, an admin account (for exports with full contacts), and prints the token.
 */
import { eq, and } from 'drizzle-orm';
import { withDatabase } from '../../src/cli/run-cli';
import { drafts, rounds } from '../../src/db/schema';
import { loadSampleDrafts } from '../../src/server/drafts/sample-drafts';
import { createUser } from '../../src/server/auth/users';
import { createUserSchema } from '../../src/server/auth/schemas';
import { createApiToken } from '../../src/server/auth/tokens';
import { systemActor } from '../../src/server/audit';
import { insertSeedComments } from '../integration/reports-fixture';

// The spawning spec removes DATABASE_URL: this is the PGlite dir its server will open.
await withDatabase(async ({ db }) => {
  await loadSampleDrafts(db);
  const [round] = await db.select({ draftId: drafts.id, roundId: rounds.id }).from(rounds)
    .innerJoin(drafts, eq(drafts.id, rounds.draftId)).where(and(eq(drafts.slug, 'tingche'), eq(rounds.number, 2)));
  await insertSeedComments(db, round.draftId, round.roundId);
  const staff = await createUser(createUserSchema.parse({ role: 'staff', account: 'reports@example.cn', password: 'Kaimen-e2e-Passw0rd!', name: '报告员' }), systemActor, db);
  await createUser(createUserSchema.parse({ role: 'admin', account: 'reports-admin@example.cn', password: 'Kaimen-e2e-Passw0rd!', name: '报告管理员' }), systemActor, db);
  const { token } = await createApiToken({ userId: staff.id, label: 'e2e' }, systemActor, db);
  console.log(JSON.stringify({ token }));
});
