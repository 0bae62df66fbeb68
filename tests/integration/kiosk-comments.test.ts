import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, count, eq } from 'drizzle-orm';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { comments, kiosks, rateLimits } from '../../src/db/schema';
import { loadSampleDrafts } from '../../src/server/drafts/sample-drafts';
import { createStation } from '../../src/server/stations/stations';
import { createEnrollment, enrollKiosk, requireKiosk, revokeKiosk, type KioskPrincipal } from '../../src/server/stations/kiosks';
import { findKioskReceipt, submitKioskComment } from '../../src/server/stations/kiosk-comments';
import type { Actor } from '../../src/server/audit';

let database: TestDatabase;
let kiosk: KioskPrincipal;
let credential: string;
const staff: Actor = { id: null, kind: 'system' };
const key = (n: number) => `TESTKEY${String(n).padStart(13, '0')}`;

beforeAll(async () => {
  database = await createTestDatabase({ global: true });
  await loadSampleDrafts(database.db);
  const station = await createStation({ code: 'DC-JDK', name: '交道口代表之家', type: 'deputies_home', district: '东城区' }, staff, database.db);
  const e = await createEnrollment({ stationId: station.id }, staff, database.db);
  credential = (await enrollKiosk(e.code, {}, database.db)).credential;
  kiosk = await requireKiosk(credential, database.db);
});
afterAll(async () => { await database.close(); });

const stored = async () => Number((await database.db.select({ n: count() }).from(comments).where(eq(comments.kioskId, kiosk.kioskId)))[0].n);

describe('kiosk submissions', () => {
  it('stores a resident comment attributed to the kiosk and its station', async () => {
    const r = await submitKioskComment(kiosk, { draft: 'jiesu-jiban', article: 3, body: '建议热线夜间也有人工接听。', name: '李大爷', district: '东城区', idempotencyKey: key(1) }, database.db);
    expect(r.created).toBe(true);
    expect(r.receipt).toMatch(/^JS3-/);
    const [row] = await database.db.select().from(comments).where(eq(comments.receipt, r.receipt));
    expect(row).toMatchObject({ channel: 'kiosk', kioskId: kiosk.kioskId, stationId: kiosk.station.id, articleNumber: 3, name: '李大爷', voices: 1, byDeputy: false });
  });

  it('stores each key exactly once, even when the outbox sends it again or twice at once', async () => {
    const payload = { draft: 'jiesu-jiban', body: '总体上赞成，建议加强宣传。', idempotencyKey: key(2) };
    const before = await stored();
    const results = await Promise.all([1, 2, 3].map(() => submitKioskComment(kiosk, payload, database.db)));
    const again = await submitKioskComment(kiosk, payload, database.db);
    expect(new Set([...results, again].map((r) => r.receipt)).size).toBe(1);
    expect(new Set([...results, again].map((r) => r.lookupCode)).size).toBe(1);
    expect(await stored()).toBe(before + 1);
  });

  it('the provisional key finds the receipt once delivered, and nothing before', async () => {
    expect(await findKioskReceipt(key(99), database.db)).toBeNull();
    expect(await findKioskReceipt('../etc', database.db)).toBeNull();
    const r = await submitKioskComment(kiosk, { draft: 'wuye-guanli', body: '物业费公示要更透明。', idempotencyKey: key(99) }, database.db);
    expect(await findKioskReceipt(key(99), database.db)).toEqual({ receipt: r.receipt, lookupCode: r.lookupCode });
  });

  it('finds a delivered comment by its provisional number typed with dashes, spaces, full-width forms or in lower case', async () => {
    const provisional = 'ABCDEFGHJKMNPQRS2345';
    const printed = provisional.match(/.{4}/g)!.join('-');
    expect(await findKioskReceipt(printed, database.db)).toBeNull();
    const r = await submitKioskComment(kiosk, { draft: 'wuye-guanli', body: '建议公示物业维修资金的使用情况。', idempotencyKey: provisional }, database.db);
    const fullWidth = printed.replace(/[!-~]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
    for (const typed of [printed, printed.toLowerCase(), printed.replace(/-/g, ' '), fullWidth]) {
      expect(await findKioskReceipt(typed, database.db), typed).toEqual({ receipt: r.receipt, lookupCode: r.lookupCode });
    }
    expect(await findKioskReceipt(printed.replace('2345', '2346'), database.db)).toBeNull();
  });

  it('refuses bad input with field errors and stores nothing', async () => {
    const before = await stored();
    const bad = await submitKioskComment(kiosk, { draft: 'jiesu-jiban', body: '短', idempotencyKey: key(3) }, database.db).catch((e) => e);
    expect(bad.code).toBe('ValidationFailed');
    expect(bad.fields.map((f: { field: string }) => f.field)).toContain('body');
    const noKey = await submitKioskComment(kiosk, { draft: 'jiesu-jiban', body: '没有幂等键的意见内容' }, database.db).catch((e) => e);
    expect(noKey.fields[0].field).toBe('idempotencyKey');
    const closed = await submitKioskComment(kiosk, { draft: 'tingche', body: '停车条例的意见内容', idempotencyKey: key(4) }, database.db).catch((e) => e);
    expect(closed.code).toBe('ConsultationClosed');
    const noArticle = await submitKioskComment(kiosk, { draft: 'jiesu-jiban', article: 999, body: '不存在的条文意见', idempotencyKey: key(5) }, database.db).catch((e) => e);
    expect(noArticle.code).toBe('ArticleNotFound');
    expect(await stored()).toBe(before);
  });

  it('is limited per kiosk, not per address', async () => {
    await database.db.insert(rateLimits).values({ key: `comment:kiosk:${kiosk.kioskId}`, points: 300, resetAt: new Date(Date.now() + 600_000) })
      .onConflictDoUpdate({ target: rateLimits.key, set: { points: 300 } });
    const err = await submitKioskComment(kiosk, { draft: 'jiesu-jiban', body: '限流之后的意见内容', idempotencyKey: key(6) }, database.db).catch((e) => e);
    expect(err.code).toBe('RateLimited');
    await database.db.delete(rateLimits).where(eq(rateLimits.key, `comment:kiosk:${kiosk.kioskId}`));
  });

  it('a revoked kiosk is refused at once', async () => {
    await revokeKiosk(kiosk.kioskId, staff, database.db);
    expect((await requireKiosk(credential, database.db).catch((e) => e)).code).toBe('KioskUnauthorized');
    const [k] = await database.db.select().from(kiosks).where(and(eq(kiosks.id, kiosk.kioskId)));
    expect(k.revokedAt).not.toBeNull();
  });
});
