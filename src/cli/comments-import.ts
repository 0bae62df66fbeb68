/**
 * npm run comments:import -- --file F.csv [--out 回执.csv] [--by staff@example.com]
 *
 * Bulk intake of letters and partner systems' comments (docs/decisions/009-bulk-import.md):
 * every row validated first (one bad row imports nothing and every bad line is named), then
 * loaded in one transaction; re-running the same file imports nothing new. The receipt numbers
 * and lookup codes go to an output CSV — the only place a lookup code ever appears — which is
 * written beside the input unless --out names it, and never overwrites an existing file.
 *
 * An import that takes longer than two seconds prints a progress line on stderr every second
 * (rows stored, rows per second, time left: import-progress.ts): redrawn in place on a terminal,
 * one plain line each second otherwise (a log, nohup, CI), so whoever reads the log of a long
 * import run from a script still sees how far it got. stdout keeps only the summary.
 */
import { createReadStream, createWriteStream, existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { eq } from 'drizzle-orm';
import { CliUsageError, consoleIo, parseFlags, runCli, runIfStarted, withDatabase, type CliIo, type CliOptions } from './run-cli';
import { importComments, type ImportReceipt } from '../server/comments/import-comments';
import { ProgressTicker } from '../server/comments/import-progress';
import { systemActor, type Actor } from '../server/audit';
import { users } from '../db/schema';
import { can } from '../server/auth/permissions';
import { neutraliseCell } from '../server/reports/export-csv';
import type { Db } from '../db/client';

const usage = 'npm run comments:import -- --file 来信.csv [--out 回执.csv] [--by 工作人员邮箱]';

/** `F.receipts.csv` beside the input, or `F.receipts-2.csv` … when taken. */
function defaultOut(file: string): string {
  const base = file.replace(/\.csv$/i, '');
  for (let i = 1; ; i++) {
    const name = `${base}.receipts${i === 1 ? '' : `-${i}`}.csv`;
    if (!existsSync(name) && !existsSync(`${name}.partial`)) return name;
  }
}

function csvCell(value: string | number): string {
  const s = String(neutraliseCell(value));
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

async function actorFor(email: string | undefined, db: Db): Promise<Actor> {
  if (!email) return systemActor;
  const [user] = await db.select({ id: users.id, role: users.role, active: users.active }).from(users).where(eq(users.email, email.trim().toLowerCase()));
  if (!user || !user.active) throw new CliUsageError(`没有找到账号 ${email}。`, usage);
  if (!can(user, 'comment:import')) throw new CliUsageError(`账号 ${email} 没有导入意见的权限（需要工作人员或管理员）。`, usage);
  return { id: user.id, kind: 'user' };
}

/** Where progress lines go: a terminal gets one line redrawn in place, anything else one line each. */
export interface ProgressSink {
  tty: boolean;
  write(text: string): void;
}
const stderrSink: ProgressSink = { tty: Boolean(process.stderr.isTTY), write: (text) => void process.stderr.write(text) };

export async function main(argv: string[], io: CliIo = consoleIo, options: CliOptions & { progress?: ProgressSink } = {}): Promise<number> {
  return runCli(io, async () => {
    const flags = parseFlags(argv, { file: { type: 'string' }, out: { type: 'string' }, by: { type: 'string' } }, usage);
    if (!flags.file) throw new CliUsageError('缺少 --file。', usage);
    if (!existsSync(flags.file) || !statSync(flags.file).isFile()) throw new CliUsageError(`无法读取文件 ${flags.file}。`, usage);
    if (flags.out && existsSync(flags.out)) throw new CliUsageError(`输出文件 ${flags.out} 已存在；为免覆盖已发出的查询码，请换一个文件名。`, usage);
    const outPath = flags.out ?? defaultOut(flags.file);
    const partial = `${outPath}.partial`;
    const started = Date.now();

    await withDatabase(async ({ db }) => {
      const actor = await actorFor(flags.by, db);
      const out = createWriteStream(partial, { flags: 'wx' });
      out.write('\uFEFFline,external_id,receipt,lookup_code,status\n');
      const write = (r: ImportReceipt) => {
        out.write(`${r.line},${csvCell(r.externalId)},${r.receipt},${r.lookupCode ?? ''},${r.status}\n`);
      };
      const sink = options.progress ?? stderrSink;
      const ticker = new ProgressTicker(started);
      let drawn = false;
      const timer = setInterval(() => {
        const line = ticker.tick(Date.now());
        if (!line) return;
        sink.write(sink.tty ? `\r\x1b[2K${line}` : `${line}\n`);
        drawn = true;
      }, 250);
      let result;
      try {
        result = await importComments({ csv: createReadStream(flags.file!) }, {
          actor, source: 'cli', onReceipt: write, onProgress: (p) => ticker.update(p), totalBytes: statSync(flags.file!).size,
        }, db);
      } catch (err) {
        out.destroy();
        rmSync(partial, { force: true });
        throw err;
      } finally {
        clearInterval(timer);
        if (drawn && sink.tty) sink.write('\n');
      }
      out.end();
      await once(out, 'finish');
      renameSync(partial, outPath);
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      io.out(
        `意见导入完成：共 ${result.rows} 行，新增 ${result.imported} 条，已导入过 ${result.alreadyPresent} 条（未重复导入），` +
          `${result.grouped} 条新意见归入重复意见组；用时 ${seconds} 秒。`,
      );
      io.out(`回执号和查询码已写入 ${outPath}（查询码只出现在这个文件中，请妥善转交来信人）。文件 SHA-256：${result.sha256}`);
    }, options.database);
  });
}

await runIfStarted(import.meta.url, main);
