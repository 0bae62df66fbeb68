import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count, eq } from 'drizzle-orm';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { auditEvents, comments, users } from '../../src/db/schema';
import { loadSampleDrafts } from '../../src/server/drafts/sample-drafts';
import { addStationDeputy, createStation } from '../../src/server/stations/stations';
import { enterDeputyComments } from '../../src/server/stations/deputy-entry';
import { listDeputyComments } from '../../src/server/stations/deputy-dashboard';
import { shanghaiDay } from '../../src/server/time';
import type { Actor } from '../../src/server/audit';

let database: TestDatabase;
let deputy: { id: string; name: string };
let stationId: string;
const staff: Actor = { id: null, kind: 'system' };
const sheetKey = (n: number) => `SHEETKEY${String(n).padStart(12, '0')}`;

beforeAll(async () => {
  database = await createTestDatabase({ global: true });
  await loadSampleDrafts(database.db);
  const station = await createStation({ code: 'XC-01', name: '西长安街代表联络站', type: 'liaison_station', district: '西城区' }, staff, database.db);
  stationId = station.id;
  const [u] = await database.db.insert(users).values({ email: 'zhang@example.cn', passwordHash: 'x', role: 'deputy', name: '张代表' }).returning();
  deputy = { id: u.id, name: '张代表' };
  await addStationDeputy(station.id, 'zhang@example.cn', staff, database.db);
});
afterAll(async () => { await database.close(); });

const total = async () => Number((await database.db.select({ n: count() }).from(comments))[0].n);
const sheet = (rows: Array<Record<string, unknown>>, key = sheetKey(1)) => ({ draft: 'jiesu-jiban', idempotencyKey: key, byDeputy: false, rows });

describe("a deputy's sheet", () => {
  it('stores five comments in one go, attributed to the deputy and the station, with voices', async () => {
    const rows = [
      { article: 3, body: '建议热线延长人工服务时间。', name: '王阿姨', district: '西城区', voices: 3 },
      { article: '', body: '总体赞成，建议条例尽快出台。', voices: '12' },
      { article: 10, body: '承办单位答复要有时限。', district: '西城区', voices: 1 },
      { article: 5, body: '回访要问清楚诉求人是否满意。', name: '刘师傅', contact: '13800138000' },
      { article: 'general', body: '希望多开几次这样的座谈会。', voices: 20 },
    ];
    const r = await enterDeputyComments({ ...deputy, ip: '10.0.0.1' }, sheet(rows), database.db);
    expect(r.station?.code).toBe('XC-01');
    expect(r.comments).toHaveLength(5);
    const stored = await database.db.select().from(comments).where(eq(comments.deputyId, deputy.id));
    expect(stored).toHaveLength(5);
    for (const c of stored) expect(c).toMatchObject({ channel: 'deputy', stationId, byDeputy: false });
    expect(stored.map((c) => c.voices).sort((a, b) => a - b)).toEqual([1, 1, 3, 12, 20]);
    expect(stored.filter((c) => c.articleNumber === null)).toHaveLength(2);
    const audit = await database.db.select().from(auditEvents).where(eq(auditEvents.action, 'deputy.comments.enter'));
    expect(audit).toHaveLength(1);
    // The same sheet sent again (a double click, a retry) stores nothing new.
    const again = await enterDeputyComments(deputy, sheet(rows), database.db);
    expect(again.comments.map((c) => c.receipt)).toEqual(r.comments.map((c) => c.receipt));
    expect(await total()).toBe(5);
  });

  it('a bad row refuses the whole sheet, naming every bad row', async () => {
    const before = await total();
    const err = await enterDeputyComments(deputy, sheet([
      { article: 3, body: '这一条是好的意见内容。' },
      { article: 999, body: '不存在的条文。' },
      { article: 4, body: '短', voices: 0 },
      { article: 6, body: '联系方式不对的意见。', contact: 'not-a-phone' },
    ], sheetKey(2)), database.db).catch((e) => e);
    expect(err.code).toBe('ValidationFailed');
    expect(err.fields.map((f: { field: string }) => f.field).sort()).toEqual(['rows.1.article', 'rows.2.body', 'rows.2.voices', 'rows.3.contact']);
    expect(await total()).toBe(before);
  });

  it('refuses an empty sheet, a station that is not theirs, and a closed draft', async () => {
    expect((await enterDeputyComments(deputy, sheet([], sheetKey(3)), database.db).catch((e) => e)).fields[0].key).toBe('deputy.sheetEmpty');
    const other = await enterDeputyComments(deputy, { ...sheet([{ body: '别的站点的意见。' }], sheetKey(4)), station: 'NOPE-1' }, database.db).catch((e) => e);
    expect(other.fields[0]).toMatchObject({ field: 'station', key: 'deputy.notYourStation' });
    const closed = await enterDeputyComments(deputy, { ...sheet([{ body: '停车条例的意见内容。' }], sheetKey(5)), draft: 'tingche' }, database.db).catch((e) => e);
    expect(closed.code).toBe('ConsultationClosed');
  });

  it("a deputy's own comment is kept apart from residents'", async () => {
    const r = await enterDeputyComments(deputy, { ...sheet([{ article: 2, body: '作为代表，我建议增加代表联络站的反馈机制。', name: '冒名', voices: 50 }], sheetKey(6)), byDeputy: true }, database.db);
    const [c] = await database.db.select().from(comments).where(eq(comments.receipt, r.comments[0].receipt));
    expect(c).toMatchObject({ byDeputy: true, userId: deputy.id, deputyId: deputy.id, name: '张代表', voices: 1, contact: null });
  });
});

describe("the deputy's dashboard", () => {
  it("lists the station's comments with their status, and answers only once answered", async () => {
    const [first] = await database.db.select().from(comments).where(eq(comments.articleNumber, 3)).limit(1);
    await database.db.update(comments).set({ status: 'under_review', adoption: 'adopted', reason: '草稿理由' }).where(eq(comments.id, first.id));
    let list = await listDeputyComments(deputy.id, {}, database.db);
    expect(list.stations.map((s) => s.code)).toEqual(['XC-01']);
    expect(list.comments).toHaveLength(6);
    let row = list.comments.find((c) => c.id === first.id)!;
    expect(row).toMatchObject({ status: 'under_review', adoption: null, reason: null });
    expect(JSON.stringify(list)).not.toContain('13800138000');

    await database.db.update(comments).set({ status: 'answered', response: '已采纳，二审稿第三条已修改。', respondedAt: new Date() }).where(eq(comments.id, first.id));
    list = await listDeputyComments(deputy.id, { ids: [first.id] }, database.db);
    row = list.comments[0];
    expect(row).toMatchObject({ status: 'answered', adoption: 'adopted', response: '已采纳，二审稿第三条已修改。' });
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
    expect((await listDeputyComments(deputy.id, { day: today }, database.db)).comments).toHaveLength(6);
    expect((await listDeputyComments(deputy.id, { day: '2001-01-01' }, database.db)).comments).toHaveLength(0);
  });

  it("another deputy sees nothing of this station", async () => {
    const [other] = await database.db.insert(users).values({ email: 'other@example.cn', passwordHash: 'x', role: 'deputy' }).returning();
    expect((await listDeputyComments(other.id, {}, database.db)).comments).toEqual([]);
  });

  it('reads a Beijing day', () => {
    expect(shanghaiDay('2026-03-01')?.from.toISOString()).toBe('2026-02-28T16:00:00.000Z');
    expect(shanghaiDay('March 1')).toBeNull();
  });
});
