/**
 * Anchors of the audit chain outside the database (docs/decisions/012-audit-hmac-and-anchors.md).
 * An anchor states "the chain held `count` rows up to row `lastId`, whose hash was `head`", signed
 * with the audit key. It is appended as one JSON line to AUDIT_ANCHOR_FILE (best on other storage
 * than the database) and printed to the log with the prefix `[audit] anchor `. The job runner
 * writes one about every minute when the chain has grown since this process's last anchor;
 * `npm run audit:verify` writes one after each successful check. Whoever can rewrite the
 * database can then no longer cut off the newest rows unnoticed: an anchor names them.
 */
import { timingSafeEqual } from 'node:crypto';
import { closeSync, createReadStream, fstatSync, fsyncSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { hmacSha256, keyRing, type KeyRing } from './keys';
import type { AnchorClaim } from './audit';
import { log as logger } from './log';

export interface Anchor {
  at: string;
  lastId: number;
  count: number;
  head: string;
  keyId: string;
  mac: string;
}

/** What a log line of an anchor starts with; readAnchors() finds anchors after it in a log file too. */
export const ANCHOR_LOG_PREFIX = '[audit] anchor ';

function anchorMac(key: Buffer, a: Omit<Anchor, 'mac'>): string {
  return hmacSha256(key).update(`kaimen:audit-anchor|${a.keyId}|${a.at}|${a.lastId}|${a.count}|${a.head}`).digest('hex');
}

/** A new anchor of `state`, signed with the current audit key. */
export function makeAnchor(state: { lastId: number; count: number; head: string }, ring: KeyRing = keyRing('audit'), at = new Date()): Anchor {
  const unsigned = { at: at.toISOString(), lastId: state.lastId, count: state.count, head: state.head, keyId: ring.currentId };
  return { ...unsigned, mac: anchorMac(ring.current, unsigned) };
}

/**
 * Appends the anchor to `file` (O_APPEND, one write, fsync; the folder is created when missing)
 * and prints the same line to `log` (default: the JSON log, the anchor in its `anchor` field).
 * Throws when the file cannot be written.
 */
export function writeAnchor(file: string, anchor: Anchor, log?: (line: string) => void): void {
  const line = JSON.stringify(anchor);
  mkdirSync(dirname(file), { recursive: true });
  const fd = openSync(file, 'a+', 0o640);
  try {
    // After a crash cut the last line short, start a new line, so that this anchor stays whole.
    const size = fstatSync(fd).size;
    const last = Buffer.alloc(1);
    const torn = size > 0 && readSync(fd, last, 0, 1, size - 1) === 1 && last[0] !== 0x0a;
    writeSync(fd, `${torn ? '\n' : ''}${line}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  if (log) log(`${ANCHOR_LOG_PREFIX}${line}`);
  else logger.info({ anchor }, ANCHOR_LOG_PREFIX.trim());
}

/** The anchor a line of a file or log may hold (null: none). */
function anchorText(raw: string): string | null {
  const text = raw.trim();
  if (text.startsWith('{')) {
    // A line of the JSON log: its `anchor` field, or nothing for every other log line.
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return text; // a torn anchor line: reported as unreadable
    }
    if (parsed && typeof parsed === 'object' && 'msg' in parsed) return 'anchor' in parsed ? JSON.stringify(parsed.anchor) : null;
    return text;
  }
  const at = raw.indexOf(ANCHOR_LOG_PREFIX);
  return at >= 0 ? raw.slice(at + ANCHOR_LOG_PREFIX.length).trim() : null;
}

/** The newest row and the number of rows up to it, read in one statement (one snapshot). */
export async function readChainHead(db: DbOrTx, since?: { lastId: number; count: number }): Promise<{ lastId: number; count: number; head: string } | null> {
  const after = since?.lastId ?? 0;
  const { rows } = await db.execute<{ id: string | number; hash: string; n: string | number }>(sql`
    select t.id, t.hash, (select count(*) from audit_events where id > ${after} and id <= t.id) as n
    from audit_events t order by t.id desc limit 1`);
  if (!rows[0]) return null;
  return { lastId: Number(rows[0].id), count: (since?.count ?? 0) + Number(rows[0].n), head: rows[0].hash };
}

export interface AnchorState {
  lastId: number;
  count: number;
}

/**
 * Writes an anchor of the chain's present head when it has grown since `since` (this process's
 * previous anchor; null: none yet) and returns the new state, or `since` when nothing was added.
 * The count is carried forward from `since`, so each call counts only the new rows. Warns (does
 * not throw) when rows this process anchored have disappeared.
 */
export async function anchorAuditChain(db: DbOrTx, file: string, since: AnchorState | null, log?: (line: string) => void): Promise<AnchorState | null> {
  const head = await readChainHead(db, since ?? undefined);
  if (since && (!head || head.lastId < since.lastId)) {
    logger.warn(`[audit] 审计链的末尾不见了：本进程已为第 ${since.lastId} 条记录写过锚点，现在数据库只到第 ${head?.lastId ?? 0} 条。请立即运行 npm run audit:verify 并报告。`);
    return since;
  }
  if (!head || (since && head.lastId === since.lastId)) return since;
  writeAnchor(file, makeAnchor(head), log);
  return { lastId: head.lastId, count: head.count };
}

export type AnchorProblem =
  /** Signed with a key this process does not know (missing from AUDIT_PREVIOUS_KEYS), or forged. */
  | { kind: 'unknownKey'; source: string; keyId: string }
  /** The MAC does not match: forged or altered. */
  | { kind: 'forged'; source: string };

export interface AnchorRead {
  /** Anchors with a valid MAC, one per distinct (lastId, count, head). */
  anchors: AnchorClaim[];
  problems: AnchorProblem[];
  /**
   * Lines that look like an anchor but are not one whole (cut short by a crash, or edited). They
   * are reported, not counted as a failure: deleting a line is as easy as garbling it, so a
   * garbled line proves nothing either way, and a crash can leave one.
   */
  unreadable: string[];
  /** Files that do not exist (the first run; or removed, which nothing here can tell apart). */
  missing: string[];
  /** Anchor lines read, duplicates included. */
  lines: number;
}

/**
 * Reads anchors from anchor files or logs: every line that starts with `{`, or that carries
 * `[audit] anchor ` followed by the JSON, or a JSON log line (log.ts) with an `anchor` field;
 * other lines are skipped (a log holds other things).
 * Checks each MAC with the key the anchor names.
 */
export async function readAnchors(files: string[], ring: KeyRing = keyRing('audit')): Promise<AnchorRead> {
  const result: AnchorRead = { anchors: [], problems: [], unreadable: [], missing: [], lines: 0 };
  const seen = new Set<string>();
  for (const file of files) {
    const input = createReadStream(file, 'utf8');
    const opened = await new Promise<boolean>((resolve, reject) => {
      input.once('ready', () => resolve(true));
      input.once('error', (err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? resolve(false) : reject(err)));
    });
    if (!opened) {
      result.missing.push(file);
      continue;
    }
    let number = 0;
    for await (const raw of createInterface({ input, crlfDelay: Infinity })) {
      number++;
      const text = anchorText(raw);
      if (text !== null) check(text, `${file}:${number}`);
    }
  }
  return result;

  function check(text: string, source: string): void {
    result.lines++;
    const anchor = parseAnchor(text);
    if (!anchor) {
      result.unreadable.push(source);
      return;
    }
    const key = ring.byId.get(anchor.keyId);
    if (!key) {
      result.problems.push({ kind: 'unknownKey', source, keyId: anchor.keyId });
      return;
    }
    const expected = Buffer.from(anchorMac(key, anchor), 'hex');
    const given = Buffer.from(anchor.mac, 'hex');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      result.problems.push({ kind: 'forged', source });
      return;
    }
    const id = `${anchor.lastId}|${anchor.count}|${anchor.head}`;
    if (seen.has(id)) return;
    seen.add(id);
    result.anchors.push({ lastId: anchor.lastId, count: anchor.count, head: anchor.head, source });
  }
}

function parseAnchor(text: string): Anchor | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (!v || typeof v !== 'object') return null;
  const a = v as Record<string, unknown>;
  const hex = (x: unknown, n: number) => typeof x === 'string' && x.length === n && /^[0-9a-f]+$/.test(x);
  const positive = (x: unknown) => typeof x === 'number' && Number.isSafeInteger(x) && x > 0;
  if (typeof a.at !== 'string' || !positive(a.lastId) || !positive(a.count) || !hex(a.head, 64) || !hex(a.keyId, 16) || !hex(a.mac, 64)) return null;
  return { at: a.at, lastId: a.lastId as number, count: a.count as number, head: a.head as string, keyId: a.keyId as string, mac: a.mac as string };
}
