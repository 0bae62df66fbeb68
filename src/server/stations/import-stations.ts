/**
 * CSV import of stations (code, name, type, district, street, address), for the admin page and
 * `npm run stations:import`. Every row is validated first; one bad row refuses the whole file
 * with its line number, so nothing is ever half-imported. Existing codes are updated.
 */
import { inArray } from 'drizzle-orm';
import { parse } from 'csv-parse/sync';
import { stations } from '../../db/schema';
import { getDb, type DbOrTx } from '../../db/client';
import { AppError, type FieldIssue } from '../errors';
import { recordAudit, type Actor } from '../audit';
import { stationInput, type StationInput } from './schemas';
import { tryParse } from '../validation';
import { toRow } from './stations';

export interface ImportStationsResult {
  created: number;
  updated: number;
  unchanged: number;
}

/** Header names accepted for each column (English or Chinese). */
const headerAliases: Record<string, keyof StationInput> = {
  code: 'code', 编码: 'code', 代码: 'code',
  name: 'name', 名称: 'name',
  type: 'type', 类型: 'type',
  district: 'district', 区: 'district', 区县: 'district',
  street: 'street', '街道/乡镇': 'street', 街道乡镇: 'street', 街道: 'street',
  address: 'address', 地址: 'address',
};
const requiredColumns: Array<keyof StationInput> = ['code', 'name', 'type', 'district'];
export const MAX_IMPORT_ROWS = 10_000;

/** An issue on line `line` of the file: field `line:<n>:<column>`. */
function lineIssue(line: number, column: string, key: FieldIssue['key'], params?: FieldIssue['params']): FieldIssue {
  return { field: `line:${line}:${column}`, key, params };
}

/** Parses and validates the whole file; throws ValidationFailed listing every bad line. */
export function parseStationsCsv(text: string): StationInput[] {
  let records: Array<{ record: Record<string, string>; info: { lines: number } }>;
  try {
    records = parse(text, {
      bom: true,
      columns: (header: string[]) =>
        header.map((h) => {
          const name = headerAliases[h.trim().toLowerCase()] ?? headerAliases[h.trim()];
          if (!name) throw new AppError('ValidationFailed', {}, [lineIssue(1, h.trim() || '?', 'station.importUnknownColumn', { column: h.trim() })]);
          return name;
        }),
      skip_empty_lines: true,
      trim: true,
      info: true,
    });
  } catch (err) {
    if (err instanceof AppError) throw err;
    const line = Number((err as { lines?: number }).lines ?? 1);
    throw new AppError('ValidationFailed', {}, [lineIssue(line, 'file', 'station.importMalformed')]);
  }
  if (!records.length) throw new AppError('ValidationFailed', {}, [lineIssue(1, 'file', 'station.importEmpty')]);
  if (records.length > MAX_IMPORT_ROWS) {
    throw new AppError('ValidationFailed', {}, [lineIssue(1, 'file', 'station.importTooMany', { max: MAX_IMPORT_ROWS })]);
  }
  const missing = requiredColumns.filter((c) => !(c in records[0].record));
  if (missing.length) throw new AppError('ValidationFailed', {}, missing.map((c) => lineIssue(1, c, 'station.importMissingColumn', { column: c })));

  const issues: FieldIssue[] = [];
  const rows: StationInput[] = [];
  const seen = new Map<string, number>();
  for (const { record, info } of records) {
    // info.lines is the line where the record ends: with the header on line 1, data starts at 2.
    const line = info.lines;
    const parsed = tryParse(stationInput, record);
    if (!parsed.ok) {
      for (const f of parsed.fields) issues.push(lineIssue(line, f.field, f.key, f.params));
      continue;
    }
    const first = seen.get(parsed.data.code);
    if (first) {
      issues.push(lineIssue(line, 'code', 'station.importDuplicate', { line: first }));
      continue;
    }
    seen.set(parsed.data.code, line);
    rows.push(parsed.data);
  }
  if (issues.length) throw new AppError('ValidationFailed', {}, issues);
  return rows;
}

/** Imports the stations of a CSV file in one transaction (all rows or none), with one audit event. */
export async function importStations(text: string, actor: Actor, db: DbOrTx = getDb()): Promise<ImportStationsResult> {
  const rows = parseStationsCsv(text);
  return db.transaction(async (tx) => {
    const existing = await tx.select().from(stations).where(inArray(stations.code, rows.map((r) => r.code)));
    const byCode = new Map(existing.map((s) => [s.code, s]));
    const result: ImportStationsResult = { created: 0, updated: 0, unchanged: 0 };
    const toInsert = [];
    for (const data of rows) {
      const row = toRow(data);
      const old = byCode.get(data.code);
      if (!old) {
        toInsert.push(row);
        result.created++;
      } else if (old.name === row.name && old.type === row.type && old.district === row.district && old.street === row.street && old.address === row.address) {
        result.unchanged++;
      } else {
        await tx.update(stations).set(row).where(inArray(stations.id, [old.id]));
        result.updated++;
      }
    }
    for (let i = 0; i < toInsert.length; i += 500) await tx.insert(stations).values(toInsert.slice(i, i + 500));
    await recordAudit(tx, actor, { action: 'station.import', objectType: 'station', after: { ...result, rows: rows.length } });
    return result;
  });
}
