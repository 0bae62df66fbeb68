/**
 * XLSX of a round for analysis, with exceljs's streaming WorkbookWriter: summary sheets first
 * (overview with the 三率, channel, district, occupation, adoption, articles, campaign groups), then
 * one row per comment with every field, committed row by row so memory stays bounded.
 */
import type { Writable } from 'node:stream';
import { t, type Locale, type MessageKey } from '../../i18n';
import { getDb, type DbOrTx } from '../../db/client';
import { summariseArticles, summariseRound, type ReportScope, type Tally } from './adoption-report';
import { iterateCommentPages } from './comment-rows';
import { columnsFor, labelsFor, personalRows, type Audience, type Labels } from './columns';
import type { ExportOptions } from './export-options';
import { formatRate, share } from './format';
import { nextArticles, publicArticleUrl } from '../drafts/carried';
import { formatDateTime } from '../time';
import { groupDisplayName } from '../review/groups';

type Writer = InstanceType<typeof import('exceljs')['stream']['xlsx']['WorkbookWriter']>;
type Sheet = ReturnType<Writer['addWorksheet']>;

function headerRow(sheet: Sheet, values: string[]): void {
  sheet.addRow(values).commit();
}

function tallySheet(wb: Writer, locale: Locale, name: MessageKey, keyHeader: MessageKey, rows: Tally[], label: (k: string) => string, total: number): void {
  const sheet = wb.addWorksheet(t(locale, name));
  sheet.columns = [{ width: 24 }, { width: 12 }, { width: 12 }];
  headerRow(sheet, [t(locale, keyHeader), t(locale, 'report.col.count'), t(locale, 'report.col.share')]);
  for (const r of rows) sheet.addRow([label(r.key), r.count, formatRate(share(r.count, total))]).commit();
  sheet.commit();
}

/** Writes the workbook of `scope` to `out` and ends it. Returns the number of comment rows. */
export async function writeReportXlsx(
  scope: ReportScope,
  audience: Exclude<Audience, 'public'>,
  out: Writable,
  opts: ExportOptions = {},
  db: DbOrTx = getDb(),
): Promise<number> {
  const locale = opts.locale ?? 'zh-CN';
  const l = labelsFor(locale);
  const summary = await summariseRound(scope, { includeHidden: true }, db);
  const articles = await summariseArticles(scope, { includeHidden: true }, db);
  // 下一审次: the article of the next round with the same lineage, linked to its public page.
  const nextOf = scope.next ? await nextArticles(scope.round.versionId, scope.next.versionId, db) : new Map<number, number>();
  const nextCell = (number: number, next: (typeof articles)[number]['next']): string | { text: string; hyperlink: string } => {
    if (!next || !scope.next) return '';
    const change = t(locale, `report.change.${next.change}` as MessageKey);
    const to = nextOf.get(number);
    if (to === undefined) return next.label ? t(locale, 'carried.nextChange', { where: t(locale, 'carried.nextArticle', { round: scope.next.label, label: next.label }), change }) : change;
    const where = t(locale, 'carried.nextArticle', { round: scope.next.label, label: l.article(to) });
    return { text: t(locale, 'carried.nextChange', { where, change }), hyperlink: publicArticleUrl(scope.draft.slug, scope.next.number, to) };
  };
  // No style table and inline strings: exceljs's per-cell style lookup and shared-string map cost
  // a third of the time and grow with the sheet (bench/RESULTS.md).
  // Loaded here, not at start-up: only an export needs it (docs/decisions/030-start-up-loading.md).
  const { default: ExcelJS } = await import('exceljs');
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: false, useSharedStrings: false, zip: { zlib: { level: 1 } } });
  wb.creator = 'Kaimen';
  wb.created = new Date();

  const overview = wb.addWorksheet(t(locale, 'report.sheet.overview'));
  overview.columns = [{ width: 28 }, { width: 60 }];
  const facts: Array<[MessageKey, string | number]> = [
    ['report.fact.draft', scope.draft.title],
    ['report.fact.round', scope.round.label],
    ['report.fact.comments', summary.comments],
    ['report.fact.people', summary.people],
    ['report.fact.voices', summary.voices],
    ['report.fact.general', summary.general],
    ['report.fact.hidden', summary.hidden],
    ['report.fact.responseRate', formatRate(summary.rates.response)],
    ['report.fact.adoptionRate', formatRate(summary.rates.adoption)],
    ['report.fact.satisfactionRate', formatRate(summary.rates.satisfaction)],
    ['report.fact.groups', summary.groups.count],
    ['report.fact.groupedComments', summary.groups.comments],
  ];
  headerRow(overview, [t(locale, 'report.col.item'), t(locale, 'report.col.value')]);
  for (const [key, value] of facts) overview.addRow([t(locale, key), value]).commit();
  overview.commit();

  const n = summary.comments;
  tallySheet(wb, locale, 'report.sheet.channel', 'report.col.channel', summary.byChannel, l.channel, n);
  tallySheet(wb, locale, 'report.sheet.district', 'report.col.district', summary.byDistrict, (k) => k || t(locale, 'report.unknown'), n);
  tallySheet(wb, locale, 'report.sheet.occupation', 'report.col.occupation', summary.byOccupation, (k) => k || t(locale, 'report.unknown'), n);
  tallySheet(wb, locale, 'report.sheet.adoption', 'report.col.adoption', summary.byAdoption, (k) => l.adoption(k === 'undecided' ? null : k), n);

  const bySheet = wb.addWorksheet(t(locale, 'report.sheet.articles'));
  bySheet.columns = [{ width: 14 }, { width: 24 }, { width: 10 }, { width: 40 }, { width: 40 }, { width: 14 }, { width: 60 }, { width: 24 }];
  headerRow(bySheet, ['report.col.article', 'report.col.caption', 'report.col.count', 'report.col.adoption', 'report.col.tags', 'report.col.nextRound', 'report.col.points', 'report.col.pointsConfirmed']
    .map((k) => t(locale, k as MessageKey)));
  for (const a of articles) {
    bySheet.addRow([
      l.article(a.number), a.caption ?? '', a.comments,
      a.byAdoption.map((x) => `${l.adoption(x.key === 'undecided' ? null : x.key)} ${x.count}`).join('；'),
      a.tags.map((x) => `${x.key} ${x.count}`).join('；'),
      nextCell(a.number, a.next),
      // Only confirmed text; an article with comments but none confirmed says so plainly.
      a.points ? a.points.text : a.comments > 0 ? t(locale, 'report.pointsUnconfirmed') : '',
      a.points ? `${a.points.confirmedBy} ${formatDateTime(a.points.confirmedAt, locale)}` : '',
    ]).commit();
  }
  bySheet.commit();

  const groupSheet = wb.addWorksheet(t(locale, 'report.sheet.groups'));
  groupSheet.columns = [{ width: 12 }, { width: 40 }, { width: 10 }];
  headerRow(groupSheet, [t(locale, 'report.col.group'), t(locale, 'report.col.groupLabel'), t(locale, 'report.col.count')]);
  for (const g of summary.groups.largest) groupSheet.addRow([g.id.slice(0, 8), groupDisplayName(g.label, g.sample, locale), g.size]).commit();
  groupSheet.commit();

  const written = await writeCommentSheet(wb, scope, audience, l, opts, db);
  await wb.commit();
  return written;
}

async function writeCommentSheet(wb: Writer, scope: ReportScope, audience: Audience, l: Labels, opts: ExportOptions, db: DbOrTx): Promise<number> {
  const columns = columnsFor(audience, { ...opts, next: scope.next !== null });
  const sheet = wb.addWorksheet(t(l.locale, 'report.sheet.comments'), { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = columns.map((c) => ({ key: c.key, width: c.width }));
  headerRow(sheet, columns.map((c) => t(l.locale, c.header)));
  let written = 0;
  for await (const page of iterateCommentPages(scope, { ...personalRows(audience, opts), includeHidden: true }, db)) {
    opts.signal?.throwIfAborted();
    for (const row of page) {
      sheet.addRow(columns.map((c) => {
        const value = c.value(row, l);
        const href = c.link?.(row);
        return href ? { text: String(value), hyperlink: href } : value;
      })).commit();
    }
    written += page.length;
    await opts.onProgress?.(written);
  }
  sheet.commit();
  return written;
}
