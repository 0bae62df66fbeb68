/**
 * Seeds a fresh PGlite dir for the statistics e2e (run with tsx before its server starts): the sample
 * drafts; in 停车条例's 一审稿 (feedback published) 160 comments spread over its 30 days, some
 * articles busier than others, with decisions, responses and ratings in the weeks after; in its
 * 二审稿 (feedback not published) the report fixture's comments; and a staff account.
 */
import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { withDatabase } from '../../src/cli/run-cli';
import { comments, drafts, provisions, rounds, versions } from '../../src/db/schema';
import { loadSampleDrafts } from '../../src/server/drafts/sample-drafts';
import { createUser } from '../../src/server/auth/users';
import { createUserSchema } from '../../src/server/auth/schemas';
import { systemActor } from '../../src/server/audit';
import { beijingDistricts } from '../../src/server/districts';
import { insertSeedComments } from '../integration/reports-fixture';

const DAY = 86400_000;
// A fixed sequence (LCG), so every run draws the same consultation.
let state = 20261205;
const rand = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648);
const pick = <T>(list: readonly T[]) => list[Math.floor(rand() * list.length)];

await withDatabase(async ({ db }) => {
  await loadSampleDrafts(db);
  const roundOf = async (n: number) => {
    const [r] = await db.select({ draftId: drafts.id, roundId: rounds.id, opensAt: rounds.opensAt, closesAt: rounds.closesAt }).from(rounds)
      .innerJoin(drafts, eq(drafts.id, rounds.draftId)).where(and(eq(drafts.slug, 'tingche'), eq(rounds.number, n)));
    return r;
  };
  const one = await roundOf(1);
  const two = await roundOf(2);
  const articles = (await db.select({ number: provisions.number }).from(provisions)
    .innerJoin(versions, eq(versions.id, provisions.versionId))
    .where(and(eq(versions.roundId, one.roundId), eq(provisions.kind, 'article')))).map((a) => a.number!);
  const busy = [3, 9, 17, 18, 25, 31];
  const channels = ['web', 'web', 'web', 'kiosk', 'station_qr', 'deputy', 'letter', 'api'] as const;
  const decisions = ['adopted', 'partially_adopted', 'not_adopted', 'already_provided', 'out_of_scope', 'not_adopted'] as const;
  const ratings = ['satisfied', 'basically_satisfied', 'not_satisfied'] as const;
  const span = one.closesAt.getTime() - one.opensAt.getTime();
  for (let i = 0; i < 160; i++) {
    const created = new Date(one.opensAt.getTime() + Math.floor(rand() * span));
    const article = rand() < 0.1 ? null : rand() < 0.55 ? pick(busy) : pick(articles);
    const decided = rand() < 0.9 ? new Date(Math.max(created.getTime(), one.closesAt.getTime()) + Math.floor(rand() * 14 * DAY)) : null;
    const responded = decided && rand() < 0.85 ? new Date(decided.getTime() + Math.floor(rand() * 3 * DAY)) : null;
    const rated = responded && rand() < 0.45 ? new Date(responded.getTime() + Math.floor(rand() * 4 * DAY)) : null;
    await db.insert(comments).values({
      receipt: `TS-${String(i + 1).padStart(4, '0')}`, lookupHash: 'x', idempotencyKey: randomUUID(),
      draftId: one.draftId, roundId: one.roundId, articleNumber: article,
      body: `关于停车管理的第${i + 1}条意见。`, channel: pick(channels), district: rand() < 0.1 ? null : pick(beijingDistricts.slice(0, 8)),
      fingerprint: `ts${i}`,
      status: responded ? 'answered' : decided ? 'under_review' : 'received',
      adoption: decided ? pick(decisions) : null, reason: decided ? '已研究。' : null, response: responded ? '感谢您的意见。' : null,
      decidedAt: decided, respondedAt: responded,
      satisfaction: rated ? pick(ratings) : null, ratedAt: rated,
      createdAt: created,
    });
  }
  await db.update(rounds).set({ feedbackPublishedAt: new Date() }).where(eq(rounds.id, one.roundId));
  await insertSeedComments(db, two.draftId, two.roundId);
  await createUser(createUserSchema.parse({ role: 'staff', account: 'stats@example.cn', password: 'Kaimen-e2e-Passw0rd!', name: '统计员' }), systemActor, db);
});
