/**
 * Bulk intake of comments (letters transcribed by staff, partner systems): a CSV file or JSON
 * rows, validated row by row with the web comment's rules, loaded in one transaction, idempotent
 * by the partner's id of each letter (docs/decisions/009-bulk-import.md).
 *
 * The rows stream through: each is validated, placed (draft, round, article, station, period),
 * given its receipt, lookup code and text features in Node, and sent in batches of 5,000 while
 * the next batch is being prepared. The first bad row stops the writing; the rest of the file is
 * still read so that every bad row is reported (line and reason), and the transaction is rolled
 * back: one bad row imports nothing. Rows whose id was imported before are counted, not stored
 * again; the same id with a different comment is an error.
 */
import { createHash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { parse } from 'csv-parse';
import { sql } from 'drizzle-orm';
import { getDb, type DbOrTx } from '../../db/client';
import { AppError, type FieldIssue } from '../errors';
import { recordAudit, type Actor } from '../audit';
import { columnOf, importColumns, importRowSchema, requiredColumns, type ImportColumn } from './import-schemas';
import { loadImportTargets, resolveImportTarget, type ImportTargets } from './import-targets';
import { fastReceipt, hashLookupCode, importKeyDigest, randomLookupCode } from './import-features';
import { textFeaturesOf } from '../grouping/text-features';
import { createImportScratch, findByKeys, groupImportedDuplicates, insertBatch, literalElementsOf, type PreparedRow } from './import-sql';
import type { ImportProgress } from './import-progress';
import { tryParse } from '../validation';
import { guardDatabase } from './submit-comment';
import { NEAR_GROUPS_LANE, queueImportedForNearGroups } from '../grouping/group-imported';
import { bumpCountsVersion } from '../review/inbox-counts';
import { kickJobRunner } from '../jobs/runner';

export type ImportSource = { csv: string | Buffer | AsyncIterable<Buffer | string> } | { rows: unknown[] };

export interface ImportReceipt {
  /** The row's line in the file (CSV) or its position (JSON rows, from 1). */
  line: number;
  externalId: string;
  receipt: string;
  /** Only for rows stored by this run: a code is never stored, so a re-run cannot show it again. */
  lookupCode: string | null;
  status: 'imported' | 'already_present';
}

export interface ImportOptions {
  actor: Actor;
  source: 'cli' | 'api';
  now?: Date;
  /** Called for each row once its batch is stored, in file order within a batch. */
  onReceipt?: (receipt: ImportReceipt) => void;
  /** Called after each stored batch, and once when grouping starts (import-progress.ts). */
  onProgress?: (progress: ImportProgress) => void;
  /** The CSV's size in bytes, when known (a file, a request body): gives the progress its share read. */
  totalBytes?: number;
  batchSize?: number;
}

export interface ImportResult {
  rows: number;
  imported: number;
  alreadyPresent: number;
  /** Imported comments that are now in a duplicate group. */
  grouped: number;
  sha256: string;
}

/** Bad rows listed one by one; beyond this, one line says how many more. */
export const MAX_LISTED_ISSUES = 1000;
const BATCH = 5000;
/** The first batch is small, so the database starts while Node prepares the next 5,000 rather than waiting for them. */
const FIRST_BATCH = 500;
const MAX_RECEIPT_ATTEMPTS = 8;

interface Pending extends PreparedRow {
  /** Its values as insertBatch's literal elements (import-sql.ts literalElementsOf). */
  elements: string[];
  line: number;
  externalId: string;
  lookupCode: string;
  draftCode: string;
  roundNumber: number;
}

/**
 * Imports the comments of `input` in one transaction with one audit event (who, the file's
 * SHA-256, counts). Throws ValidationFailed listing each bad row as `line N: column` (nothing is
 * imported then) or ServiceUnavailable.
 */
export async function importComments(input: ImportSource, opts: ImportOptions, db: DbOrTx = getDb()): Promise<ImportResult> {
  const now = opts.now ?? new Date();
  const batchSize = opts.batchSize ?? BATCH;
  // A database error is logged by its SQLSTATE only: the driver's message carries the rows' contacts.
  const result = await guardDatabase(() => db.transaction(async (tx) => {
    const targets = await loadImportTargets(tx);
    // The batches' CTE (5,000 rows of text and arrays) and grouping's sort of every band key stay in
    // memory instead of spilling to disk (4 MB by default); this transaction only.
    await tx.execute(sql`set local work_mem = '128MB'`);
    await createImportScratch(tx);
    const issues: FieldIssue[] = [];
    let unlisted = 0;
    const report = (issue: FieldIssue) => (issues.length < MAX_LISTED_ISSUES ? issues.push(issue) : unlisted++);
    const counts = { rows: 0, imported: 0, alreadyPresent: 0 };
    const records = 'csv' in input ? csvRecords(input.csv, report) : jsonRecords(input.rows, report);
    const unit: Unit = 'csv' in input ? 'line' : 'row';

    let batch: Pending[] = [];
    let writing: Promise<void> = Promise.resolve();
    let writeError: unknown;
    const progress = (read: number, fraction: number | null, phase: ImportProgress['phase']) =>
      opts.onProgress?.({ stored: counts.imported + counts.alreadyPresent, read, fraction, phase });
    let flushed = 0;
    const flush = () => {
      flushed++;
      const rows = batch;
      batch = [];
      const read = counts.rows;
      const fraction = records.fraction(read, opts.totalBytes);
      // One batch at a time (the next is prepared meanwhile), so duplicates are seen in order.
      writing = writing.then(async () => {
        if (writeError || issues.length) return;
        await storeBatch(tx, rows, unit, counts, report, opts.onReceipt);
        progress(read, fraction, 'rows');
      }).catch((err) => { writeError ??= err; });
    };

    for await (const { line, record } of records.iterable) {
      if (writeError) break;
      counts.rows++;
      const row = prepareRow(unit, line, record, targets, now, report);
      if (!row || issues.length) continue;
      batch.push(row);
      if (batch.length >= (flushed ? batchSize : Math.min(batchSize, FIRST_BATCH))) {
        await writing; // one batch in the database while the next is prepared, never more
        flush();
      }
    }
    if (batch.length) flush();
    await writing;
    if (writeError) throw writeError;
    if (!counts.rows && !issues.length) report({ field: 'file', key: 'commentImport.empty' });
    if (issues.length) {
      if (unlisted) issues.push({ field: 'file', key: 'commentImport.moreErrors', params: { count: unlisted } });
      throw new AppError('ValidationFailed', {}, issues);
    }
    if (counts.imported) progress(counts.rows, 1, 'grouping');
    const grouped = counts.imported ? await groupImportedDuplicates(tx) : 0;
    // Near duplicates (rewritten copies of a letter) are looked up after the import, by a job (grouping/group-imported.ts).
    if (counts.imported) await queueImportedForNearGroups(tx);
    // Imported comments keep their own (past) dates: the public pages' counts marker (drafts/page-state.ts) needs telling.
    if (counts.imported) await bumpCountsVersion(tx);
    const sha256 = records.sha256();
    await recordAudit(tx, opts.actor, {
      action: 'comment.import', objectType: 'comment_import', objectId: sha256,
      after: { source: opts.source, rows: counts.rows, imported: counts.imported, alreadyPresent: counts.alreadyPresent, grouped },
    });
    return { ...counts, grouped, sha256 };
  }));
  // Start on the queue now rather than at the lane's next poll.
  if (result.imported) kickJobRunner(NEAR_GROUPS_LANE);
  return result;
}

type Report = (issue: FieldIssue) => void;
type Unit = 'line' | 'row';
/** The field of an issue: `line 12: body` (CSV) or `row 12: body` (JSON rows). */
const at = (unit: Unit, line: number, column: string) => `${unit} ${line}: ${column}`;

/** Validates and places one row, computing everything the database needs; null when refused. */
function prepareRow(unit: Unit, line: number, record: Record<string, unknown>, targets: ImportTargets, now: Date, report: Report): Pending | null {
  const parsed = tryParse(importRowSchema, record);
  if (!parsed.ok) {
    for (const f of parsed.fields) report({ ...f, field: at(unit, line, f.field) });
    return null;
  }
  const row = parsed.data;
  const target = resolveImportTarget(row, targets, now);
  if ('column' in target) {
    report({ field: at(unit, line, target.column), key: target.key, params: target.params });
    return null;
  }
  const features = textFeaturesOf(row.body);
  const receipt = fastReceipt(target.draftCode, target.roundNumber);
  const lookupCode = randomLookupCode();
  const prepared: Omit<Pending, 'elements'> = {
    line, externalId: row.external_id, lookupCode, draftCode: target.draftCode, roundNumber: target.roundNumber,
    key: importKeyDigest(row.external_id), receipt, lookupHash: hashLookupCode(receipt, lookupCode),
    roundId: target.roundId, articleId: target.articleId, articleNumber: target.articleNumber, body: row.body,
    name: row.name ?? null, publishName: row.publish_name, district: row.district ?? null, occupation: row.occupation ?? null,
    // Letters and partners' files record no wish to be told: the import never sends messages.
    contact: row.contact ?? null, notify: false, channel: row.channel, stationId: target.stationId, voices: row.voices,
    bigrams: features.bigrams, fingerprint: features.fingerprint, minhash: features.minhash,
    at: target.at,
  };
  return { ...prepared, elements: literalElementsOf(prepared) };
}

/**
 * Stores one batch. Rows not inserted are either already there (the same id imported before:
 * the stored receipt is reported, or a Conflict issue when the comment differs) or lost a
 * receipt collision (a new number is drawn and the row tried again).
 */
async function storeBatch(tx: DbOrTx, rows: Pending[], unit: Unit, counts: { imported: number; alreadyPresent: number }, report: Report, onReceipt?: (r: ImportReceipt) => void): Promise<void> {
  const results = new Map<Pending, ImportReceipt>();
  let todo = rows;
  for (let attempt = 0; todo.length && attempt < MAX_RECEIPT_ATTEMPTS; attempt++) {
    const inserted = await insertBatch(tx, todo);
    const isNew = (r: Pending) => inserted.has(`${r.key}|${r.receipt}`);
    const missed = todo.filter((r) => !isNew(r));
    for (const r of todo) {
      if (isNew(r)) results.set(r, { line: r.line, externalId: r.externalId, receipt: r.receipt, lookupCode: r.lookupCode, status: 'imported' });
    }
    counts.imported += todo.length - missed.length;
    const stored = missed.length ? await findByKeys(tx, missed.map((r) => r.key)) : new Map();
    todo = [];
    for (const r of missed) {
      const s = stored.get(r.key);
      if (!s) {
        r.receipt = fastReceipt(r.draftCode, r.roundNumber);
        r.lookupHash = hashLookupCode(r.receipt, r.lookupCode);
        r.elements = literalElementsOf(r);
        todo.push(r);
      } else if (s.roundId === r.roundId && s.articleNumber === r.articleNumber && s.body === r.body) {
        counts.alreadyPresent++;
        results.set(r, { line: r.line, externalId: r.externalId, receipt: s.receipt, lookupCode: null, status: 'already_present' });
      } else {
        report({ field: at(unit, r.line, 'external_id'), key: 'commentImport.conflict', params: { externalId: r.externalId.slice(0, 100) } });
      }
    }
  }
  if (todo.length) throw new AppError('ServiceUnavailable');
  if (onReceipt) for (const r of rows) { const res = results.get(r); if (res) onReceipt(res); }
}

interface Records {
  iterable: AsyncIterable<{ line: number; record: Record<string, unknown> }>;
  sha256(): string;
  /** The share of the input read once `read` rows were (bytes of `totalBytes` for CSV), or null. */
  fraction(read: number, totalBytes?: number): number | null;
}

/** The rows of a CSV text or byte stream, each with the line it starts on; header problems are reported. */
function csvRecords(csv: string | Buffer | AsyncIterable<Buffer | string>, report: Report): Records {
  const hash = createHash('sha256');
  const whole = typeof csv === 'string' ? Buffer.byteLength(csv) : Buffer.isBuffer(csv) ? csv.length : undefined;
  const source = typeof csv === 'string' || Buffer.isBuffer(csv) ? Readable.from([csv]) : Readable.from(csv);
  const tap = new Transform({ transform(chunk, _enc, done) { hash.update(chunk); done(null, chunk); } });
  /** Bytes parsed up to the last row yielded (csv-parse's count, BOM included). */
  let parsedBytes = 0;
  let headerOk = true;
  const parser = parse({
    bom: true,
    info: true,
    skip_empty_lines: true,
    relax_column_count: false,
    record_delimiter: ['\r\n', '\n', '\r'],
    columns: (header: string[]) => headerColumns(header, report, () => (headerOk = false)),
  });
  source.on('error', (err) => parser.destroy(err));
  source.pipe(tap).pipe(parser);
  async function* iterate() {
    let prevEnd = 1;
    let prevEmpty = 0;
    try {
      for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number; empty_lines: number; bytes: number } }>) {
        if (!headerOk) break;
        parsedBytes = info.bytes;
        const line = prevEnd + 1 + (info.empty_lines - prevEmpty);
        prevEnd = info.lines;
        prevEmpty = info.empty_lines;
        yield { line, record };
      }
    } catch (err) {
      if (!(err as { code?: string }).code?.startsWith('CSV_')) throw err;
      report({ field: at('line', Number((err as { lines?: number }).lines ?? prevEnd + 1), 'file'), key: 'commentImport.malformed' });
    } finally {
      source.destroy();
    }
  }
  const fraction = (_read: number, totalBytes?: number) => {
    const size = totalBytes ?? whole;
    return size ? Math.min(1, parsedBytes / size) : null;
  };
  return { iterable: iterate(), sha256: () => hash.digest('hex'), fraction };
}

/** Maps header cells to columns; unknown, repeated or missing columns are reported on line 1. */
function headerColumns(header: string[], report: Report, refuse: () => void): string[] {
  const seen = new Set<ImportColumn>();
  const names = header.map((h, i) => {
    const column = columnOf(h);
    if (!column || seen.has(column)) {
      report({ field: at('line', 1, h.trim().slice(0, 40) || `#${i + 1}`), key: column ? 'commentImport.duplicateColumn' : 'commentImport.unknownColumn', params: { column: h.trim().slice(0, 40) } });
      refuse();
      return `__ignored_${i}`;
    }
    seen.add(column);
    return column;
  });
  for (const c of requiredColumns) {
    if (!seen.has(c)) {
      report({ field: at('line', 1, c), key: 'commentImport.missingColumn', params: { column: c } });
      refuse();
    }
  }
  return names;
}

/** JSON rows (the staff API): each must be an object; its position counts as its line. */
function jsonRecords(rows: unknown[], report: Report): Records {
  const sha = createHash('sha256').update(JSON.stringify(rows)).digest('hex');
  async function* iterate() {
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      if (typeof r !== 'object' || r === null || Array.isArray(r)) {
        report({ field: `row ${i + 1}`, key: 'commentImport.rowNotObject' });
        continue;
      }
      const record: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(r)) {
        const column = columnOf(k) ?? (k === 'externalId' ? 'external_id' : k === 'publishName' ? 'publish_name' : k === 'receivedAt' ? 'received_at' : null);
        if (!column) report({ field: `row ${i + 1}: ${k.slice(0, 40)}`, key: 'commentImport.unknownColumn', params: { column: k.slice(0, 40) } });
        else record[column] = v;
      }
      yield { line: i + 1, record };
    }
  }
  return { iterable: iterate(), sha256: () => sha, fraction: (read) => (rows.length ? read / rows.length : null) };
}

export { importColumns };
