/**
 * A lock file beside a PGlite data directory. Two processes opening the same directory silently
 * lose rows, so the second one must fail loudly; a lock left by a dead process is taken over.
 */
import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';

export class PgliteLockedError extends Error {
  constructor(public readonly lockPath: string, public readonly holderPid: number, holder: string) {
    super(
      `嵌入式数据库目录正被另一个进程使用（pid ${holderPid}，${holder}）：${lockPath}\n` +
        '同一目录不能同时被两个进程打开，否则会丢失数据。请先停止那个进程，或用 PGLITE_DIR 指定另一个目录，或设置 DATABASE_URL 使用 PostgreSQL。',
    );
    this.name = 'PgliteLockedError';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lock for `dataDir` or throws PgliteLockedError; returns the function that releases it. */
export function acquirePgliteLock(dataDir: string): () => void {
  const lockPath = resolve(dataDir) + '.lock';
  mkdirSync(dirname(lockPath), { recursive: true });
  const content = JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx');
      writeSync(fd, content);
      closeSync(fd);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        try {
          const now = JSON.parse(readFileSync(lockPath, 'utf8')) as { pid: number };
          if (now.pid === process.pid) unlinkSync(lockPath);
        } catch {
          /* already gone */
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let holder: { pid?: number; host?: string; since?: string } = {};
      try {
        holder = JSON.parse(readFileSync(lockPath, 'utf8'));
      } catch {
        /* a half-written or unreadable lock is treated as stale */
      }
      const pid = Number(holder.pid);
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && holder.host === hostname() && isAlive(pid)) {
        throw new PgliteLockedError(lockPath, pid, `自 ${holder.since ?? '未知时间'} 起`);
      }
      // Stale lock (dead pid, or our own pid from a previous life): take it over.
      try {
        unlinkSync(lockPath);
      } catch {
        /* someone else removed it first; retry */
      }
    }
  }
  throw new Error(`无法获取嵌入式数据库锁：${lockPath}`);
}
