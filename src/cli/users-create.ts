/**
 * npm run users:create -- --role citizen|deputy|staff|admin --email E --password P [--name N] [--station CODE]
 * Creates an account (or with --phone instead of --email); --station (repeatable) links a deputy
 * to a liaison station that must already exist.
 */
import { isAppError } from '../server/errors';
import { t } from '../i18n';
import { systemActor } from '../server/audit';
import { createUserSchema } from '../server/auth/schemas';
import { createUser } from '../server/auth/users';
import { parseOrFail } from '../server/validation';
import { CliUsageError, consoleIo, parseFlags, runCli, runIfStarted, withDatabase, type CliIo, type CliOptions } from './run-cli';

const usage = 'npm run users:create -- --role citizen|deputy|staff|admin --email E（或 --phone 手机号） --password P [--name N] [--station 联络站编号]';

export async function main(argv: string[], io: CliIo = consoleIo, options: CliOptions = {}): Promise<number> {
  return runCli(io, async () => {
    const flags = parseFlags(argv, {
      role: { type: 'string' }, email: { type: 'string' }, phone: { type: 'string' }, password: { type: 'string' },
      name: { type: 'string' }, district: { type: 'string' }, occupation: { type: 'string' },
      station: { type: 'string', multiple: true },
    }, usage);
    if (!flags.role || !flags.password || (!flags.email && !flags.phone)) throw new CliUsageError('缺少必需的参数 --role、--email（或 --phone）、--password。', usage);
    if (flags.email && flags.phone) throw new CliUsageError('--email 和 --phone 只能给一个。', usage);
    const data = parseOrFail(createUserSchema, {
      role: flags.role, account: flags.email ?? flags.phone, password: flags.password,
      name: flags.name, district: flags.district, occupation: flags.occupation, stations: flags.station ?? [],
    });
    const user = await withDatabase(() => createUser(data, systemActor), options.database).catch((err: unknown) => {
      if (isAppError(err) && err.code === 'StationNotFound') {
        throw new CliUsageError(`没有编号为 ${err.params.code} 的代表联络站，账户未创建。请先用 npm run stations:import 导入联络站。`);
      }
      throw err;
    });
    const stations = data.stations.length ? `，关联联络站 ${data.stations.join('、')}` : '';
    io.out(`已创建${t('zh-CN', `role.${user.role}`)}账户 ${user.email ?? user.phone}（编号 ${user.id}）${stations}。`);
  });
}

await runIfStarted(import.meta.url, main);
