/**
 * The adoption report for the committee as DOCX (generated with the `docx` package, in the look of
 * docx-style.ts): 一、基本情况 with numbered tables (channel, district, occupation, adoption,
 * campaign groups), 二、各条文意见数量, 三、逐条意见及采纳情况: per article the confirmed main points
 * and who confirmed them (or, plainly, that they are not confirmed), each
 * comment or campaign group (once) with its status, reason and response, and for articles with
 * adopted comments this round's text beside the next round's. The `docx` package builds the
 * document and its front matter; the per-comment part is streamed into it (docx-splice.ts) so a
 * round of 100,000 comments is written with bounded memory.
 */
import type { Writable } from 'node:stream';
import type { Paragraph, Table } from 'docx';
import { t, type Locale, type MessageKey } from '../../i18n';
import { getDb, type DbOrTx } from '../../db/client';
import { formatDate } from '../time';
import { loadGroupSizes, summariseArticles, summariseRound, type ArticleReport, type ReportScope, type ReportSummary, type Tally } from './adoption-report';
import { iterateCommentPages, type CommentRow } from './comment-rows';
import { labelsFor, personalRows, type Audience, type Labels } from './columns';
import { docxStyle, page, type DocxStyle } from './docx-style';
import type { ExportOptions } from './export-options';
import { PLACEHOLDER, spliceDocx } from './docx-splice';
import { paragraphXml, XmlTable } from './docx-xml';
import { formatRate, share } from './format';
import { groupDisplayName } from '../review/groups';

class Tables {
  private n = 0;
  constructor(private readonly locale: Locale, private readonly style: DocxStyle) {}
  /** The caption of the next table: "表3　按区统计". */
  next(name: string): string {
    this.n += 1;
    return t(this.locale, 'report.docx.tableCaption', { n: this.n, name });
  }
  /** A caption and the table under it. */
  add(out: Array<Paragraph | Table>, name: string, headers: string[], rows: Array<Array<string | string[]>>, widths: number[], center: boolean[] = []): void {
    out.push(this.style.caption(this.next(name)), this.style.table(headers, rows, widths, center));
  }
}

function tallyRows(rows: Tally[], total: number, label: (k: string) => string, limit = 20, otherLabel = ''): string[][] {
  const shown = rows.slice(0, limit);
  const rest = rows.slice(limit).reduce((s, r) => s + r.count, 0);
  const out = shown.map((r) => [label(r.key), String(r.count), formatRate(share(r.count, total))]);
  if (rest > 0) out.push([otherLabel, String(rest), formatRate(share(rest, total))]);
  return out;
}

function summarySection(scope: ReportScope, s: ReportSummary, l: Labels, tables: Tables, { heading1, body }: DocxStyle): Array<Paragraph | Table> {
  const k = (key: MessageKey, p: Record<string, string | number> = {}) => t(l.locale, key, p);
  const out: Array<Paragraph | Table> = [heading1(k('report.docx.h.summary'))];
  out.push(body(k('report.docx.summaryText', {
    opens: formatDate(scope.round.opensAt, l.locale), closes: formatDate(scope.round.closesAt, l.locale),
    people: s.people, comments: s.comments, voices: s.voices, general: s.general, articles: s.comments - s.general,
  })));
  out.push(body(k('report.docx.ratesText', {
    responded: s.rates.responded, response: formatRate(s.rates.response),
    adopted: s.rates.adopted, decided: s.rates.decided, adoption: formatRate(s.rates.adoption),
    satisfied: s.rates.satisfied, rated: s.rates.rated, satisfaction: formatRate(s.rates.satisfaction),
  })));
  const heads = (first: MessageKey) => [k(first), k('report.col.count'), k('report.col.share')];
  const other = k('report.other');
  const unknown = (x: string) => x || k('report.unknown');
  tables.add(out, k('report.sheet.channel'), heads('report.col.channel'), tallyRows(s.byChannel, s.comments, l.channel), [3, 2, 2], [false, true, true]);
  tables.add(out, k('report.sheet.district'), heads('report.col.district'), tallyRows(s.byDistrict, s.comments, unknown, 20, other), [3, 2, 2], [false, true, true]);
  tables.add(out, k('report.sheet.occupation'), heads('report.col.occupation'), tallyRows(s.byOccupation, s.comments, unknown, 15, other), [3, 2, 2], [false, true, true]);
  tables.add(out, k('report.sheet.adoption'), heads('report.col.adoption'),
    tallyRows(s.byAdoption, s.comments, (x) => l.adoption(x === 'undecided' ? null : x)), [3, 2, 2], [false, true, true]);
  out.push(body(k('report.docx.groupsText', { groups: s.groups.count, comments: s.groups.comments })));
  if (s.groups.largest.length) {
    tables.add(out, k('report.sheet.groups'), [k('report.col.seq'), k('report.col.groupLabel'), k('report.col.count')],
      s.groups.largest.slice(0, 10).map((g, i) => [String(i + 1), groupDisplayName(g.label, g.sample, l.locale), String(g.size)]), [1.15, 5, 2], [true, false, true]);
  }
  return out;
}

function articleCountSection(articles: ArticleReport[], l: Labels, tables: Tables, { heading1, body }: DocxStyle): Array<Paragraph | Table> {
  const k = (key: MessageKey, p: Record<string, string | number> = {}) => t(l.locale, key, p);
  const out: Array<Paragraph | Table> = [heading1(k('report.docx.h.articles'))];
  const silent = articles.filter((a) => a.number > 0 && a.comments === 0).length;
  out.push(body(k('report.docx.articlesText', { total: articles.filter((a) => a.number > 0).length, silent })));
  tables.add(out, k('report.docx.articlesTable'), [k('report.col.article'), k('report.col.caption'), k('report.col.count'), k('report.col.tags')],
    articles.filter((a) => a.comments > 0).map((a) => [l.article(a.number), a.caption ?? '', String(a.comments), a.tags.slice(0, 4).map((x) => x.key).join('、')]),
    [2, 3, 1.3, 4], [true, false, true, false]);
  return out;
}

function commentCell(r: CommentRow, groupSize: number, l: Labels, audience: Audience): string[] {
  const lines = [groupSize > 1 ? `${t(l.locale, 'report.docx.groupOf', { n: groupSize })}${r.body}` : r.body];
  const who = [l.channel(r.channel), r.district, r.occupation, audience === 'staff-personal' ? r.name : null, audience === 'staff-personal' ? r.contact : null]
    .filter((x): x is string => !!x);
  lines.push(`（${who.join('，')}）`);
  return lines;
}

function decisionCell(r: CommentRow, l: Labels): string[] {
  const lines: string[] = [];
  if (r.reason) lines.push(t(l.locale, 'report.docx.reason', { text: r.reason }));
  if (r.response) lines.push(t(l.locale, 'report.docx.response', { text: r.response }));
  return lines;
}

interface DetailInput {
  scope: ReportScope;
  articles: ArticleReport[];
  groupSizes: Map<string, number>;
  l: Labels;
  audience: Audience;
  tables: Tables;
  opts: ExportOptions;
  db: DbOrTx;
}

/** 三、逐条意见及采纳情况 as WordprocessingML chunks, one or a few per page of comments. */
async function* detailXml(d: DetailInput): AsyncGenerator<string> {
  const { l, tables } = d;
  const k = (key: MessageKey, p: Record<string, string | number> = {}) => t(l.locale, key, p);
  const byNumber = new Map(d.articles.map((a) => [a.number, a]));
  const commentsTable = new XmlTable([1.15, 5, 1.6, 4], [true, false, true, false]);
  let current: { number: number; seen: Set<string>; seq: number } | null = null;
  let ordinal = 0;

  const open = (a: ArticleReport): string => {
    ordinal += 1;
    let xml = paragraphXml('Heading2', `（${cnOrdinal(ordinal)}）${a.number === 0 ? k('report.general') : `${a.label}${a.caption ? `（${a.caption}）` : ''}`}`);
    xml += paragraphXml('BodyText', k('report.docx.articleCount', { n: a.comments }), { keepNext: true });
    if (a.points) {
      const lines = a.points.text.split('\n').filter((line) => line.trim() !== '');
      lines.forEach((line, i) => { xml += paragraphXml('BodyText', i === 0 ? `${k('report.docx.pointsLead')}${line}` : line, { keepNext: true }); });
      xml += paragraphXml('BodyText', k('report.docx.pointsConfirmed', { name: a.points.confirmedBy, date: formatDate(a.points.confirmedAt, l.locale) }), { keepNext: true });
    } else {
      xml += paragraphXml('BodyText', k('report.docx.pointsUnconfirmed'), { keepNext: true });
    }
    const adopted = a.byAdoption.some((x) => x.key === 'adopted' || x.key === 'partially_adopted');
    if (adopted && a.number > 0 && a.next) {
      const compare = new XmlTable([1, 1]);
      xml += paragraphXml('Caption', tables.next(k('report.docx.compareTable', { article: a.label })));
      xml += compare.open([k('report.docx.thisRound'), k('report.docx.nextRound', { label: d.scope.next ? k('carried.nextArticle', { round: d.scope.next.label, label: a.next.label ?? '' }) : a.next.label ?? '' })]);
      xml += compare.row([a.text.split('\n'), (a.next.text ?? k('report.change.removed')).split('\n')]) + compare.close();
    }
    xml += paragraphXml('Caption', tables.next(a.number === 0 ? k('report.docx.generalCommentsTable') : k('report.docx.commentsTable', { article: a.label })));
    return xml + commentsTable.open([k('report.col.seq'), k('report.col.body'), k('report.col.adoption'), k('report.docx.reasonAndResponse')]);
  };

  let done = 0;
  for await (const page of iterateCommentPages(d.scope, { ...personalRows(d.audience, d.opts), includeHidden: false }, d.db)) {
    d.opts.signal?.throwIfAborted();
    let xml = '';
    for (const r of page) {
      const number = r.articleNumber ?? 0;
      if (!current || current.number !== number) {
        if (current) xml += commentsTable.close();
        xml += open(byNumber.get(number) ?? { number, label: l.article(number), caption: null, text: '', comments: 0, byAdoption: [], tags: [], points: null, next: null });
        current = { number, seen: new Set(), seq: 0 };
      }
      if (r.groupId && current.seen.has(r.groupId)) continue;
      if (r.groupId) current.seen.add(r.groupId);
      current.seq += 1;
      const size = r.groupId ? d.groupSizes.get(r.groupId) ?? 1 : 1;
      xml += commentsTable.row([String(current.seq), commentCell(r, size, l, d.audience), l.adoption(r.adoption), decisionCell(r, l)]);
    }
    done += page.length;
    await d.opts.onProgress?.(done);
    yield xml;
  }
  if (current) yield commentsTable.close();
  yield paragraphXml('BodyText', '');
}

function cnOrdinal(n: number): string {
  const digits = ['', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
  if (n < 10) return digits[n];
  if (n < 100) return `${n >= 20 ? digits[Math.floor(n / 10)] : ''}十${digits[n % 10]}`;
  return String(n);
}

/** Writes the DOCX report of `scope` to `out` and ends it. Returns the number of comments covered. */
export async function writeReportDocx(
  scope: ReportScope,
  audience: Exclude<Audience, 'public'>,
  out: Writable,
  opts: ExportOptions = {},
  db: DbOrTx = getDb(),
): Promise<number> {
  const l = labelsFor(opts.locale ?? 'zh-CN');
  const k = (key: MessageKey, p: Record<string, string | number> = {}) => t(l.locale, key, p);
  const summary = await summariseRound(scope, { includeHidden: false }, db);
  const articles = await summariseArticles(scope, { includeHidden: false }, db);
  const groupSizes = await loadGroupSizes(scope, { includeHidden: false }, db);
  // Loaded here, not at start-up: only an export needs it (docs/decisions/030-start-up-loading.md).
  const docx = await import('docx');
  const style = docxStyle(docx);
  const tables = new Tables(l.locale, style);
  const children: Array<Paragraph | Table> = [
    style.title(k('report.docx.title', { draft: scope.draft.title, round: scope.round.label })),
    style.centred(k('report.docx.dated', { date: formatDate(new Date(), l.locale) })),
    ...summarySection(scope, summary, l, tables, style),
    ...articleCountSection(articles, l, tables, style),
    style.heading1(k('report.docx.h.detail')),
    style.body(PLACEHOLDER),
  ];
  const doc = new docx.Document({
    creator: 'Kaimen',
    title: k('report.docx.title', { draft: scope.draft.title, round: scope.round.label }),
    styles: style.styles,
    sections: [{ properties: { page }, footers: { default: style.pageNumberFooter() }, children }],
  });
  const packed = await docx.Packer.toBuffer(doc);
  await spliceDocx(packed, detailXml({ scope, articles, groupSizes, l, audience, tables, opts, db }), out);
  return summary.comments;
}
