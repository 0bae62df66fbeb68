/**
 * A deputy's paper sheet as an HTML form sends it (fields `body_3`, `article_3` …): the rows a
 * deputy left blank are dropped, and errors on the stored rows are mapped back to the form's
 * row numbers, so each message appears next to the row it is about.
 */
import { AppError } from '../errors';

export const ROW_FIELDS = ['article', 'body', 'name', 'district', 'contact', 'voices'] as const;

export interface SheetForm {
  sheet: { draft: string; round?: string; station?: string; byDeputy: boolean; idempotencyKey: string; rows: Array<Record<string, string>> };
  /** For each row of `sheet.rows`, its number on the form. */
  formRows: number[];
}

/** Reads the sheet from form values; a row counts when its comment, name or contact is filled. */
export function sheetFromForm(values: Record<string, string>, rowCount: number, byDeputy: boolean): SheetForm {
  const rows: Array<Record<string, string>> = [];
  const formRows: number[] = [];
  for (let i = 0; i < rowCount; i++) {
    const row = Object.fromEntries(ROW_FIELDS.map((f) => [f, (values[`${f}_${i}`] ?? '').trim()]));
    if (!row.body && !row.name && !row.contact) continue;
    rows.push(row);
    formRows.push(i);
  }
  return {
    sheet: { draft: values.draft ?? '', round: values.round, station: values.station, byDeputy, idempotencyKey: values.idempotencyKey ?? '', rows },
    formRows,
  };
}

/** The same error with `rows.<i>.<field>` renamed to the form's `<field>_<row>`. */
export function remapRowErrors(err: AppError, formRows: number[]): AppError {
  const fields = err.fields.map((f) => {
    const m = /^rows\.(\d+)\.(\w+)$/.exec(f.field);
    if (m) return { ...f, field: `${m[2]}_${formRows[Number(m[1])] ?? m[1]}` };
    return f.field === 'rows' ? { ...f, field: 'body_0' } : f;
  });
  return new AppError(err.code, err.params, fields, err.headers);
}
