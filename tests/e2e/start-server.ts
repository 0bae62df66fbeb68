/**
 * Starts the built server for e2e on a database of its own: a fresh PostgreSQL database
 * `kaimen_e2e` when DATABASE_URL is set, a fresh temporary PGlite dir otherwise.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { adminUrl, dropDatabase, quoteIdent } from '../support/pg-admin';
import { messagesFile } from './messages';

const env = { ...process.env };
if (env.DATABASE_URL) {
  const name = 'kaimen_e2e';
  await dropDatabase(env.DATABASE_URL, name);
  const admin = await adminUrl(env.DATABASE_URL);
  await admin.query(`create database ${quoteIdent(name)}`);
  await admin.end();
  const u = new URL(env.DATABASE_URL);
  u.pathname = `/${name}`;
  env.DATABASE_URL = u.toString();
} else {
  env.PGLITE_DIR = join(mkdtempSync(join(tmpdir(), 'kaimen-e2e-')), 'pglite');
}
// Codes and notices land here, for the tests to read as a person reads their phone.
rmSync(messagesFile, { force: true });
env.MESSAGES_FILE = messagesFile;
env.EXPORT_DIR = join(mkdtempSync(join(tmpdir(), 'kaimen-e2e-exports-')), 'exports');
// The server as `npm start` runs it: the bundle `npm run build` made of scripts/serve.ts.
const child = spawn(process.execPath, ['dist/serve.mjs'], { env, stdio: 'inherit' });
const stop = () => child.kill('SIGTERM');
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
child.on('exit', (code) => process.exit(code ?? 0));
