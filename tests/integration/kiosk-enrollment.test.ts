import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { kiosks } from '../../src/db/schema';
import { authenticateKiosk, createEnrollment, enrollKiosk, listKiosks, requireKiosk, revokeKiosk } from '../../src/server/stations/kiosks';
import { createStation } from '../../src/server/stations/stations';
import { sha256Hex } from '../../src/server/auth/secrets';
import type { Actor } from '../../src/server/audit';

let database: TestDatabase;
let stationId: string;
const staff: Actor = { id: null, kind: 'system' };
beforeAll(async () => {
  database = await createTestDatabase();
  stationId = (await createStation({ code: 'DC-1', name: '交道口代表之家', type: 'deputies_home', district: '东城区' }, staff, database.db)).id;
});
afterAll(async () => { await database.close(); });

describe('kiosk enrollment', () => {
  it('stores only hashes, enrolls once, and the credential authenticates the station', async () => {
    const e = await createEnrollment({ stationId, label: '一楼大厅' }, staff, database.db);
    const [row] = await database.db.select().from(kiosks).where(eq(kiosks.id, e.kiosk.id));
    expect(row.enrollmentCodeHash).toBe(sha256Hex(e.code.replace('-', '')));
    expect(JSON.stringify(row)).not.toContain(e.code.replace('-', ''));

    const { credential } = await enrollKiosk(e.code.toLowerCase().replace('-', ' '), {}, database.db);
    expect(credential.length).toBeGreaterThanOrEqual(40);
    const [enrolled] = await database.db.select().from(kiosks).where(eq(kiosks.id, e.kiosk.id));
    expect(enrolled.credentialHash).toBe(sha256Hex(credential));
    expect(enrolled.enrollmentCodeHash).toBeNull();

    const again = await enrollKiosk(e.code, {}, database.db).catch((err) => err);
    expect(again.code).toBe('EnrollmentCodeInvalid');

    const who = await authenticateKiosk(credential, database.db);
    expect(who).toMatchObject({ role: 'kiosk', kioskId: e.kiosk.id, station: { code: 'DC-1', name: '交道口代表之家' } });
    expect(await authenticateKiosk('x'.repeat(52), database.db)).toBeNull();
    expect(await authenticateKiosk(undefined, database.db)).toBeNull();
  });

  it('refuses an expired code and a wrong one', async () => {
    const past = new Date(Date.now() - 25 * 3600_000);
    const e = await createEnrollment({ stationId }, staff, database.db, past);
    expect((await enrollKiosk(e.code, {}, database.db).catch((err) => err)).code).toBe('EnrollmentCodeInvalid');
    expect((await enrollKiosk('ABCD-EFGH', {}, database.db).catch((err) => err)).code).toBe('EnrollmentCodeInvalid');
    expect((await enrollKiosk('', {}, database.db).catch((err) => err)).code).toBe('EnrollmentCodeInvalid');
    expect((await listKiosks({ stationId }, database.db)).find((k) => k.id === e.kiosk.id)?.state).toBe('expired');
  });

  it('a revoked kiosk is refused at once, and its unused code too', async () => {
    const e = await createEnrollment({ stationId }, staff, database.db);
    const { credential, kiosk } = await enrollKiosk(e.code, {}, database.db);
    expect(await authenticateKiosk(credential, database.db)).not.toBeNull();
    await revokeKiosk(kiosk.id, staff, database.db);
    expect(await authenticateKiosk(credential, database.db)).toBeNull();
    expect((await requireKiosk(credential, database.db).catch((err) => err)).code).toBe('KioskUnauthorized');

    const pending = await createEnrollment({ stationId }, staff, database.db);
    await revokeKiosk(pending.kiosk.id, staff, database.db);
    expect((await enrollKiosk(pending.code, {}, database.db).catch((err) => err)).code).toBe('EnrollmentCodeInvalid');
    const states = (await listKiosks({}, database.db)).map((k) => k.state);
    expect(states.filter((s) => s === 'revoked')).toHaveLength(2);
  });

  it('two devices racing with one code: exactly one wins', async () => {
    const e = await createEnrollment({ stationId }, staff, database.db);
    const results = await Promise.allSettled([enrollKiosk(e.code, {}, database.db), enrollKiosk(e.code, {}, database.db)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });
});
