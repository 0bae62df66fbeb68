/**
 * Consent to be told of the answer: a comment stores notify only when the commenter asked and
 * left a contact (or a deputy recorded a resident's contact); asking without a contact is a 400
 * on the contact field, for the form and the API alike. And the account's own setting.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { auditEvents, users } from '../../src/db/schema';
import { submitComment } from '../../src/server/comments/submit-comment';
import { clearTargetCache } from '../../src/server/comments/comment-target';
import { parseCommentInput } from '../../src/server/comments/schemas';
import { toErrorBody } from '../../src/server/errors';
import { addStationDeputy, createStation } from '../../src/server/stations/stations';
import { enterDeputyComments } from '../../src/server/stations/deputy-entry';
import { createEnrollment, enrollKiosk, requireKiosk, type KioskPrincipal } from '../../src/server/stations/kiosks';
import { kioskCommentBodySchema, submitKioskComment } from '../../src/server/stations/kiosk-comments';
import { setNotifyAnswers } from '../../src/server/auth/notify-preference';
import { accountFromQuery, notifyAnswersForm } from '../../src/server/auth/schemas';
import { systemActor } from '../../src/server/audit';
import { OPEN, caught, commentByReceipt, commentCount, seedDrafts, validComment } from './comments-fixtures';

let database: TestDatabase;
let deputy: { id: string; name: string };
let kiosk: KioskPrincipal;

beforeAll(async () => {
  database = await createTestDatabase({ global: true });
  await seedDrafts(database.db);
  const station = await createStation({ code: 'NT-01', name: '通知测试联络站', type: 'liaison_station', district: '西城区' }, systemActor, database.db);
  const [u] = await database.db.insert(users).values({ email: 'li@example.cn', passwordHash: 'x', role: 'deputy', name: '李代表' }).returning();
  deputy = { id: u.id, name: '李代表' };
  await addStationDeputy(station.id, 'li@example.cn', systemActor, database.db);
  const e = await createEnrollment({ stationId: station.id }, systemActor, database.db);
  kiosk = await requireKiosk((await enrollKiosk(e.code, {}, database.db)).credential, database.db);
  clearTargetCache();
});
afterAll(async () => { await database.close(); });

const submit = (raw: Record<string, unknown>) => submitComment(OPEN, raw, {}, database.db);
const notifyOf = async (receipt: string) => (await commentByReceipt(database.db, receipt)).notify;

describe('the notify flag of a comment', () => {
  it('is stored true only when ticked with a contact', async () => {
    expect(await notifyOf((await submit({ ...validComment, contact: '13912345678', notify: true })).receipt)).toBe(true);
    expect(await notifyOf((await submit({ ...validComment, contact: 'wang@example.cn', notify: 'on' })).receipt)).toBe(true);
    expect(await notifyOf((await submit({ ...validComment, contact: '13912345678' })).receipt)).toBe(false);
    expect(await notifyOf((await submit({ ...validComment, contact: '13912345678', notify: 'false' })).receipt)).toBe(false);
    expect(await notifyOf((await submit({ ...validComment, notify: false })).receipt)).toBe(false);
  });

  it('ticked without a contact is a 400 ValidationFailed on the contact field, and nothing is stored', async () => {
    const before = await commentCount(database.db);
    const err = await caught(() => submit({ ...validComment, notify: 'on', contact: '  ', idempotencyKey: randomUUID() }));
    expect(err.code).toBe('ValidationFailed');
    expect(err.fields).toEqual([{ field: 'contact', key: 'comment.field.notifyNeedsContact' }]);
    expect(await commentCount(database.db)).toBe(before);
    try {
      parseCommentInput({ ...validComment, notify: true });
      expect.unreachable();
    } catch (e) {
      const { status, body } = toErrorBody(e, 'en');
      expect(status).toBe(400);
      expect(body.error.fields).toEqual([expect.objectContaining({ field: 'contact', message: 'To be told of the answer, give a mobile number or an e-mail address.' })]);
    }
  });

  it('is told together with other wrong fields, and a wrong contact says only that it is wrong', async () => {
    const both = await caught(() => submit({ body: '短', notify: true }));
    expect(both.fields.map((f) => f.field).sort()).toEqual(['body', 'contact']);
    expect(both.fields.find((f) => f.field === 'contact')?.key).toBe('comment.field.notifyNeedsContact');
    const wrong = await caught(() => submit({ ...validComment, notify: true, contact: 'not-a-contact' }));
    expect(wrong.fields).toEqual([{ field: 'contact', key: 'comment.field.contactInvalid' }]);
  });

  it('a replay of the same key with the same notify gets the same receipt; a different notify is a Conflict', async () => {
    const key = randomUUID();
    const input = { ...validComment, body: '重放测试：建议答复时写明依据。', contact: '13912345678', notify: 'on', idempotencyKey: key };
    const first = await submit(input);
    const again = await submit({ ...input, notify: true });
    expect(again).toMatchObject({ receipt: first.receipt, lookupCode: first.lookupCode, created: false });
    expect((await caught(() => submit({ ...input, notify: undefined }))).code).toBe('Conflict');
  });
});

describe('a deputy entry and a kiosk', () => {
  it("a resident's contact recorded by a deputy stores notify true; no contact, or the deputy's own comment, false", async () => {
    const r = await enterDeputyComments({ ...deputy, ip: '10.0.0.1' }, {
      draft: OPEN, idempotencyKey: 'NOTIFYSHEET000000001', byDeputy: false,
      rows: [{ article: 10, body: '居民意见：答复要写明理由。', contact: '13800138000' }, { article: 10, body: '居民意见：没有留下联系方式。' }],
    }, database.db);
    expect(await notifyOf(r.comments[0].receipt)).toBe(true);
    expect(await notifyOf(r.comments[1].receipt)).toBe(false);
    // The same sheet again (a retry) is the same comments, not a Conflict.
    const again = await enterDeputyComments(deputy, {
      draft: OPEN, idempotencyKey: 'NOTIFYSHEET000000001', byDeputy: false,
      rows: [{ article: 10, body: '居民意见：答复要写明理由。', contact: '13800138000' }, { article: 10, body: '居民意见：没有留下联系方式。' }],
    }, database.db);
    expect(again.comments.map((c) => c.created)).toEqual([false, false]);
    const own = await enterDeputyComments(deputy, { draft: OPEN, idempotencyKey: 'NOTIFYSHEET000000002', byDeputy: true, rows: [{ article: 10, body: '代表本人的意见：建议加强回访。' }] }, database.db);
    expect(await notifyOf(own.comments[0].receipt)).toBe(false);
  });

  it("a resident on a deputy's station poster (station QR) chooses like anyone: a contact alone is not consent", async () => {
    const ctx = { channel: 'station_qr' as const, deputyId: deputy.id };
    const plain = await submitComment(OPEN, { ...validComment, body: '联络站海报：留了电话但没有勾选通知。', contact: '13700137001' }, ctx, database.db);
    expect(await notifyOf(plain.receipt)).toBe(false);
    const ticked = await submitComment(OPEN, { ...validComment, body: '联络站海报：留了电话并勾选了通知。', contact: '13700137002', notify: 'on' }, ctx, database.db);
    expect(await notifyOf(ticked.receipt)).toBe(true);
  });

  it('the kiosk passes notify on, and its JSON schema names it', async () => {
    expect(Object.keys(kioskCommentBodySchema.shape)).toContain('notify');
    const r = await submitKioskComment(kiosk, { draft: OPEN, article: 10, body: '自助终端：请答复后通知我。', contact: '13700137000', notify: true, idempotencyKey: 'KIOSKNOTIFY000000001' }, database.db);
    expect(await notifyOf(r.receipt)).toBe(true);
    const err = await caught(() => submitKioskComment(kiosk, { draft: OPEN, article: 10, body: '自助终端：没有留联系方式。', notify: true, idempotencyKey: 'KIOSKNOTIFY000000002' }, database.db));
    expect(err.fields).toEqual([{ field: 'contact', key: 'comment.field.notifyNeedsContact' }]);
  });
});

describe("the account's answer notices", () => {
  it('are on by default, turned off and on again with one audit event per change', async () => {
    const [u] = await database.db.insert(users).values({ phone: '13600136000', passwordHash: 'x', role: 'citizen' }).returning();
    expect(u.notifyAnswers).toBe(true);
    const events = async () => database.db.select().from(auditEvents).where(and(eq(auditEvents.action, 'account.notify'), eq(auditEvents.objectId, u.id)));
    await setNotifyAnswers(u.id, false, { ip: '10.0.0.2' }, database.db);
    expect((await database.db.select().from(users).where(eq(users.id, u.id)))[0].notifyAnswers).toBe(false);
    await setNotifyAnswers(u.id, false, { ip: '10.0.0.2' }, database.db);
    expect(await events()).toHaveLength(1);
    await setNotifyAnswers(u.id, true, { ip: '10.0.0.2' }, database.db);
    const all = await events();
    expect(all).toHaveLength(2);
    expect(all.map((e) => e.after)).toEqual([{ notifyAnswers: false }, { notifyAnswers: true }]);
    expect((await caught(() => setNotifyAnswers(randomUUID(), false, { ip: null }, database.db))).code).toBe('UserNotFound');
  });

  it('the form: a ticked box is on, an unticked one (nothing sent) is off', () => {
    expect(notifyAnswersForm.parse({ notifyAnswers: 'on' })).toEqual({ on: true });
    expect(notifyAnswersForm.parse({})).toEqual({ on: false });
    expect(notifyAnswersForm.safeParse({ notifyAnswers: 'yes please' }).success).toBe(false);
  });
});

describe('an account handed in the address (reset links)', () => {
  it('is trimmed, and dropped when longer than an account can be', () => {
    expect(accountFromQuery(new URL('http://x/account/reset?account=%20wang%40example.cn%20'))).toBe('wang@example.cn');
    expect(accountFromQuery(new URL('http://x/account/reset'))).toBe('');
    expect(accountFromQuery(new URL(`http://x/account/reset?account=${'a'.repeat(255)}`))).toBe('');
    expect(accountFromQuery(new URL(`http://x/account/reset?account=${encodeURIComponent('"><script>')}`))).toBe('"><script>');
  });
});
