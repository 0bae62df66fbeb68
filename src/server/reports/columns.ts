/**
 * The columns of the comment exports (CSV and the XLSX comment sheet), one list for both, and the
 * labels of channels, adoption statuses and the rest in the report's language.
 */
import { t, type Locale, type MessageKey } from '../../i18n';
import { formatArticleLabel } from '../drafts/chinese-numerals';
import type { CommentRow, RowOptions } from './comment-rows';
import { shanghaiStamp } from '../time';
import type { ExportOptions } from './export-options';
import { channelLabel } from '../channels';
import { groupDisplayName } from '../review/groups';

export type Audience = 'staff' | 'staff-personal' | 'public';

export interface Column {
  key: string;
  header: MessageKey;
  /** Width in characters for the XLSX sheet. */
  width: number;
  value: (r: CommentRow, l: Labels) => string | number;
  /** An absolute address the XLSX cell links to (the CSV keeps the plain value). */
  link?: (r: CommentRow) => string | null;
}

export interface Labels {
  locale: Locale;
  article(n: number | null): string;
  channel(c: string): string;
  adoption(a: string | null): string;
  status(s: string): string;
  satisfaction(s: string | null): string;
}

const known = (locale: Locale, prefix: string, value: string) => t(locale, `${prefix}.${value}` as MessageKey);

/** Labels in `locale`; unknown values fall back to the raw value. */
export function labelsFor(locale: Locale): Labels {
  return {
    locale,
    article: (n) => (n === null || n === 0 ? t(locale, 'report.general') : locale === 'en' ? `Article ${n}` : formatArticleLabel(n)),
    channel: (c) => channelLabel(locale, c),
    adoption: (a) => (a ? known(locale, 'report.adoption', a) : t(locale, 'report.adoption.undecided')),
    status: (s) => known(locale, 'report.status', s),
    satisfaction: (s) => (s ? known(locale, 'report.satisfaction', s) : ''),
  };
}

const yes = (l: Labels, v: boolean) => (v ? t(l.locale, 'report.yes') : '');

/** 下一审次: 二审稿第七条, or 已删除 when the next round has no article descending from it. */
export function nextArticleText(next: CommentRow['next'], l: Labels): string {
  if (!next) return '';
  return next.number === null ? t(l.locale, 'report.change.removed') : t(l.locale, 'carried.nextArticle', { round: next.round, label: l.article(next.number) });
}

const all: Record<string, Column> = {
  receipt: { key: 'receipt', header: 'report.col.receipt', width: 16, value: (r) => r.receipt },
  article: { key: 'article', header: 'report.col.article', width: 12, value: (r, l) => l.article(r.articleNumber) },
  nextRound: { key: 'nextRound', header: 'report.col.nextRound', width: 16, value: (r, l) => nextArticleText(r.next, l), link: (r) => r.next?.url ?? null },
  channel: { key: 'channel', header: 'report.col.channel', width: 12, value: (r, l) => l.channel(r.channel) },
  station: { key: 'station', header: 'report.col.station', width: 20, value: (r) => r.station ?? '' },
  district: { key: 'district', header: 'report.col.district', width: 10, value: (r) => r.district ?? '' },
  occupation: { key: 'occupation', header: 'report.col.occupation', width: 12, value: (r) => r.occupation ?? '' },
  name: { key: 'name', header: 'report.col.name', width: 10, value: (r) => r.name ?? '' },
  contact: { key: 'contact', header: 'report.col.contact', width: 18, value: (r) => r.contact ?? '' },
  contactMasked: { key: 'contact', header: 'exports.col.contactMasked', width: 18, value: (r) => r.contact ?? '' },
  body: { key: 'body', header: 'report.col.body', width: 60, value: (r) => r.body },
  voices: { key: 'voices', header: 'report.col.voices', width: 8, value: (r) => r.voices },
  tags: { key: 'tags', header: 'report.col.tags', width: 20, value: (r) => r.tags },
  group: { key: 'group', header: 'report.col.group', width: 12, value: (r) => (r.groupId ? r.groupId.slice(0, 8) : '') },
  groupName: { key: 'groupName', header: 'report.col.groupLabel', width: 30, value: (r, l) => (r.group ? groupDisplayName(r.group.label, r.group.sample, l.locale) : '') },
  status: { key: 'status', header: 'report.col.status', width: 10, value: (r, l) => l.status(r.status) },
  adoption: { key: 'adoption', header: 'report.col.adoption', width: 12, value: (r, l) => l.adoption(r.adoption) },
  reason: { key: 'reason', header: 'report.col.reason', width: 40, value: (r) => r.reason ?? '' },
  response: { key: 'response', header: 'report.col.response', width: 50, value: (r) => r.response ?? '' },
  respondedAt: { key: 'respondedAt', header: 'report.col.respondedAt', width: 17, value: (r) => shanghaiStamp(r.respondedAt) },
  decidedAt: { key: 'decidedAt', header: 'report.col.decidedAt', width: 17, value: (r) => shanghaiStamp(r.decidedAt) },
  satisfaction: { key: 'satisfaction', header: 'report.col.satisfaction', width: 10, value: (r, l) => l.satisfaction(r.satisfaction) },
  hidden: { key: 'hidden', header: 'report.col.hidden', width: 8, value: (r, l) => yes(l, r.hidden) },
  createdAt: { key: 'createdAt', header: 'report.col.createdAt', width: 17, value: (r) => shanghaiStamp(r.createdAt) },
};

const staffKeys = ['receipt', 'article', 'channel', 'station', 'district', 'occupation', 'body', 'voices', 'tags', 'group', 'groupName',
  'status', 'adoption', 'reason', 'response', 'respondedAt', 'decidedAt', 'satisfaction', 'hidden', 'createdAt'];
const personalKeys = (unmasked: boolean) => ['name', unmasked ? 'contact' : 'contactMasked'];
const publicKeys = ['article', 'channel', 'district', 'occupation', 'name', 'body', 'voices', 'adoption', 'reason', 'response', 'respondedAt', 'createdAt'];

/**
 * The columns each audience gets: names and contacts only with contact:view (the contact's header
 * says when it is masked); the public never a contact. With `next` (the next round is published),
 * 下一审次 follows the article.
 */
export function columnsFor(audience: Audience, opts: Pick<ExportOptions, 'unmasked'> & { next?: boolean } = {}): Column[] {
  const withNext = (keys: string[]) => (opts.next ? keys.flatMap((k) => (k === 'article' ? [k, 'nextRound'] : [k])) : keys);
  if (audience === 'public') return withNext(publicKeys).map((k) => all[k]);
  const keys = audience === 'staff-personal'
    ? [...staffKeys.slice(0, 6), ...personalKeys(opts.unmasked === true), ...staffKeys.slice(6)]
    : staffKeys;
  return withNext(keys).map((k) => all[k]);
}

/** The personal data the rows of `audience` carry: none, masked (the default) or, when the export chose it, full. */
export function personalRows(audience: Audience, opts: Pick<ExportOptions, 'unmasked'>): Pick<RowOptions, 'personal' | 'unmasked'> {
  const personal = audience === 'staff-personal';
  return { personal, unmasked: personal && opts.unmasked === true };
}
