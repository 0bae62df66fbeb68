/**
 * What a public draft page (the draft, one article, the comparison of two rounds) shows that can
 * change, read in one cheap statement and reduced to a short digest: the HTTP validator (ETag)
 * of those pages and the key of their render cache (web/public-cache.ts). A published version
 * never changes; what does is
 * - the draft's title and summary, and its rounds: label, period, note, early end, feedback
 *   published, version (a round published), and the round's audit trail (every period change,
 *   every feedback publication; the page lists the changes) — the newest audit id per round;
 * - the comment counts, without counting them (a count scans the round's comments): the number
 *   of the round's comments created since the start of the previous five-minute window (an index
 *   range on comments(round_id, created_at, …), a few rows) — new comments only ever add to it
 *   while the window holds, and a comment whose transaction began before the window started
 *   would need to commit five minutes later — plus the counts' version (inbox_counts_version),
 *   which every hide, move, deletion and bulk import bumps in its own transaction;
 * - the time: each round's status at `now`, and the hours left of an open round (the page says
 *   days, then hours, then minutes), so the digest moves when the page's words would.
 * Nothing here is kept between calls.
 */
import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { getReadDb } from '../../db/replica';
import { rowsOf } from '../../db/rows';
import { roundStatus } from './rounds';

/** New comments are counted from the start of the window before the current one. */
export const COMMENT_WINDOW_MS = 5 * 60_000;

export interface DraftPageState {
  /** A digest of everything listed in the module comment (hex, 24 characters). */
  digest: string;
  /** The start of the comment window the digest counted from. */
  windowStart: Date;
}

type Row = {
  title: string;
  summary: string | null;
  round_id: string | null;
  number: number | null;
  label: string | null;
  opens_at: Date | string | null;
  closes_at: Date | string | null;
  note: string | null;
  closed_early_reason: string | null;
  feedback_published_at: Date | string | null;
  version_id: string | null;
  recent: number | string | null;
  last_audit: number | string | null;
  counts_version: number | string | null;
};

const ms = (v: Date | string | null) => (v === null ? null : new Date(v).getTime());

/**
 * The state of draft `slug`'s public pages at `now`, or null when there is no such draft (the
 * page itself then answers 404). `withComments` false leaves the comment markers out (the
 * comparison page shows no counts). One statement.
 */
export async function draftPageState(slug: string, opts: { withComments?: boolean; now?: Date } = {}, db: DbOrTx = getReadDb()): Promise<DraftPageState | null> {
  const now = opts.now ?? new Date();
  const withComments = opts.withComments ?? true;
  const windowStart = new Date(Math.floor(now.getTime() / COMMENT_WINDOW_MS) * COMMENT_WINDOW_MS - COMMENT_WINDOW_MS);
  const rows = rowsOf<Row>(await db.execute(sql`
    select d.title, d.summary, r.id as round_id, r.number, r.label, r.opens_at, r.closes_at,
      md5(coalesce(r.note_md, '')) as note, r.closed_early_reason, r.feedback_published_at, v.id as version_id,
      ${withComments
        ? sql`(select count(*) from comments c where c.round_id = r.id and c.created_at >= ${windowStart.toISOString()}::timestamptz)`
        : sql`null::bigint`} as recent,
      (select max(a.id) from audit_events a where a.object_type = 'round' and a.object_id = r.id::text) as last_audit,
      ${withComments ? sql`(select version from inbox_counts_version where id = 1)` : sql`null::bigint`} as counts_version
    from drafts d
    left join rounds r on r.draft_id = d.id
    left join versions v on v.round_id = r.id
    where d.slug = ${slug}
    order by r.number`));
  if (!rows.length) return null;
  const hash = createHash('sha1');
  hash.update(JSON.stringify([rows[0].title, rows[0].summary, withComments ? windowStart.getTime() : 0, rows[0].counts_version === null ? null : String(rows[0].counts_version)]));
  for (const r of rows) {
    if (r.round_id === null) continue;
    const opensAt = new Date(r.opens_at!);
    const closesAt = new Date(r.closes_at!);
    const status = roundStatus({ opensAt, closesAt }, now);
    const left = closesAt.getTime() - now.getTime();
    const hoursLeft = status === 'open' ? (left >= 3600_000 ? Math.floor(left / 3600_000) : 'minutes') : null;
    hash.update(JSON.stringify([
      r.round_id, r.number, r.label, ms(r.opens_at), ms(r.closes_at), r.note, r.closed_early_reason, ms(r.feedback_published_at),
      r.version_id, r.recent === null ? null : String(r.recent), r.last_audit === null ? null : String(r.last_audit), status, hoursLeft,
    ]));
  }
  return { digest: hash.digest('hex').slice(0, 24), windowStart };
}
