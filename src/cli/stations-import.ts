/** npm run stations:import -- --file F.csv — imports stations (code, name, type, district, street, address). */
import { readFileSync } from 'node:fs';
import { CliUsageError, consoleIo, parseFlags, runCli, runIfStarted, withDatabase, type CliIo, type CliOptions } from './run-cli';
import { importStations } from '../server/stations/import-stations';
import { systemActor } from '../server/audit';

const usage = 'npm run stations:import -- --file 站点.csv';

export async function main(argv: string[], io: CliIo = consoleIo, options: CliOptions = {}): Promise<number> {
  return runCli(io, async () => {
    const flags = parseFlags(argv, { file: { type: 'string' } }, usage);
    if (!flags.file) throw new CliUsageError('缺少 --file。', usage);
    let text: string;
    try {
      text = readFileSync(flags.file, 'utf8');
    } catch {
      throw new CliUsageError(`无法读取文件 ${flags.file}。`, usage);
    }
    await withDatabase(async ({ db }) => {
      const r = await importStations(text, systemActor, db);
      io.out(`站点导入完成：新增 ${r.created} 个，更新 ${r.updated} 个，未变 ${r.unchanged} 个。`);
    }, options.database);
  });
}

await runIfStarted(import.meta.url, main);
