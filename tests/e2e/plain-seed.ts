/**
 * Seeds a fresh PGlite dir for plain.spec.ts (run with tsx before its server starts): an open
 * draft with a comment decided 部分采纳 by a staff member, a round whose close was moved, a tag
 * tree two levels deep, a station with a deputy, and an admin. Prints `{ "commentId": … }` last.
 */
import { readFileSync } from 'node:fs';
import { withDatabase } from '../../src/cli/run-cli';
import { publishVersion } from '../../src/server/drafts/publish-version';
import { updateRound } from '../../src/server/drafts/update-round';
import { submitComment } from '../../src/server/comments/submit-comment';
import { decideAdoption } from '../../src/server/review/decide';
import { createTag } from '../../src/server/review/tags';
import { importStations } from '../../src/server/stations/import-stations';
import { createUser } from '../../src/server/auth/users';
import { createUserSchema } from '../../src/server/auth/schemas';
import { systemActor } from '../../src/server/audit';

export const PLAIN_PASSWORD = 'Kaimen-e2e-Passw0rd!';
const DAY = 86_400_000;

await withDatabase(async ({ db }) => {
  const now = Date.now();
  const published = await publishVersion({
    slug: 'e2e-plain', roundNumber: 1, code: 'PL', text: readFileSync('content/drafts/tingche/round-1.md', 'utf8'),
    opensAt: new Date(now - 5 * DAY), closesAt: new Date(now + 20 * DAY),
  }, systemActor, db);
  await importStations('code,name,type,district,street,address\nDC-JDK,交道口街道代表之家,代表之家,东城区,交道口街道,\n', systemActor, db);
  const user = (role: string, account: string, name: string, extra: object = {}) =>
    createUser(createUserSchema.parse({ role, account, password: PLAIN_PASSWORD, name, ...extra }), systemActor, db);
  await user('admin', 'admin@example.cn', '管理员');
  const staff = await user('staff', 'reviewer@example.cn', '审核员');
  await user('deputy', 'deputy@example.cn', '王建国', { stations: ['DC-JDK'] });
  const actor = { id: staff.id, kind: 'user' as const };

  const { commentId } = await submitComment('e2e-plain', { body: '建议增加夜间临时停车位，方便晚归的居民。', article: 10 }, {}, db);
  await decideAdoption({ ids: [commentId] }, { adoption: 'partially_adopted', reason: '部分内容已在第十条规定', response: '感谢您的意见。' }, actor, db);
  await updateRound('e2e-plain', 1, { closesAt: new Date(now + 27 * DAY) }, actor, db);

  const parent = await createTag({ name: '停车收费', draftId: published.draftId }, actor, db);
  const child = await createTag({ name: '夜间收费', draftId: published.draftId, parentId: parent.id }, actor, db);
  await createTag({ name: '地下车库', draftId: published.draftId, parentId: child.id }, actor, db);
  await createTag({ name: '物业管理', draftId: published.draftId }, actor, db);
  console.log(JSON.stringify({ commentId }));
});
