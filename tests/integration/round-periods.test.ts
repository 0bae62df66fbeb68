/**
 * A round's period keeps the consultation's promises (issue 18): once comments arrived its opening
 * cannot move and its close can only be extended, or brought forward (not before now) with a
 * reason the draft page shows; no two rounds overlap, and publishing round N ends round N−1, so
 * every channel takes comments on the same open round.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { rounds } from '../../src/db/schema';
import { systemActor } from '../../src/server/audit';
import { publishVersion } from '../../src/server/drafts/publish-version';
import { periodChanges, updateRound } from '../../src/server/drafts/update-round';
import { submitComment } from '../../src/server/comments/submit-comment';
import { listOpenDrafts } from '../../src/server/stations/open-drafts';
import { clearTargetCache } from '../../src/server/comments/comment-target';

let database: TestDatabase;
const DAY = 86_400_000;
const text = (round: number) => readFileSync(`content/drafts/tingche/round-${round}.md`, 'utf8');
const roundRow = async (n: number) => (await database.db.select().from(rounds).where(eq(rounds.number, n)))[0];
const caught = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a refusal'); }, (e) => e);

beforeAll(async () => {
  database = await createTestDatabase();
  await publishVersion({ slug: 'tingche', roundNumber: 1, text: text(1), opensAt: new Date(Date.now() - 10 * DAY), closesAt: new Date(Date.now() + 20 * DAY) }, systemActor, database.db);
});
afterAll(async () => { await database.close(); });

describe('a round with comments', () => {
  it('may change freely before comments arrive', async () => {
    const r = await roundRow(1);
    await updateRound('tingche', 1, { opensAt: new Date(r.opensAt.getTime() - DAY) }, systemActor, database.db);
    expect((await roundRow(1)).opensAt.getTime()).toBe(r.opensAt.getTime() - DAY);
  });

  it('keeps its opening, is extended freely, and is brought forward only with a reason and not before now', async () => {
    clearTargetCache();
    await submitComment('tingche', { body: '建议增加夜间临时停车位，方便晚归的居民。' }, {}, database.db);
    const r = await roundRow(1);
    const opens = await caught(updateRound('tingche', 1, { opensAt: new Date(r.opensAt.getTime() + DAY) }, systemActor, database.db));
    expect(opens.code).toBe('ValidationFailed');
    expect(opens.fields).toEqual([{ field: 'opens', key: 'drafts.period.opensLocked', params: { count: 1 } }]);
    // The form sends the times to the minute: the same minute is no change.
    await updateRound('tingche', 1, { opensAt: new Date(Math.floor(r.opensAt.getTime() / 60_000) * 60_000), label: '一审稿' }, systemActor, database.db);

    const later = new Date(r.closesAt.getTime() + 5 * DAY);
    await updateRound('tingche', 1, { closesAt: later }, systemActor, database.db);
    expect((await roundRow(1)).closesAt.getTime()).toBe(later.getTime());

    const sooner = new Date(Date.now() + DAY);
    const noReason = await caught(updateRound('tingche', 1, { closesAt: sooner }, systemActor, database.db));
    expect(noReason.fields).toEqual([{ field: 'closes', key: 'drafts.period.reasonRequired' }]);
    const past = await caught(updateRound('tingche', 1, { closesAt: new Date(Date.now() - DAY), closeReason: '提前结束' }, systemActor, database.db));
    expect(past.fields).toEqual([{ field: 'closes', key: 'drafts.period.notBeforeNow' }]);
    expect((await roundRow(1)).closesAt.getTime()).toBe(later.getTime()); // nothing changed

    await updateRound('tingche', 1, { closesAt: sooner, closeReason: '常委会会议提前审议' }, systemActor, database.db);
    expect(await roundRow(1)).toMatchObject({ closedEarlyReason: '常委会会议提前审议' });
    const changes = (await periodChanges([r.id], database.db)).get(r.id)!;
    // The opening moved before comments, the extension, the early end; the label change is no period change.
    expect(changes.map((c) => c.reason)).toEqual([null, null, '常委会会议提前审议']);
    expect(changes[2].closesAfter!.getTime()).toBe(sooner.getTime());
  });
});

describe('one open round per draft', () => {
  it('publishing round 2 ends round 1 with a reason, and every comment goes to round 2', async () => {
    await updateRound('tingche', 1, { closesAt: new Date(Date.now() + 30 * DAY) }, systemActor, database.db);
    const opens = new Date(Date.now() - 60_000);
    await publishVersion({ slug: 'tingche', roundNumber: 2, text: text(2), label: '二审稿', opensAt: opens, closesAt: new Date(Date.now() + 30 * DAY) }, systemActor, database.db);
    const one = await roundRow(1);
    expect(one.closesAt.getTime()).toBe(opens.getTime());
    expect(one.closedEarlyReason).toBe('二审稿开始征求意见，本审次随之结束。');
    // Kiosks, station QR pages and deputy entry offer what listOpenDrafts says: round 2, as the website does.
    const offered = (await listOpenDrafts(database.db)).find((d) => d.slug === 'tingche');
    expect([offered?.round, offered?.roundLabel]).toEqual([2, '二审稿']);
    clearTargetCache();
    const r = await submitComment('tingche', { body: '二审稿第五条的表述更清楚了，赞成。' }, { channel: 'kiosk' }, database.db);
    expect(r.receipt).toMatch(/^[A-Z]+2-/);
    const closed = await caught(submitComment('tingche', { round: 1, body: '对一审稿还有一条意见要补充。' }, {}, database.db));
    expect(closed.code).toBe('ConsultationClosed');
  });

  it('refuses a period that would overlap another round', async () => {
    const err = await caught(updateRound('tingche', 1, { closesAt: new Date(Date.now() + 40 * DAY), closeReason: 'x' }, systemActor, database.db));
    expect(err.fields).toEqual([{ field: 'closes', key: 'drafts.period.overlaps', params: { label: '二审稿' } }]);
  });
});
