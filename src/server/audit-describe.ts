/**
 * Audit events in plain words, for the admin audit page and a comment's history: who (name and
 * role), what (a label per action, `audit.action.*`) and what changed, field by field
 * ("采纳情况：未决定 → 部分采纳", "截止时间：2026年12月1日 18:00 → 2026年12月8日 18:00"), never JSON.
 *
 * `describeAudit` returns i18n keys and params (a `Phrase`); `renderPhrase` turns them into text in
 * a locale, with dates through time.ts and lists joined. Every action that src/server records has
 * a label (tests/integration/audit-describe.test.ts scans the source); an unknown action or field
 * still reads as a line of words. Contacts are masked unless the viewer may see them.
 * `loadAuditNames` finds, in one query per table, the names behind the ids an event mentions.
 */
import { sql } from 'drizzle-orm';
import { t, type Locale, type MessageKey } from '../i18n';
import { zhCN } from '../i18n/zh-CN';
import { getDb, type DbOrTx } from '../db/client';
import { rowsOf } from '../db/rows';
import { formatDateTime } from './time';
import { maskContact } from './mask-contact';
import { channelLabel } from './channels';
import { formatArticleLabel } from './drafts/chinese-numerals';

export type ParamValue = string | number | Date | Phrase | { list: ParamValue[] } | { channel: string };
export interface Phrase {
  key: MessageKey;
  params?: Record<string, ParamValue>;
}

export interface AuditEventLike {
  action: string;
  actorId?: string | null;
  actorKind: string;
  objectType?: string | null;
  objectId?: string | null;
  before: unknown;
  after: unknown;
}

export interface AuditDescription {
  actor: Phrase;
  action: Phrase;
  object: Phrase | null;
  changes: Phrase[];
}

export interface AuditNames {
  /** Accounts by id: the name (or the contact, masked for viewers without contact:view) and role. */
  users: Map<string, { name: string; role: string }>;
  /** Any other record by id (station, tag, draft, round, comment, kiosk, group) or draft by `slug:<slug>`. */
  labels: Map<string, string>;
}

export const emptyNames = (): AuditNames => ({ users: new Map(), labels: new Map() });

export interface DescribeOptions {
  /** Contacts in full (admins hold contact:view); masked otherwise. */
  canViewContact: boolean;
  names?: AuditNames;
}

const has = (key: string): key is MessageKey => Object.hasOwn(zhCN, key);
const phrase = (key: MessageKey, params?: Record<string, ParamValue>): Phrase => ({ key, ...(params && { params }) });

/** The label of an action, e.g. comment.decide → 作出决定; unknown actions read 其他操作（code）. */
export function actionPhrase(action: string): Phrase {
  const key = `audit.action.${action}`;
  return isKnownAction(action) && has(key) ? phrase(key) : phrase('audit.action.unknown', { code: action });
}

export function isKnownAction(action: string): boolean {
  return action !== 'unknown' && has(`audit.action.${action}`);
}

/** Every action with a label, for the audit page's filter. */
export function knownActions(): string[] {
  return Object.keys(zhCN).filter((k) => k.startsWith('audit.action.') && k !== 'audit.action.unknown').map((k) => k.slice('audit.action.'.length));
}

// ── values ──

type Kind =
  | 'text' | 'date' | 'bool' | 'count' | 'people' | 'number' | 'enum' | 'contact' | 'list' | 'user' | 'users'
  | 'record' | 'draft' | 'round' | 'article' | 'groups' | 'counts' | 'hideReason' | 'channel' | 'filter' | 'bulkKind' | 'skip';

interface Spec {
  label: MessageKey;
  kind: Kind;
  /** For `enum`: the key prefix of the values (review.adoption). */
  prefix?: string;
  /** Shown for null or a missing value. */
  empty?: MessageKey;
  /** Counts of zero say nothing worth a line. */
  hideZero?: boolean;
  /** A line only when the value is true (a flag that is usually off). */
  onlyTrue?: boolean;
}

const f = (label: MessageKey, kind: Kind, more: Partial<Spec> = {}): Spec => ({ label, kind, ...more });
const skip: Spec = { label: 'audit.change.other', kind: 'skip' };

/** The fields of before/after, in the order they are listed. */
const fields: Record<string, Spec> = {
  ids: f('audit.field.comments', 'count'),
  count: f('audit.field.comments', 'count'),
  adoption: f('audit.field.adoption', 'enum', { prefix: 'review.adoption', empty: 'audit.value.undecided' }),
  status: f('audit.field.status', 'enum', { prefix: 'review.status' }),
  reason: f('audit.field.reason', 'text'),
  response: f('audit.field.response', 'text'),
  responses: f('audit.field.response', 'list'),
  publish: f('audit.field.publish', 'bool', { onlyTrue: true }),
  published: f('audit.field.published', 'bool', { onlyTrue: true }),
  awaitingApproval: f('audit.field.awaitingApproval', 'count', { hideZero: true }),
  pendingApproval: f('audit.field.pendingApproval', 'bool', { onlyTrue: true }),
  notified: f('audit.field.notified', 'people', { hideZero: true }),
  assignees: f('audit.field.assignee', 'users', { empty: 'audit.value.unassigned' }),
  assigneeId: f('audit.field.assignee', 'user', { empty: 'audit.value.unassigned' }),
  assignee: f('audit.field.assignee', 'text', { empty: 'audit.value.unassigned' }),
  tags: f('audit.field.tags', 'list'),
  replace: f('audit.field.replace', 'bool', { onlyTrue: true }),
  groups: f('audit.field.groups', 'groups'),
  groupId: skip,
  hidden: f('audit.field.hidden', 'bool'),
  confirmed: f('audit.field.confirmed', 'bool'),
  label: f('audit.field.label', 'text'),
  role: f('audit.field.role', 'enum', { prefix: 'role' }),
  name: f('audit.field.name', 'text'),
  email: f('audit.field.email', 'contact'),
  phone: f('audit.field.phone', 'contact'),
  contact: f('audit.field.contact', 'contact'),
  district: f('audit.field.district', 'text'),
  occupation: f('audit.field.occupation', 'text'),
  channel: f('audit.field.channel', 'channel'),
  satisfaction: f('audit.field.satisfaction', 'enum', { prefix: 'report.satisfaction' }),
  active: f('audit.field.active', 'bool'),
  stations: f('audit.field.stations', 'list'),
  stationId: f('audit.field.station', 'record'),
  userId: f('audit.field.user', 'user'),
  sessionsEnded: f('audit.field.sessionsEnded', 'number'),
  revokedAt: f('audit.field.revokedAt', 'date', { empty: 'audit.value.empty' }),
  expiresAt: f('audit.field.expiresAt', 'date'),
  notifyAnswers: f('audit.field.notifyAnswers', 'bool'),
  linkCreatedAt: f('audit.field.linkCreatedAt', 'date'),
  linkExpiresAt: f('audit.field.linkExpiresAt', 'date'),
  title: f('audit.field.title', 'text'),
  body: f('audit.field.body', 'text'),
  parentId: f('audit.field.parent', 'record', { empty: 'audit.value.empty' }),
  draftId: f('audit.field.draft', 'record', { empty: 'audit.value.empty' }),
  draft: f('audit.field.draft', 'draft'),
  slug: f('audit.field.draft', 'draft'),
  round: f('audit.field.round', 'round'),
  rows: f('audit.field.rows', 'number'),
  receipts: f('audit.field.receipts', 'list'),
  voices: f('audit.field.voices', 'people'),
  created: f('audit.field.created', 'number'),
  updated: f('audit.field.updated', 'number'),
  unchanged: f('audit.field.unchanged', 'number'),
  code: f('audit.field.code', 'text'),
  type: f('audit.field.type', 'enum', { prefix: 'station.type' }),
  street: f('audit.field.street', 'text'),
  address: f('audit.field.address', 'text'),
  opensAt: f('audit.field.opensAt', 'date'),
  closesAt: f('audit.field.closesAt', 'date'),
  noteMd: f('audit.field.roundNote', 'text'),
  closedEarlyReason: f('audit.field.closedEarlyReason', 'text', { empty: 'audit.value.empty' }),
  requireApproval: f('audit.field.requireApproval', 'bool'),
  counts: f('audit.field.counts', 'counts'),
  source: f('audit.field.source', 'enum', { prefix: 'audit.source' }),
  imported: f('audit.field.imported', 'number'),
  alreadyPresent: f('audit.field.alreadyPresent', 'number'),
  grouped: f('audit.field.grouped', 'number'),
  state: f('audit.field.state', 'enum', { prefix: 'outbox.state' }),
  attempts: f('audit.field.attempts', 'number'),
  delivery: f('audit.field.delivery', 'enum', { prefix: 'outbox.delivery' }),
  kind: f('audit.field.kind', 'enum', { prefix: 'outbox.kind' }),
  format: f('audit.field.format', 'text'),
  personal: f('audit.field.personal', 'bool'),
  unmasked: f('audit.field.unmasked', 'bool'),
  purpose: f('audit.field.purpose', 'text'),
  comments: f('audit.field.comments', 'count'),
  mode: f('audit.field.mode', 'enum', { prefix: 'audit.mode' }),
  article: f('audit.field.article', 'article'),
  text: f('audit.field.text', 'text'),
  feedbackPublishedAt: f('audit.field.feedbackPublishedAt', 'date', { empty: 'audit.value.notPublished' }),
  filter: f('audit.field.filter', 'filter'),
  action: f('audit.field.bulkAction', 'bulkKind'),
  matched: f('audit.field.matched', 'count'),
  overwrite: f('audit.field.overwrite', 'bool', { onlyTrue: true }),
  note: f('audit.field.note', 'text'),
  tag: f('audit.field.tags', 'record'),
  q: f('audit.field.query', 'text'),
  // Machine references nobody reads: left out.
  id: skip, sha256: skip, job: skip, jobId: skip, createdAt: skip, template: skip, campaign: skip, group: skip, cursor: skip,
};

/** Fields that mean something else in one action. */
const byAction: Record<string, Record<string, Spec>> = {
  'comment.hide': { reason: f('audit.field.hideReason', 'hideReason') },
  'comment.unhide': { reason: f('audit.field.hideReason', 'hideReason') },
  'auth.signin.failed': { reason: f('audit.field.signinReason', 'enum', { prefix: 'audit.signinReason' }) },
  'comment.tag': { tags: f('audit.field.tags', 'list') },
  'comment.untag': { tags: f('audit.field.tags', 'list') },
  'comment.suggestionReject': { tags: f('audit.field.tags', 'list') },
  'round.close': { reason: f('audit.field.closedEarlyReason', 'text') },
  'draft.create': { slug: skip },
  'tag.create': { name: f('audit.field.label', 'text') },
  'station.create': { name: f('audit.field.label', 'text') },
  'station.update': { name: f('audit.field.label', 'text') },
};
/** In these actions `after.published` counts the responses published by the action. */
const publishCounts = new Set(['comment.decide', 'comment.publish']);

const SEVERAL = Symbol('several');

function specOf(action: string, field: string, side: 'before' | 'after', value: unknown): Spec | null {
  if (side === 'after' && field === 'published' && (publishCounts.has(action) || typeof value === 'number')) {
    return f('audit.field.publishedNow', 'count', { hideZero: true });
  }
  // The tag pairs before a tagging (comment and tag ids) say nothing a reader can use.
  if (field === 'tags' && side === 'before') return skip;
  return byAction[action]?.[field] ?? fields[field] ?? null;
}

const isoDate = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;
const uuidLike = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_TEXT = 160;
const MAX_LIST = 12;

function clip(s: string): string {
  const chars = Array.from(s.replace(/\s+/g, ' ').trim());
  return chars.length > MAX_TEXT ? `${chars.slice(0, MAX_TEXT).join('')}…` : chars.join('');
}

function list(values: ParamValue[]): ParamValue {
  if (values.length <= MAX_LIST) return { list: values };
  return phrase('audit.value.more', { list: { list: values.slice(0, MAX_LIST) }, count: values.length });
}

function recordName(id: string, names: AuditNames): ParamValue {
  const u = names.users.get(id);
  if (u) return u.name;
  return names.labels.get(id) ?? phrase('audit.value.unknownRecord');
}

/** A value of no known field, read as plainly as it can be: never JSON. */
function plainValue(v: unknown, opts: DescribeOptions): ParamValue {
  const names = opts.names ?? emptyNames();
  if (v === null || v === undefined || v === '') return phrase('audit.value.empty');
  if (typeof v === 'boolean') return phrase(v ? 'audit.value.yes' : 'audit.value.no');
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (isoDate.test(v) && !Number.isNaN(Date.parse(v))) return new Date(v);
    if (uuidLike.test(v)) return recordName(v, names);
    return clip(v);
  }
  if (Array.isArray(v)) {
    if (v.every((x) => x === null || ['string', 'number', 'boolean'].includes(typeof x))) return list(v.map((x) => plainValue(x, opts)));
    return phrase('audit.value.items', { count: v.length });
  }
  return phrase('audit.value.items', { count: Object.keys(v as object).length });
}

function value(spec: Spec, v: unknown, opts: DescribeOptions): ParamValue | null {
  const names = opts.names ?? emptyNames();
  if (v === SEVERAL) return phrase('audit.value.several');
  if (v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0 && spec.kind !== 'groups')) {
    return phrase(spec.empty ?? 'audit.value.empty');
  }
  switch (spec.kind) {
    case 'text': return typeof v === 'string' ? clip(v) : plainValue(v, opts);
    case 'date': {
      const d = v instanceof Date ? v : typeof v === 'string' || typeof v === 'number' ? new Date(v) : null;
      return d && !Number.isNaN(d.getTime()) ? d : plainValue(v, opts);
    }
    case 'bool': return typeof v === 'boolean' ? phrase(v ? 'audit.value.yes' : 'audit.value.no') : plainValue(v, opts);
    case 'count': return phrase('audit.value.comments', { count: Array.isArray(v) ? v.length : Number(v) || 0 });
    case 'people': return typeof v === 'number' ? phrase('audit.value.people', { count: v }) : plainValue(v, opts);
    case 'number': return typeof v === 'number' ? v : plainValue(v, opts);
    case 'enum': {
      const key = `${spec.prefix}.${String(v)}`;
      return has(key) ? phrase(key) : plainValue(v, opts);
    }
    case 'channel': return { channel: String(v) };
    // A contact masked when it was recorded (auth/users.ts auditView) stays as it is.
    case 'contact': return typeof v === 'string' ? (opts.canViewContact || v.includes('*') ? v : maskContact(v) ?? '') : plainValue(v, opts);
    case 'list': return Array.isArray(v) ? list(v.map((x) => (typeof x === 'string' ? clip(x) : plainValue(x, opts)))) : plainValue(v, opts);
    case 'user': return typeof v === 'string' ? (names.users.get(v)?.name ?? phrase('audit.actor.unknownUser')) : plainValue(v, opts);
    case 'users': return Array.isArray(v)
      ? list(v.map((x) => (typeof x === 'string' ? names.users.get(x)?.name ?? phrase('audit.actor.unknownUser') : phrase(spec.empty ?? 'audit.value.empty'))))
      : value({ ...spec, kind: 'user' }, v, opts);
    case 'record': return typeof v === 'string' ? recordName(v, names) : plainValue(v, opts);
    case 'draft': return typeof v === 'string' ? names.labels.get(`slug:${v}`) ?? v : plainValue(v, opts);
    case 'round': return typeof v === 'number' ? phrase('audit.value.round', { round: v }) : plainValue(v, opts);
    case 'article': return typeof v === 'number' ? (v === 0 ? phrase('report.general') : formatArticleLabel(v)) : plainValue(v, opts);
    case 'groups': {
      if (!Array.isArray(v)) return plainValue(v, opts);
      const n = v.filter((x) => x !== null).length;
      return n === 0 ? phrase('audit.value.ungrouped') : phrase('audit.value.groups', { count: n });
    }
    case 'counts': {
      const c = v as Record<string, unknown>;
      const keys = ['chapters', 'sections', 'articles', 'paragraphs', 'items'] as const;
      return typeof v === 'object' && keys.every((k) => typeof c[k] === 'number')
        ? phrase('audit.value.counts', Object.fromEntries(keys.map((k) => [k, c[k] as number])))
        : plainValue(v, opts);
    }
    case 'hideReason': {
      if (typeof v !== 'string') return plainValue(v, opts);
      const [code, ...rest] = v.split(': ');
      const known = `review.hideReason.${code}`;
      if (!has(known)) return clip(v);
      return rest.length ? phrase('audit.value.hideReason', { reason: phrase(known), text: clip(rest.join(': ')) }) : phrase(known);
    }
    case 'bulkKind': {
      const code = v === 'group' ? 'group.add' : `comment.${String(v)}`;
      return isKnownAction(code) ? actionPhrase(code) : plainValue(v, opts);
    }
    case 'filter': {
      if (typeof v !== 'object' || Array.isArray(v)) return plainValue(v, opts);
      const items = Object.entries(v as Record<string, unknown>).flatMap(([k, x]): ParamValue[] => {
        const spec = fields[k];
        if (isEmpty(x) || spec?.kind === 'skip') return [];
        const shown = spec ? value(spec, x, opts) : plainValue(x, opts);
        return shown === null ? [] : [phrase('audit.value.filterItem', { field: spec ? phrase(spec.label) : k, value: shown })];
      });
      return items.length ? list(items) : phrase('audit.value.allComments');
    }
    case 'skip': return null;
  }
}

/** One record out of a list of prior states (decide.ts summariseBefore): a field's one value, or SEVERAL. */
function merge(states: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const objects = states.filter((s): s is Record<string, unknown> => !!s && typeof s === 'object' && !Array.isArray(s));
  let count = 0;
  for (const s of objects) {
    if (Array.isArray(s.ids)) count += s.ids.length;
    else if (typeof s.count === 'number') count += s.count;
  }
  const keys = new Set(objects.flatMap((s) => Object.keys(s)));
  for (const k of keys) {
    if (k === 'ids' || k === 'count') continue;
    const seen = new Set(objects.map((s) => canonical(s[k])));
    out[k] = seen.size === 1 ? objects[0][k] : SEVERAL;
  }
  if (count) out.count = count;
  return out;
}

function canonical(v: unknown): string {
  return JSON.stringify(v ?? null);
}

/** Column names some events record as they are (moderate.ts), read as the fields they mean. */
const renamed: Record<string, (v: unknown) => [string, unknown]> = {
  hidden_at: (v) => ['hidden', v !== null && v !== undefined],
  hidden_reason: (v) => ['reason', v],
};

function asRecord(v: unknown, action: string): Record<string, unknown> | null {
  if (v === null || v === undefined) return null;
  if (Array.isArray(v)) return merge(v);
  if (typeof v !== 'object') return { value: v };
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    // A bulk request's action ({ kind: 'decide', adoption, reason }): its kind, then its own fields.
    if (action === 'comment.bulk' && k === 'action' && x && typeof x === 'object' && !Array.isArray(x)) {
      const { kind, ...rest } = x as Record<string, unknown>;
      out.action = kind;
      Object.assign(out, rest);
      continue;
    }
    const [key, value] = renamed[k]?.(x) ?? [k, x];
    out[key] = value;
  }
  return out;
}

const order = Object.keys(fields);
const rank = (key: string) => (order.includes(key) ? order.indexOf(key) : order.length);
const isEmpty = (v: unknown) => v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0);

interface Side { key: string; spec: Spec | null; value: unknown }

/** The changed fields of one event as lines; an empty list when nothing readable changed. */
export function describeChanges(event: Pick<AuditEventLike, 'action' | 'before' | 'after'>, opts: DescribeOptions): Phrase[] {
  const before = asRecord(event.before, event.action);
  const after = asRecord(event.after, event.action);
  const lines: Phrase[] = [];
  // How many comments an action touched: one line, and only when it is more than the one in view.
  const n = Math.max(0, ...[before, after].flatMap((r) => ['ids', 'count'].map((k) => {
    const v = r?.[k];
    return Array.isArray(v) ? v.length : typeof v === 'number' ? v : 0;
  })));
  if (n > 1) lines.push(phrase('audit.change.set', { field: phrase('audit.field.comments'), value: phrase('audit.value.comments', { count: n }) }));

  // Both sides by label, so assignees (before) and assigneeId (after) make one line.
  const sides = (r: Record<string, unknown> | null, side: 'before' | 'after'): Map<string, Side> => {
    const out = new Map<string, Side>();
    for (const key of Object.keys(r ?? {}).sort((a, b) => rank(a) - rank(b))) {
      if (key === 'ids' || key === 'count') continue;
      const spec = specOf(event.action, key, side, r![key]);
      if (spec?.kind === 'skip') continue;
      out.set(spec ? spec.label : `?${key}`, { key, spec, value: r![key] });
    }
    return out;
  };
  const b = sides(before, 'before');
  const a = sides(after, 'after');
  const labels = [...new Set([...b.keys(), ...a.keys()])]
    .sort((x, y) => rank((b.get(x) ?? a.get(x))!.key) - rank((b.get(y) ?? a.get(y))!.key));
  for (const label of labels) {
    const was = b.get(label);
    const now = a.get(label);
    if (was && now && was.spec && now.spec) {
      if (canonical(was.value) === canonical(now.value)) continue;
      const bv = value(was.spec, was.value, opts);
      const av = value(now.spec, now.value, opts);
      if (bv !== null && av !== null) lines.push(phrase('audit.change.changed', { field: phrase(now.spec.label), before: bv, after: av }));
      continue;
    }
    for (const [s, side] of [[was, 'before'], [now, 'after']] as const) {
      if (!s) continue;
      if (!s.spec) {
        if (!isEmpty(s.value)) lines.push(phrase('audit.change.other', { field: s.key, value: plainValue(s.value, opts) }));
        continue;
      }
      // A field set on one side only: nothing to say when it is empty, zero where zero is nothing, or an unset flag.
      if (isEmpty(s.value) && !(side === 'before' && after && s.spec.empty)) continue;
      if (s.spec.hideZero && s.value === 0) continue;
      if (s.spec.onlyTrue && s.value !== true) continue;
      const v = value(s.spec, s.value, opts);
      if (v !== null) lines.push(phrase(side === 'before' && after ? 'audit.change.was' : 'audit.change.set', { field: phrase(s.spec.label), value: v }));
    }
  }
  return lines;
}

/** Who did it: 王芳（工作人员）, 系统, 意见征集终端（…）, 未登录的访客. */
export function actorPhrase(event: Pick<AuditEventLike, 'actorId' | 'actorKind'>, names: AuditNames = emptyNames()): Phrase {
  const id = event.actorId ?? null;
  switch (event.actorKind) {
    case 'user':
    case 'token': {
      const u = id ? names.users.get(id) : undefined;
      if (!u) return phrase('audit.actor.unknownUser');
      const role = `role.${u.role}`;
      return phrase(event.actorKind === 'token' ? 'audit.actor.token' : 'audit.actor.user', { name: u.name, role: has(role) ? phrase(role) : u.role });
    }
    case 'kiosk': {
      const name = id ? names.labels.get(id) : undefined;
      return name ? phrase('audit.actor.kioskNamed', { name }) : phrase('audit.actor.kiosk');
    }
    case 'anonymous': return phrase('audit.actor.anonymous');
    default: return phrase('audit.actor.system');
  }
}

/** What it was about: 意见：K3F7-2Q9M, 审次：北京市…条例 · 二审稿, 账户：王芳. */
export function objectPhrase(event: Pick<AuditEventLike, 'objectType' | 'objectId'>, names: AuditNames = emptyNames()): Phrase | null {
  if (!event.objectType) return null;
  const typeKey = `audit.object.${event.objectType}`;
  const type = has(typeKey) ? phrase(typeKey) : phrase('audit.object.other', { type: event.objectType });
  const id = event.objectId ?? '';
  if (event.objectType === 'comment_selection' && /^\d+$/.test(id)) {
    return phrase('audit.object.named', { type, name: phrase('audit.value.comments', { count: Number(id) }) });
  }
  const name = names.users.get(id)?.name ?? names.labels.get(id);
  return name ? phrase('audit.object.named', { type, name }) : type;
}

export function describeAudit(event: AuditEventLike, opts: DescribeOptions): AuditDescription {
  const names = opts.names ?? emptyNames();
  return {
    actor: actorPhrase(event, names),
    action: actionPhrase(event.action),
    object: objectPhrase(event, names),
    changes: describeChanges(event, opts),
  };
}

// ── text ──

/** A phrase as text in `locale`: nested phrases, dates (Beijing time), channels and lists filled in. */
export function renderPhrase(p: Phrase, locale: Locale): string {
  const params: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(p.params ?? {})) params[k] = renderValue(v, locale);
  return t(locale, p.key, params);
}

function renderValue(v: ParamValue, locale: Locale): string | number {
  if (typeof v === 'string' || typeof v === 'number') return v;
  if (v instanceof Date) return formatDateTime(v, locale);
  if ('list' in v) return v.list.map((x) => renderValue(x, locale)).join(locale === 'en' ? ', ' : '、');
  if ('channel' in v) return channelLabel(locale, v.channel);
  return renderPhrase(v, locale);
}

export interface AuditText {
  actor: string;
  action: string;
  object: string | null;
  changes: string[];
}

export function auditText(d: AuditDescription, locale: Locale): AuditText {
  return {
    actor: renderPhrase(d.actor, locale),
    action: renderPhrase(d.action, locale),
    object: d.object ? renderPhrase(d.object, locale) : null,
    changes: d.changes.map((c) => renderPhrase(c, locale)),
  };
}

// ── names ──

const MAX_IDS = 2000;

/** The uuids an event mentions (actor, object, values), leaving out the long `ids` lists of bulk actions. */
function collect(v: unknown, into: Set<string>, slugs: Set<string>, key = ''): void {
  if (into.size >= MAX_IDS || key === 'ids' || key === 'receipts') return;
  if (typeof v === 'string') {
    if (uuidLike.test(v)) into.add(v.toLowerCase());
    else if ((key === 'draft' || key === 'slug') && /^[a-z0-9-]{1,63}$/.test(v)) slugs.add(v);
  } else if (Array.isArray(v)) {
    for (const x of v) collect(x, into, slugs, key);
  } else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) collect(x, into, slugs, k);
  }
}

/**
 * The names behind the ids of `events`: accounts (name, else contact — masked without
 * contact:view — and role), stations, tags, drafts (by id and slug), rounds, comments (receipt),
 * kiosks and comment groups (label). One query per table.
 */
export async function loadAuditNames(events: readonly AuditEventLike[], opts: { canViewContact: boolean }, db: DbOrTx = getDb()): Promise<AuditNames> {
  const ids = new Set<string>();
  const slugs = new Set<string>();
  for (const e of events) {
    for (const id of [e.actorId, e.objectId]) if (id && uuidLike.test(id)) ids.add(id.toLowerCase());
    collect(e.before, ids, slugs);
    collect(e.after, ids, slugs);
  }
  const names = emptyNames();
  if (!ids.size && !slugs.size) return names;
  const idList = `{${[...ids].join(',')}}`;
  const slugList = `{${[...slugs].map((s) => `"${s}"`).join(',')}}`;
  const [users, labels] = await Promise.all([
    ids.size ? db.execute(sql`select id::text as id, name, email, phone, role::text as role from users where id = any(${idList}::uuid[])`) : null,
    db.execute(sql`
      select id::text as id, name as label from stations where id = any(${idList}::uuid[])
      union all select id::text, name from tags where id = any(${idList}::uuid[])
      union all select id::text, title from drafts where id = any(${idList}::uuid[])
      union all select 'slug:' || slug, title from drafts where slug = any(${slugList}::text[])
      union all select r.id::text, d.title || ' · ' || r.label from rounds r join drafts d on d.id = r.draft_id where r.id = any(${idList}::uuid[])
      union all select id::text, receipt from comments where id = any(${idList}::uuid[])
      union all select k.id::text, s.name || case when k.label <> '' then ' · ' || k.label else '' end from kiosks k join stations s on s.id = k.station_id where k.id = any(${idList}::uuid[])
      union all select id::text, label from comment_groups where id = any(${idList}::uuid[]) and label is not null`),
  ]);
  for (const u of users ? rowsOf<{ id: string; name: string | null; email: string | null; phone: string | null; role: string }>(users) : []) {
    const contact = u.email ?? u.phone;
    names.users.set(u.id, { name: u.name || (opts.canViewContact ? contact : maskContact(contact)) || '—', role: u.role });
  }
  for (const r of rowsOf<{ id: string; label: string | null }>(labels)) if (r.label) names.labels.set(r.id, r.label);
  return names;
}
