/**
 * A group's members as staff read them: the representative text (its founder, the earliest member
 * that is not hidden) once, the members whose text is the same collapsed into a count, and every
 * other member as only what it adds or removes against the representative (jsdiff through
 * drafts/diff-text.ts, decision 019). Deduplicated for reading, never for exclusion: every member
 * is listed, page by page (keyset on created_at, id), and diffs are computed only for the page shown.
 */
import { sql, type SQL } from 'drizzle-orm';
import { getDb, type DbOrTx } from '../../db/client';
import { rowsOf } from '../../db/rows';
import { AppError } from '../errors';
import { encodeCursor } from '../params';
import { diffChars, mergeShortEqualities, type DiffPart } from '../drafts/diff-text';
import type { Adoption } from './schemas';

/** A piece of a member's difference: a change, some shared text around it, or a gap of shared text left out. */
export type MemberPart = DiffPart | { op: 'gap' };

export interface GroupMember {
  id: string;
  receipt: string;
  createdAt: Date;
  channel: string;
  hidden: boolean;
  adoption: Adoption | null;
  status: string;
  /** What the member adds (insert) or leaves out (delete) against the representative; empty for an identical member. */
  parts: MemberPart[];
}

export interface GroupMembersPage {
  representative: { id: string; receipt: string; body: string; createdAt: Date; channel: string; hidden: boolean } | null;
  /** Members other than the representative whose text is the representative's (whitespace aside). */
  identical: number;
  /** Members other than the representative whose text differs. */
  different: number;
  items: GroupMember[];
  nextCursor: string | null;
}

/** Where the next page starts (created_at in epoch microseconds, exact, and id). */
export interface MemberCursor {
  us: number;
  id: string;
}

/** Shared text kept on each side of a change; longer runs between changes become a gap. */
const CONTEXT_CHARS = 12;
/** Removed representative text longer than this is shown by its start (the representative is on the page). */
const DELETE_CHARS = 60;
/** Above this many character edits jsdiff gives the middle as one removal and one addition (bounds the time per member). */
const MAX_EDITS = 600;
const WHITESPACE = '[[:space:]\u3000\u200B\uFEFF]';

const norm = (body: SQL): SQL => sql`regexp_replace(${body}, ${WHITESPACE}, '', 'g')`;

/** Members in a group, 0 when it has none (or does not exist). */
export async function groupMemberCount(groupId: string, db: DbOrTx = getDb()): Promise<number> {
  return rowsOf<{ n: number }>(await db.execute(sql`select count(*)::int as n from comments where group_id = ${groupId}::uuid`))[0].n;
}

/**
 * One page of a group's members: the differing ones (default) or, with `identical`, those whose
 * text is the representative's. Oldest first; `limit` rows from `cursor`. Throws NotFound for an
 * unknown group.
 */
export async function listGroupMembers(
  groupId: string,
  opts: { identical?: boolean; cursor?: MemberCursor; limit?: number } = {},
  db: DbOrTx = getDb(),
): Promise<GroupMembersPage> {
  const exists = rowsOf(await db.execute(sql`select 1 from comment_groups where id = ${groupId}::uuid`));
  if (!exists.length) throw new AppError('NotFound');
  // The founder: the earliest member not hidden (a hidden comment never represents anything), else the earliest.
  const rep = rowsOf<{ id: string; receipt: string; body: string; created_at: string; channel: string; hidden: boolean }>(await db.execute(sql`
    select id, receipt, body, created_at, channel, hidden_at is not null as hidden from comments
    where group_id = ${groupId}::uuid order by (hidden_at is not null), created_at, id limit 1`))[0];
  if (!rep) return { representative: null, identical: 0, different: 0, items: [], nextCursor: null };

  const repNorm = norm(sql`${rep.body}::text`);
  const counts = rowsOf<{ identical: number; total: number }>(await db.execute(sql`
    select count(*) filter (where ${norm(sql`body`)} = ${repNorm})::int as identical, count(*)::int as total
    from comments where group_id = ${groupId}::uuid and id <> ${rep.id}::uuid`))[0];

  const limit = opts.limit ?? 20;
  const after = opts.cursor
    ? sql`and (created_at, id) > ('epoch'::timestamptz + ${opts.cursor.us}::bigint * interval '1 microsecond', ${opts.cursor.id}::uuid)`
    : sql``;
  const rows = rowsOf<Record<string, unknown>>(await db.execute(sql`
    select id, receipt, body, created_at, channel, hidden_at is not null as hidden, adoption, status,
           (extract(epoch from created_at) * 1000000)::bigint::text as us
    from comments
    where group_id = ${groupId}::uuid and id <> ${rep.id}::uuid
      and ${norm(sql`body`)} ${opts.identical ? sql`=` : sql`<>`} ${repNorm} ${after}
    order by created_at, id
    limit ${limit + 1}`));
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    representative: { id: rep.id, receipt: rep.receipt, body: rep.body, createdAt: new Date(rep.created_at), channel: rep.channel, hidden: Boolean(rep.hidden) },
    identical: counts.identical,
    different: counts.total - counts.identical,
    items: page.map((r) => ({
      id: String(r.id), receipt: String(r.receipt), createdAt: new Date(r.created_at as string), channel: String(r.channel),
      hidden: Boolean(r.hidden), adoption: (r.adoption as Adoption | null) ?? null, status: String(r.status),
      parts: opts.identical ? [] : memberDiff(rep.body, String(r.body)),
    })),
    nextCursor: rows.length > limit && last ? encodeCursor({ us: Number(last.us), id: String(last.id) }) : null,
  };
}

/**
 * What `member` adds to or removes from `representative`, by characters (whitespace ignored, short
 * shared runs folded into the change), with shared text shortened to a little context around each
 * change and long removals shortened to their start.
 */
export function memberDiff(representative: string, member: string): MemberPart[] {
  return compactDiff(mergeShortEqualities(diffChars(representative, member, { ignoreWhitespace: true, maxEdits: MAX_EDITS })));
}

/** Keeps CONTEXT_CHARS of shared text on each side of a change; the rest becomes a gap. */
export function compactDiff(parts: DiffPart[], context = CONTEXT_CHARS): MemberPart[] {
  const out: MemberPart[] = [];
  parts.forEach((p, i) => {
    const chars = Array.from(p.text);
    if (p.op === 'delete') {
      out.push(chars.length > DELETE_CHARS ? { op: 'delete', text: `${chars.slice(0, DELETE_CHARS).join('')}…` } : p);
      return;
    }
    if (p.op === 'insert') {
      out.push(p);
      return;
    }
    const first = i === 0;
    const lastPart = i === parts.length - 1;
    const keepBefore = first ? 0 : context; // the end of the previous change's context
    const keepAfter = lastPart ? 0 : context; // the start of the next change's context
    if (chars.length <= keepBefore + keepAfter + 1) {
      out.push(p);
      return;
    }
    if (keepBefore) out.push({ op: 'equal', text: chars.slice(0, keepBefore).join('') });
    out.push({ op: 'gap' });
    if (keepAfter) out.push({ op: 'equal', text: chars.slice(chars.length - keepAfter).join('') });
  });
  return out;
}
