/** npm run kiosks:enroll -- --station CODE [--label L] — prints a one-time enrollment code for a new kiosk. */
import { CliUsageError, consoleIo, parseFlags, runCli, runIfStarted, withDatabase, type CliIo, type CliOptions } from './run-cli';
import { createEnrollment, ENROLLMENT_TTL_HOURS } from '../server/stations/kiosks';
import { getStationByCode } from '../server/stations/stations';
import { systemActor } from '../server/audit';
import { formatDateTime } from '../server/time';

const usage = 'npm run kiosks:enroll -- --station 站点编码 [--label 终端名称]';

export async function main(argv: string[], io: CliIo = consoleIo, options: CliOptions = {}): Promise<number> {
  return runCli(io, async () => {
    const flags = parseFlags(argv, { station: { type: 'string' }, label: { type: 'string' } }, usage);
    if (!flags.station) throw new CliUsageError('缺少 --station。', usage);
    await withDatabase(async ({ db }) => {
      const station = await getStationByCode(flags.station!, db);
      const e = await createEnrollment({ stationId: station.id, label: flags.label }, systemActor, db);
      io.out(`已为「${station.name}」（${station.code}）创建终端登记码：${e.code}`);
      io.out(`请在终端上打开 /kiosk/enroll 输入此码。登记码只能使用一次，${ENROLLMENT_TTL_HOURS} 小时内有效（至 ${formatDateTime(e.expiresAt)}）。`);
    }, options.database);
  });
}

await runIfStarted(import.meta.url, main);
