/**
 * Seeds a fresh PGlite dir for the groups e2e (run with tsx before its server starts): a draft
 * `e2e-wuye` whose first round is open, a staff account, and three campaign groups: A (a letter,
 * three identical copies, a copy with a personal opening and sign-off that someone decided by hand,
 * a copy with a reworded clause), B (three) and C (two). Prints the receipts the spec ticks.
 */
import { readFileSync } from 'node:fs';
import { withDatabase } from '../../src/cli/run-cli';
import { publishVersion } from '../../src/server/drafts/publish-version';
import { createUser } from '../../src/server/auth/users';
import { createUserSchema } from '../../src/server/auth/schemas';
import { systemActor } from '../../src/server/audit';
import { submitComment } from '../../src/server/comments/submit-comment';
import { groupSelection } from '../../src/server/review/groups';
import { decideAdoption } from '../../src/server/review/decide';
import type { Db } from '../../src/db/client';

export const LETTER_A = '建议物业费按实际服务面积计价，并每年向全体业主公示收支明细。物业企业不得以任何名义在物业费之外另行收取公共设施使用费，违者由住房城乡建设部门责令退还。';
const LETTER_B = '电梯维修资金的使用应当经过业主大会表决同意，维修完成后由第三方机构验收。验收报告应当在电梯轿厢内张贴不少于三十日，接受全体业主监督。';
const LETTER_C = '小区停车位应当优先满足业主需要，出租给业主以外的人员时期限不得超过六个月。开发商不得将规划车位只售不租，也不得以高价变相强迫业主购买。';

async function post(db: Db, body: string) {
  const r = await submitComment('e2e-wuye', { body }, {}, db);
  return { id: r.commentId, receipt: r.receipt };
}

await withDatabase(async ({ db }) => {
  const now = Date.now();
  await publishVersion({
    slug: 'e2e-wuye', roundNumber: 1, code: 'EW', text: readFileSync('content/drafts/wuye-guanli/round-1.md', 'utf8'),
    opensAt: new Date(now - 86400_000), closesAt: new Date(now + 20 * 86400_000),
  }, systemActor, db);
  const staff = await createUser(createUserSchema.parse({ role: 'staff', account: 'groups@example.cn', password: 'Kaimen-e2e-Passw0rd!', name: '组务员' }), systemActor, db);
  const actor = { id: staff.id, kind: 'user' as const };
  const a = [
    await post(db, LETTER_A), await post(db, LETTER_A), await post(db, LETTER_A), await post(db, `${LETTER_A}\n`),
    await post(db, `我是东城区居民，${LETTER_A}望采纳！`),
    await post(db, LETTER_A.replace('每年向全体业主公示收支明细', '每季度在小区公告栏公示收支明细')),
  ];
  await groupSelection(a.map((c) => c.id), actor, db);
  const b = [await post(db, LETTER_B), await post(db, LETTER_B), await post(db, `${LETTER_B}谢谢！`)];
  await groupSelection(b.map((c) => c.id), actor, db);
  const c = [await post(db, LETTER_C), await post(db, `${LETTER_C}请尽快落实。`)];
  await groupSelection(c.map((x) => x.id), actor, db);
  // Someone decided the copy with the personal opening by hand, before the group was decided.
  await decideAdoption({ ids: [a[4].id] }, { adoption: 'partially_adopted', reason: '公示周期将在配套文件中规定' }, actor, db);
  console.log(JSON.stringify({ opening: a[4].receipt, clause: a[5].receipt }));
});
