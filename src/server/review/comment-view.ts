/**
 * One comment as staff see it: the text, the article as it stood when commented, the channel
 * and station, the submitter (contact masked unless the viewer holds contact:view), tags,
 * group, decision and assignment, and the audit history (its own events and the bulk actions
 * that named it).
 */
import { sql } from 'drizzle-orm';
import { getDb, type DbOrTx } from '../../db/client';
import { AppError } from '../errors';
import { isUuid } from '../params';
import { maskContact } from '../mask-contact';
import type { Adoption } from './schemas';
import { rowsOf } from '../../db/rows';

export interface AuditEntry {
  id: number;
  at: Date;
  action: string;
  actorName: string | null;
  actorId: string | null;
  actorKind: string;
  objectType: string | null;
  objectId: string | null;
  before: unknown;
  after: unknown;
}

export interface StaffCommentView {
  id: string;
  receipt: string;
  body: string;
  createdAt: Date;
  draft: { id: string; slug: string; title: string; requireApproval: boolean };
  round: { id: string; number: number; label: string };
  article: { number: number; label: string | null; caption: string | null; text: string } | null;
  channel: string;
  station: { code: string; name: string; district: string; street: string | null } | null;
  submitter: { name: string | null; publishName: boolean; district: string | null; occupation: string | null; contact: string | null; contactMasked: boolean; byDeputy: boolean; voices: number };
  status: 'received' | 'under_review' | 'answered';
  adoption: Adoption | null;
  reason: string | null;
  response: string | null;
  decidedBy: string | null;
  decidedAt: Date | null;
  approvedBy: string | null;
  awaitingApproval: boolean;
  respondedAt: Date | null;
  hidden: { at: Date; reason: string | null } | null;
  assignee: { id: string; name: string } | null;
  group: { id: string; size: number; confirmed: boolean; label: string | null; exact: boolean } | null;
  tags: Array<{ id: string; name: string }>;
  /** Tags the round's classifier suggests (suggestions/, decision 027), highest confidence first. */
  suggestedTags: Array<{ id: string; name: string; confidence: number }>;
  history: AuditEntry[];
}

const date = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string));

/** The comment `id` for a staff viewer; contact shown in full only with `canViewContact`. Throws CommentNotFound. */
export async function getStaffComment(id: string, opts: { canViewContact: boolean }, db: DbOrTx = getDb()): Promise<StaffCommentView> {
  if (!isUuid(id)) throw new AppError('CommentNotFound');
  const [c] = rowsOf<Record<string, any>>(await db.execute(sql`
    select c.*, d.slug as draft_slug, d.title as draft_title, d.require_approval, r.number as round_number, r.label as round_label,
           p.number as p_number, p.label as p_label, p.title as p_title, p.text as p_text,
           s.code as s_code, s.name as s_name, s.district as s_district, s.street as s_street,
           coalesce(a.name, a.email) as assignee_name, coalesce(db.name, db.email) as decided_by_name, coalesce(ab.name, ab.email) as approved_by_name,
           g.confirmed as g_confirmed, g.label as g_label, g.fingerprint is not null as g_exact,
           (select count(*)::int from comments m where m.group_id = c.group_id) as g_size
    from comments c
    join drafts d on d.id = c.draft_id
    join rounds r on r.id = c.round_id
    left join provisions p on p.id = c.article_id
    left join stations s on s.id = c.station_id
    left join users a on a.id = c.assignee_id
    left join users db on db.id = c.decided_by
    left join users ab on ab.id = c.approved_by
    left join comment_groups g on g.id = c.group_id
    where c.id = ${id}::uuid`));
  if (!c) throw new AppError('CommentNotFound');
  const [tags, history, suggested] = await Promise.all([
    rowsOf<{ id: string; name: string }>(await db.execute(sql`
      select t.id, t.name from comment_tags ct join tags t on t.id = ct.tag_id where ct.comment_id = ${id}::uuid order by t.name`)),
    commentHistory(id, c.group_id ?? null, db),
    rowsOf<{ id: string; name: string; confidence: number }>(await db.execute(sql`
      select t.id, t.name, s.confidence from tag_suggestions s join tags t on t.id = s.tag_id
      where s.comment_id = ${id}::uuid and not exists (select 1 from comment_tags ct where ct.comment_id = s.comment_id and ct.tag_id = s.tag_id)
      order by s.confidence desc, t.name`)),
  ]);
  return {
    id: c.id, receipt: c.receipt, body: c.body, createdAt: new Date(c.created_at),
    draft: { id: c.draft_id, slug: c.draft_slug, title: c.draft_title, requireApproval: Boolean(c.require_approval) },
    round: { id: c.round_id, number: Number(c.round_number), label: c.round_label },
    article: c.p_text !== null && c.p_text !== undefined ? { number: Number(c.p_number), label: c.p_label, caption: c.p_title, text: c.p_text } : null,
    channel: c.channel,
    station: c.s_code ? { code: c.s_code, name: c.s_name, district: c.s_district, street: c.s_street } : null,
    submitter: {
      name: c.name, publishName: Boolean(c.publish_name), district: c.district, occupation: c.occupation,
      contact: opts.canViewContact ? c.contact : maskContact(c.contact), contactMasked: !opts.canViewContact && !!c.contact,
      byDeputy: Boolean(c.by_deputy), voices: Number(c.voices),
    },
    status: c.status, adoption: c.adoption, reason: c.reason, response: c.response,
    decidedBy: c.decided_by_name ?? null, decidedAt: date(c.decided_at), approvedBy: c.approved_by_name ?? null,
    awaitingApproval: c.approval_requested_at !== null && c.approval_requested_at !== undefined,
    respondedAt: date(c.responded_at),
    hidden: c.hidden_at ? { at: new Date(c.hidden_at), reason: c.hidden_reason } : null,
    assignee: c.assignee_id ? { id: c.assignee_id, name: c.assignee_name } : null,
    group: c.group_id ? { id: c.group_id, size: Number(c.g_size), confirmed: Boolean(c.g_confirmed), label: c.g_label, exact: Boolean(c.g_exact) } : null,
    tags,
    suggestedTags: suggested.map((r) => ({ id: r.id, name: r.name, confidence: Math.floor(Number(r.confidence) * 100) / 100 })),
    history,
  };
}

/** The audit events about comment `id`: its own, and bulk actions whose after.ids name it, newest first. */
export async function commentHistory(id: string, _groupId: string | null, db: DbOrTx = getDb(), limit = 100): Promise<AuditEntry[]> {
  const rows = rowsOf<Record<string, any>>(await db.execute(sql`
    select e.id, e.at, e.action, e.actor_id, e.actor_kind, e.object_type, e.object_id, e.before, e.after, coalesce(u.name, u.email) as actor_name
    from audit_events e left join users u on u.id = e.actor_id
    where (e.object_type = 'comment' and e.object_id = ${id})
       or (e.after -> 'ids') ? ${id}
    order by e.id desc limit ${limit}`));
  return rows.map((r) => ({
    id: Number(r.id), at: new Date(r.at), action: r.action, actorName: r.actor_name ?? null, actorId: r.actor_id ?? null, actorKind: r.actor_kind,
    objectType: r.object_type ?? null, objectId: r.object_id ?? null,
    before: compact(r.before, id), after: compact(r.after, id),
  }));
}

/** Leaves the other comments' ids out of a bulk event, so a 10,000-comment action reads well. */
function compact(value: unknown, id: string): unknown {
  if (!value || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const mine = value.filter((v) => !(v && typeof v === 'object' && Array.isArray((v as { ids?: unknown }).ids)) || ((v as { ids: string[] }).ids).includes(id));
    return mine.map((v) => compact(v, id));
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (k === 'ids' && Array.isArray(v)) out.count = v.length;
    else out[k] = v;
  }
  return out;
}
