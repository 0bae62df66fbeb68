import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count, eq } from 'drizzle-orm';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { auditEvents, stations, users } from '../../src/db/schema';
import { importStations } from '../../src/server/stations/import-stations';
import {
  addStationDeputy, createStation, getStationByCode, listStationDeputies, removeStationDeputy, stationsOfDeputy, updateStation,
} from '../../src/server/stations/stations';
import { AppError } from '../../src/server/errors';
import type { Actor } from '../../src/server/audit';

let database: TestDatabase;
const admin: Actor = { id: null, kind: 'system' };
beforeAll(async () => { database = await createTestDatabase(); });
afterAll(async () => { await database.close(); });

const csv = (rows: string[]) => ['code,name,type,district,street,address', ...rows].join('\n') + '\n';
const stationCount = async () => Number((await database.db.select({ n: count() }).from(stations))[0].n);

describe('station import', () => {
  it('imports every row, audited, and re-importing the same file changes nothing', async () => {
    const file = csv([
      'DC-JDK,交道口代表之家,代表之家,东城区,交道口街道,交道口南大街1号',
      'XC-XCM,西长安街代表联络站,liaison_station,西城区,西长安街街道,',
      'CY-LXD,朝阳区基层立法联系点,基层立法联系点,朝阳区,,',
    ]);
    expect(await importStations(file, admin, database.db)).toEqual({ created: 3, updated: 0, unchanged: 0 });
    expect(await importStations(file, admin, database.db)).toEqual({ created: 0, updated: 0, unchanged: 3 });
    const s = await getStationByCode('dc-jdk', database.db);
    expect(s).toMatchObject({ name: '交道口代表之家', type: 'deputies_home', street: '交道口街道' });
    const events = await database.db.select().from(auditEvents).where(eq(auditEvents.action, 'station.import'));
    expect(events).toHaveLength(2);
  });

  it('updates changed rows by code', async () => {
    const r = await importStations(csv(['DC-JDK,交道口代表之家（新址）,代表之家,东城区,交道口街道,新地址']), admin, database.db);
    expect(r).toEqual({ created: 0, updated: 1, unchanged: 0 });
    expect((await getStationByCode('DC-JDK', database.db)).address).toBe('新地址');
  });

  it('imports nothing when one row is bad, and names the line', async () => {
    const before = await stationCount();
    const err = await importStations(csv(['NEW-1,新站一,liaison_station,海淀区,,', 'NEW-2,新站二,不存在的类型,海淀区,,']), admin, database.db).catch((e) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err.code).toBe('ValidationFailed');
    expect(err.fields).toEqual([{ field: 'line:3:type', key: 'station.typeInvalid' }]);
    expect(await stationCount()).toBe(before);
  });
});

describe('stations and deputies', () => {
  it('creates and edits a station; a taken code is a field error', async () => {
    const s = await createStation({ code: 'hd-01', name: '海淀代表之家', type: 'deputies_home', district: '海淀区' }, admin, database.db);
    expect(s.code).toBe('HD-01');
    const dup = await createStation({ code: 'HD-01', name: '又一个', type: 'deputies_home', district: '海淀区' }, admin, database.db).catch((e) => e);
    expect(dup.fields).toEqual([{ field: 'code', key: 'station.codeTaken' }]);
    const edited = await updateStation(s.id, { code: 'HD-01', name: '海淀区代表之家', type: 'deputies_home', district: '海淀区', street: '中关村街道' }, admin, database.db);
    expect(edited).toMatchObject({ name: '海淀区代表之家', street: '中关村街道' });
    const taken = await updateStation(s.id, { code: 'DC-JDK', name: 'x', type: 'deputies_home', district: '海淀区' }, admin, database.db).catch((e) => e);
    expect(taken.fields?.[0]?.key).toBe('station.codeTaken');
    const bad = await createStation({ code: '', name: '', type: '', district: '' }, admin, database.db).catch((e) => e);
    expect(bad.fields.map((f: { field: string }) => f.field).sort()).toEqual(['code', 'district', 'name', 'type']);
  });

  it('links deputies by email, only deputy accounts', async () => {
    const s = await getStationByCode('HD-01', database.db);
    const [deputy] = await database.db.insert(users).values({ email: 'Wang@example.cn', passwordHash: 'x', role: 'deputy', name: '王代表' }).returning();
    await database.db.insert(users).values({ email: 'citizen@example.cn', passwordHash: 'x', role: 'citizen' });
    await addStationDeputy(s.id, 'wang@example.cn', admin, database.db);
    await addStationDeputy(s.id, 'wang@example.cn', admin, database.db);
    expect(await listStationDeputies(s.id, database.db)).toEqual([{ id: deputy.id, name: '王代表', email: 'Wang@example.cn' }]);
    expect((await stationsOfDeputy(deputy.id, database.db)).map((x) => x.code)).toEqual(['HD-01']);
    const notDeputy = await addStationDeputy(s.id, 'citizen@example.cn', admin, database.db).catch((e) => e);
    expect(notDeputy.fields[0].key).toBe('station.notDeputy');
    const unknown = await addStationDeputy(s.id, 'nobody@example.cn', admin, database.db).catch((e) => e);
    expect(unknown.fields[0].key).toBe('station.deputyUnknown');
    await removeStationDeputy(s.id, deputy.id, admin, database.db);
    expect(await listStationDeputies(s.id, database.db)).toEqual([]);
  });
});
