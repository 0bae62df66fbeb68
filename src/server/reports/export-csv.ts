/**
 * CSV of a round's comments for analysis: UTF-8 with a byte-order mark (so Excel and WPS read the
 * Chinese), one header row, one row per comment, streamed page by page with csv-stringify, and
 * every cell neutralised against formula injection.
 */
import type { Writable } from 'node:stream';
import { once } from 'node:events';
import { stringify } from 'csv-stringify/sync';
import { t } from '../../i18n';
import type { DbOrTx } from '../../db/client';
import { getReadDb } from '../../db/replica';
import type { ReportScope } from './adoption-report';
import { iterateCommentPages } from './comment-rows';
import { columnsFor, labelsFor, personalRows, type Audience } from './columns';
import type { ExportOptions } from './export-options';

export const UTF8_BOM = '\uFEFF';

/**
 * A cell that a spreadsheet would read as a formula (starting with = + - @, a tab or a carriage
 * return, also after leading spaces) gets a leading apostrophe, the OWASP-recommended defence.
 * Numbers stay numbers.
 */
export function neutraliseCell(value: string | number | null | undefined): string | number {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return value;
  return /^(\s*[=+\-@]|[\t\r])/.test(value) ? `'${value}` : value;
}

/**
 * Writes the CSV of `scope` to `out` (not ended by this function's caller: it ends it). Reports
 * progress as the share of rows written. Returns the number of comment rows.
 */
export async function writeCommentsCsv(
  scope: ReportScope,
  audience: Audience,
  out: Writable,
  opts: ExportOptions = {},
  db: DbOrTx = getReadDb(),
): Promise<number> {
  const labels = labelsFor(opts.locale ?? 'zh-CN');
  const columns = columnsFor(audience, { ...opts, next: scope.next !== null });
  const options = { bom: false, record_delimiter: '\r\n', quoted_match: /[",\r\n]/ } as const;
  const finished = once(out, 'finish');
  // One synchronous stringify and one write per page of ~5,000 rows: far cheaper than a
  // stream transform per record, and memory stays bounded by the page.
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  await write(UTF8_BOM + stringify([columns.map((c) => t(labels.locale, c.header))], options));
  let written = 0;
  for await (const page of iterateCommentPages(scope, {
    ...personalRows(audience, opts),
    includeHidden: audience !== 'public',
    publicView: audience === 'public',
  }, db)) {
    opts.signal?.throwIfAborted();
    await write(stringify(page.map((row) => columns.map((c) => neutraliseCell(c.value(row, labels)))), options));
    written += page.length;
    await opts.onProgress?.(written);
  }
  out.end();
  await finished;
  return written;
}
