/** The general write limits are keyed by who writes, so one station's Wi-Fi is not one client; signed-in people keep the address limit. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { writeLimits } from '../../src/server/web/write-limit';
import { createStation } from '../../src/server/stations/stations';
import { createEnrollment, enrollKiosk } from '../../src/server/stations/kiosks';
import { systemActor } from '../../src/server/audit';
import type { SessionUser } from '../../src/server/auth/session-user';

let database: TestDatabase;
beforeAll(async () => { database = await createTestDatabase(); });
afterAll(async () => { await database.close(); });

const jar = (values: Record<string, string> = {}) => ({
  get: (name: string) => (name in values ? { value: values[name] } : undefined),
  set: () => {},
  delete: () => {},
}) as never;
const person = (role: SessionUser['role'], via: SessionUser['via'] = 'session'): SessionUser =>
  ({ id: `00000000-0000-4000-8000-00000000000${role.length}`, role, via, name: null, email: null, phone: null, district: null, occupation: null });

describe('write limit key', () => {
  it('keys an enrolled kiosk by its credential, not by the shared IP', async () => {
    const station = await createStation({ code: 'WL01', name: '测试联络站', type: 'liaison_station', district: '东城区' }, systemActor, database.db);
    const { code } = await createEnrollment({ stationId: station.id }, systemActor, database.db);
    const { kiosk, credential } = await enrollKiosk(code, {}, database.db);
    const req = new Request('http://x/api/v1/kiosk/comments', { method: 'POST', headers: { 'x-kiosk-credential': credential } });
    const limits = await writeLimits(req, jar(), null, '10.0.0.1', database.db);
    expect(limits.map((l) => l.key)).toEqual([`writes:kiosk:${kiosk.id}`]);
  });
  it('falls back to the IP for a forged kiosk credential', async () => {
    const req = new Request('http://x/api/v1/kiosk/comments', { method: 'POST', headers: { 'x-kiosk-credential': 'forged' } });
    expect((await writeLimits(req, jar(), null, '10.0.0.1', database.db)).map((l) => l.key)).toEqual(['writes:ip:10.0.0.1']);
  });
  it('keys a signed-in deputy by account and by address, and an API client by token', async () => {
    const req = new Request('http://x/deputy/enter', { method: 'POST' });
    const deputy = person('deputy');
    // Signing in does not lift the address limit (issue 15: ten new accounts an hour per IP × 300 writes).
    expect((await writeLimits(req, jar(), deputy, '10.0.0.1', database.db)).map((l) => l.key)).toEqual(['writes:ip:10.0.0.1', `writes:user:${deputy.id}`]);
    const client = person('staff', 'token');
    expect((await writeLimits(req, jar(), client, '10.0.0.1', database.db)).map((l) => l.key)).toEqual([`writes:token:${client.id}`]);
  });
  it('keys anonymous browsers by IP', async () => {
    const req = new Request('http://x/drafts/a/comment', { method: 'POST' });
    expect((await writeLimits(req, jar(), null, '10.0.0.9', database.db)).map((l) => l.key)).toEqual(['writes:ip:10.0.0.9']);
  });
});
