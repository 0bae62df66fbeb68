/**
 * Seeds a fresh PGlite dir for the kiosk and deputy e2e specs (run with tsx before their own
 * server starts on that dir): the sample drafts, two stations, a deputy and a staff account, and
 * one kiosk enrollment code. Prints `{ "enrollmentCode": … }` as its last line.
 */
import { withDatabase } from '../../src/cli/run-cli';
import { loadSampleDrafts } from '../../src/server/drafts/sample-drafts';
import { importStations } from '../../src/server/stations/import-stations';
import { createEnrollment } from '../../src/server/stations/kiosks';
import { getStationByCode } from '../../src/server/stations/stations';
import { createUser } from '../../src/server/auth/users';
import { createUserSchema } from '../../src/server/auth/schemas';
import { systemActor } from '../../src/server/audit';

export const E2E_PASSWORD = 'Kaimen-e2e-Passw0rd!';

// The spawning spec removes DATABASE_URL: this is the PGlite dir its server will open.
await withDatabase(async ({ db }) => {
  await loadSampleDrafts(db);
  await importStations(
    'code,name,type,district,street,address\n' +
      'DC-JDK,交道口街道代表之家,代表之家,东城区,交道口街道,交道口南大街1号\n' +
      'XC-XCA,西长安街代表联络站,代表联络站,西城区,西长安街街道,\n',
    systemActor, db,
  );
  await createUser(createUserSchema.parse({ role: 'deputy', account: 'deputy@example.cn', password: E2E_PASSWORD, name: '王建国', stations: ['DC-JDK'] }), systemActor, db);
  await createUser(createUserSchema.parse({ role: 'staff', account: 'staff@example.cn', password: E2E_PASSWORD, name: '工作人员' }), systemActor, db);
  const station = await getStationByCode('DC-JDK', db);
  const e = await createEnrollment({ stationId: station.id, label: '一楼大厅' }, systemActor, db);
  console.log(JSON.stringify({ enrollmentCode: e.code }));
});
