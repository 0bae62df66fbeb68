/**
 * The three rates of a round (答复率, 采纳率, 满意率) day by day, as they stood at the end of each
 * Beijing day: every comment counts from the day it arrived, its response from responded_at, its
 * decision from decided_at and its rating from rated_at. The definitions are summariseRound's
 * (adoption-report.ts), so the last day's figures are the round's rates today; hidden comments are
 * left out, as in the public statistics. One query: the events grouped per day, every day between
 * the first and the last event filled in, running totals by a window.
 */
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { getReadDb } from '../../db/replica';
import type { ReportScope } from './adoption-report';
import { decisionsShown } from './stats';

export interface RatesOnDay {
  /** The Beijing calendar day, `YYYY-MM-DD`. */
  day: string;
  /** Running totals at the end of the day. */
  comments: number;
  responded: number;
  decided: number;
  adopted: number;
  rated: number;
  satisfied: number;
  /** responded / comments, adopted / decided, satisfied / rated; null when there is nothing to divide by. */
  response: number | null;
  adoption: number | null;
  satisfaction: number | null;
}

const ratio = (part: number, whole: number) => (whole > 0 ? part / whole : null);

/**
 * The rates of `scope` per day, oldest first (empty without comments); null when its decisions are
 * not public yet and `withDecisions` (staff pages) is not given, the rule of roundStats.
 * A decision or rating without its timestamp (older imports) counts from the comment's response,
 * else from its arrival, so the totals always agree with summariseRound.
 */
export async function ratesOverTime(scope: ReportScope, opts: { withDecisions?: boolean } = {}, db: DbOrTx = getReadDb()): Promise<RatesOnDay[] | null> {
  if (!decisionsShown(scope, opts)) return null;
  // Beijing has kept UTC+8 all year since 1991 (time.ts): the day is the UTC time plus 8 hours.
  const day = (at: ReturnType<typeof sql>) => sql`((${at} at time zone 'UTC') + interval '8 hours')::date`;
  const { rows } = await db.execute<Record<string, unknown>>(sql`
    with c as (
      select c.created_at, c.responded_at, c.decided_at, c.rated_at, c.adoption, c.satisfaction
      from comments c where c.round_id = ${scope.round.id} and c.hidden_at is null
    ), ev (ev_at, comments, responded, decided, adopted, rated, satisfied) as (
      select created_at, 1, 0, 0, 0, 0, 0 from c
      union all
      select responded_at, 0, 1, 0, 0, 0, 0 from c where responded_at is not null
      union all
      select coalesce(decided_at, responded_at, created_at), 0, 0, 1, (adoption in ('adopted', 'partially_adopted'))::int, 0, 0
      from c where adoption is not null and adoption <> 'pending'
      union all
      select coalesce(rated_at, responded_at, created_at), 0, 0, 0, 0, 1, (satisfaction in ('satisfied', 'basically_satisfied'))::int
      from c where satisfaction is not null
    ), daily as (
      select ${day(sql`ev_at`)} as day, sum(comments) as comments, sum(responded) as responded, sum(decided) as decided,
        sum(adopted) as adopted, sum(rated) as rated, sum(satisfied) as satisfied
      from ev group by 1
    ), days as (
      select generate_series(min(day), max(day), interval '1 day')::date as day from daily
    )
    select to_char(d.day, 'YYYY-MM-DD') as day,
      (sum(coalesce(x.comments, 0)) over w)::int as comments,
      (sum(coalesce(x.responded, 0)) over w)::int as responded,
      (sum(coalesce(x.decided, 0)) over w)::int as decided,
      (sum(coalesce(x.adopted, 0)) over w)::int as adopted,
      (sum(coalesce(x.rated, 0)) over w)::int as rated,
      (sum(coalesce(x.satisfied, 0)) over w)::int as satisfied
    from days d left join daily x on x.day = d.day
    window w as (order by d.day)
    order by d.day`);
  return rows.map((r) => {
    const n = (k: string) => Number(r[k] ?? 0);
    return {
      day: String(r.day),
      comments: n('comments'), responded: n('responded'), decided: n('decided'), adopted: n('adopted'), rated: n('rated'), satisfied: n('satisfied'),
      response: ratio(n('responded'), n('comments')),
      adoption: ratio(n('adopted'), n('decided')),
      satisfaction: ratio(n('satisfied'), n('rated')),
    };
  });
}
