import pg from 'pg';

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A client on the server's maintenance database, for CREATE/DROP DATABASE. */
export async function adminUrl(url: string): Promise<pg.Client> {
  const u = new URL(url);
  u.pathname = '/postgres';
  const client = new pg.Client({ connectionString: u.toString() });
  await client.connect();
  return client;
}

export async function dropDatabase(url: string, name: string): Promise<void> {
  const admin = await adminUrl(url);
  try {
    await admin.query(`drop database if exists ${quoteIdent(name)} with (force)`);
  } finally {
    await admin.end();
  }
}

/** Creates database `name` as a copy of `template`; returns its URL. */
export async function createFromTemplate(url: string, name: string, template: string): Promise<string> {
  const admin = await adminUrl(url);
  try {
    // CREATE DATABASE … TEMPLATE fails while another session is connected to the template.
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`create database ${quoteIdent(name)} template ${quoteIdent(template)}`);
        break;
      } catch (err) {
        if (attempt >= 20 || !/being accessed by other users/.test(String(err))) throw err;
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
      }
    }
  } finally {
    await admin.end();
  }
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}
