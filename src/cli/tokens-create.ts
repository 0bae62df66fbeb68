/**
 * npm run tokens:create -- --email E [--label L]
 * Prints a new API bearer token for that staff or admin account (shown only this once).
 */
import { AppError } from '../server/errors';
import { systemActor } from '../server/audit';
import { parseAccountId } from '../server/auth/schemas';
import { findUserByAccount } from '../server/auth/users';
import { createApiToken } from '../server/auth/tokens';
import { CliUsageError, consoleIo, parseFlags, runCli, runIfStarted, withDatabase, type CliIo, type CliOptions } from './run-cli';

const usage = 'npm run tokens:create -- --email E（或 --phone 手机号） [--label 用途]';

export async function main(argv: string[], io: CliIo = consoleIo, options: CliOptions = {}): Promise<number> {
  return runCli(io, async () => {
    const flags = parseFlags(argv, { email: { type: 'string' }, phone: { type: 'string' }, label: { type: 'string' } }, usage);
    const raw = flags.email ?? flags.phone;
    if (!raw) throw new CliUsageError('缺少参数 --email（或 --phone）。', usage);
    const account = parseAccountId(raw);
    if (!account) throw new CliUsageError(`“${raw}”不是有效的邮箱或手机号码。`, usage);
    const label = (flags.label ?? 'cli').trim().slice(0, 60) || 'cli';
    const created = await withDatabase(async () => {
      const user = await findUserByAccount(account);
      if (!user) throw new AppError('UserNotFound');
      return createApiToken({ userId: user.id, label }, systemActor);
    }, options.database);
    io.out('已创建接口令牌（只显示这一次，请妥善保存）：');
    io.out(created.token);
  });
}

await runIfStarted(import.meta.url, main);
