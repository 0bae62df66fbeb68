import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquirePgliteLock, PgliteLockedError } from '../../src/db/pglite-lock';

describe('PGlite lock file', () => {
  it('is taken, refused to a live holder, and released', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'lock-')), 'db');
    // A live process that holds the lock: a sleeping child whose pid we write as holder.
    const child = spawn(process.execPath, ['-e', 'setTimeout(()=>{}, 30000)']);
    try {
      writeFileSync(dir + '.lock', JSON.stringify({ pid: child.pid, host: hostname(), since: 'now' }));
      expect(() => acquirePgliteLock(dir)).toThrow(PgliteLockedError);
      expect(() => acquirePgliteLock(dir)).toThrow(new RegExp(`pid ${child.pid}`));
    } finally {
      child.kill('SIGKILL');
    }
    await new Promise((r) => child.once('exit', r));
    // The holder died: its stale lock is taken over.
    const release = acquirePgliteLock(dir);
    expect(JSON.parse(readFileSync(dir + '.lock', 'utf8')).pid).toBe(process.pid);
    release();
    expect(existsSync(dir + '.lock')).toBe(false);
  });
  it('takes over an unreadable lock file', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'lock-')), 'db');
    writeFileSync(dir + '.lock', 'garbage');
    const release = acquirePgliteLock(dir);
    release();
  });
});
