/**
 * Seeds a fresh PGlite dir for the staff workspace e2e (run with tsx before its server starts):
 * the sample drafts, a draft `e2e-tingche` whose first round is open, and two staff accounts.
 */
import { readFileSync } from 'node:fs';
import { withDatabase } from '../../src/cli/run-cli';
import { loadSampleDrafts } from '../../src/server/drafts/sample-drafts';
import { publishVersion } from '../../src/server/drafts/publish-version';
import { createUser } from '../../src/server/auth/users';
import { createUserSchema } from '../../src/server/auth/schemas';
import { systemActor } from '../../src/server/audit';
import { createApiToken } from '../../src/server/auth/tokens';

export const STAFF_PASSWORD = 'Kaimen-e2e-Passw0rd!';

// The spawning spec removes DATABASE_URL: this is the PGlite dir its server will open.
await withDatabase(async ({ db }) => {
  await loadSampleDrafts(db);
  const now = Date.now();
  await publishVersion({
    slug: 'e2e-tingche', roundNumber: 1, code: 'ET', text: readFileSync('content/drafts/tingche/round-1.md', 'utf8'),
    opensAt: new Date(now - 20 * 86400_000), closesAt: new Date(now - 86400_000),
  }, systemActor, db);
  const reviewer = await createUser(createUserSchema.parse({ role: 'staff', account: 'reviewer@example.cn', password: STAFF_PASSWORD, name: '审核员' }), systemActor, db);
  const { token } = await createApiToken({ userId: reviewer.id, label: 'e2e' }, systemActor, db);
  await createUser(createUserSchema.parse({ role: 'staff', account: 'second@example.cn', password: STAFF_PASSWORD, name: '复核员' }), systemActor, db);
  console.log(JSON.stringify({ token }));
});
