/**
 * Seeds a fresh PGlite dir for the bulk undo e2e (run with tsx before its server starts): a draft
 * `e2e-undo` whose first round is open, six comments on its 第三条 (one decided by hand before),
 * and two staff accounts, the second with an API token for a change made after the bulk job.
 * Prints the ids the spec reads back and the token.
 */
import { readFileSync } from 'node:fs';
import { withDatabase } from '../../src/cli/run-cli';
import { publishVersion } from '../../src/server/drafts/publish-version';
import { createUser } from '../../src/server/auth/users';
import { createUserSchema } from '../../src/server/auth/schemas';
import { systemActor } from '../../src/server/audit';
import { createApiToken } from '../../src/server/auth/tokens';
import { submitComment } from '../../src/server/comments/submit-comment';
import { decideAdoption } from '../../src/server/review/decide';

const BODIES = [
  '第三条应当明确业主大会的召开期限', '建议第三条增加业主大会线上表决的方式', '第三条的表决比例过高，建议降低',
  '第三条应当规定物业服务企业列席业主大会', '业主大会的会议记录应当公开，建议写入第三条', '第三条中业主的界定不清楚，建议细化',
];

await withDatabase(async ({ db }) => {
  const now = Date.now();
  await publishVersion({
    slug: 'e2e-undo', roundNumber: 1, code: 'EU', text: readFileSync('content/drafts/wuye-guanli/round-1.md', 'utf8'),
    opensAt: new Date(now - 86400_000), closesAt: new Date(now + 20 * 86400_000),
  }, systemActor, db);
  await createUser(createUserSchema.parse({ role: 'staff', account: 'undo@example.cn', password: 'Kaimen-e2e-Passw0rd!', name: '批量员' }), systemActor, db);
  const other = await createUser(createUserSchema.parse({ role: 'staff', account: 'other@example.cn', password: 'Kaimen-e2e-Passw0rd!', name: '同事' }), systemActor, db);
  const { token } = await createApiToken({ userId: other.id, label: 'e2e' }, systemActor, db);
  const ids: string[] = [];
  for (const body of BODIES) ids.push((await submitComment('e2e-undo', { body, article: 3 }, {}, db)).commentId);
  // Decided by hand before the bulk decision: the job keeps it.
  await decideAdoption({ ids: [ids[0]] }, { adoption: 'partially_adopted', reason: '召开期限将在配套文件中规定' }, { id: other.id, kind: 'user' }, db);
  console.log(JSON.stringify({ ids, token }));
});
