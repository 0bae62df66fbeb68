/**
 * Two rounds of a small draft for the carried-comments tests (integration and e2e): round 2 keeps
 * 第一条, adds two articles in front of the old 第二条 (which becomes 第四条, modified) and 第三条
 * (now 第五条), and removes 第四条. Round 1 has comments on every article, one of them hidden.
 */
import { and, eq, isNull } from 'drizzle-orm';
import type { DbOrTx } from '../../src/db/client';
import { comments, drafts, rounds } from '../../src/db/schema';
import { publishVersion } from '../../src/server/drafts/publish-version';
import { insertComment } from './drafts-support';
import { submitComment } from '../../src/server/comments/submit-comment';

const DAY = 86_400_000;
export const CARRIED_SLUG = 'carried';

export const ROUND1 = `# 示例服务管理条例

第一条 为了规范示例服务管理活动，保障居民合法权益，根据有关法律、行政法规，结合本市实际，制定本条例。

第二条 本条例适用于本市行政区域内的示例服务及其监督管理活动。

第三条 市人民政府示例服务主管部门负责全市示例服务的统筹协调和监督管理工作。

第四条 违反本条例规定的行为，法律、行政法规已有处罚规定的，从其规定。
`;

export const ROUND2 = `# 示例服务管理条例

第一条 为了规范示例服务管理活动，保障居民合法权益，根据有关法律、行政法规，结合本市实际，制定本条例。

第二条 本条例所称示例服务，是指为居民提供的公共示例服务。

第三条 区人民政府应当将示例服务纳入基层治理体系，保障必要的经费和人员。

第四条 本条例适用于本市行政区域内的示例服务及其监督管理活动，以及与之相关的公益服务活动。

第五条 市人民政府示例服务主管部门负责全市示例服务的统筹协调和监督管理工作。
`;

/**
 * Publishes both rounds (round 1 closed 10 days ago, round 2 open) with round 1's comments:
 * 第一条 2, 第二条 3 (one hidden, one adopted), 第三条 1, 第四条 2, general 1; and one comment of
 * round 2 on 第四条.
 */
export async function seedCarried(db: DbOrTx, slug = CARRIED_SLUG, now = Date.now()): Promise<void> {
  await publishVersion({ slug, code: 'CR', title: '示例服务管理条例（草案）', roundNumber: 1, label: '一审稿', text: ROUND1, opensAt: new Date(now - 40 * DAY), closesAt: new Date(now - 10 * DAY) }, undefined, db);
  for (const [article, n] of [[1, 2], [2, 2], [3, 1], [4, 2]] as const) {
    for (let i = 0; i < n; i++) await insertComment(db, slug, 1, article);
  }
  await insertComment(db, slug, 1, 2, true);
  await insertComment(db, slug, 1, null);
  await publishVersion({ slug, roundNumber: 2, label: '二审稿', text: ROUND2, opensAt: new Date(now - DAY), closesAt: new Date(now + 20 * DAY) }, undefined, db);
  // Through the real path, so it has its article's id (the staff comment page shows the article).
  await submitComment(slug, { body: '建议明确公益服务活动的范围和认定标准。', article: 4 }, {}, db);
  const [one] = await db.select({ id: comments.id }).from(comments)
    .innerJoin(rounds, eq(rounds.id, comments.roundId)).innerJoin(drafts, eq(drafts.id, rounds.draftId))
    .where(and(eq(drafts.slug, slug), eq(rounds.number, 1), eq(comments.articleNumber, 2), isNull(comments.hiddenAt))).orderBy(comments.createdAt, comments.id).limit(1);
  await db.update(comments).set({ adoption: 'adopted', status: 'answered' }).where(eq(comments.id, one.id));
}
