/** The drafts with their rounds, for the home page and GET /api/v1/drafts. Two queries in all. */
import { asc, count, eq } from 'drizzle-orm';
import { comments, drafts, rounds } from '../../db/schema';
import type { DbOrTx } from '../../db/client';
import { getReadDb } from '../../db/replica';
import { roundStatus, type RoundStatus } from './rounds';

export interface RoundSummary {
  number: number;
  label: string;
  opensAt: Date;
  closesAt: Date;
  status: RoundStatus;
  commentCount: number;
  feedbackPublished: boolean;
}

export interface DraftSummary {
  slug: string;
  title: string;
  summary: string | null;
  rounds: RoundSummary[];
  /** The round people should see first: the open one, else the latest. */
  current: RoundSummary;
}

/**
 * Comments per round, for the home page. Counting a national consultation's 100,000s of rows on
 * every visit would cost a scan each time, so the figures are reused for up to 15 seconds (a
 * cache of derived numbers, not state: every instance recomputes its own).
 */
const COUNTS_TTL_MS = 15_000;
let countsCache: { at: number; db: DbOrTx; counts: Map<string, number> } | null = null;

async function roundCounts(db: DbOrTx, now: Date): Promise<Map<string, number>> {
  if (countsCache && countsCache.db === db && now.getTime() - countsCache.at < COUNTS_TTL_MS && now.getTime() >= countsCache.at) {
    return countsCache.counts;
  }
  const rows = await db.select({ roundId: comments.roundId, n: count() }).from(comments).groupBy(comments.roundId);
  const counts = new Map(rows.map((c) => [c.roundId, Number(c.n)]));
  countsCache = { at: now.getTime(), db, counts };
  return counts;
}

export async function listDrafts(db: DbOrTx = getReadDb(), now = new Date()): Promise<DraftSummary[]> {
  const rows = await db
    .select({
      slug: drafts.slug,
      title: drafts.title,
      summary: drafts.summary,
      roundId: rounds.id,
      number: rounds.number,
      label: rounds.label,
      opensAt: rounds.opensAt,
      closesAt: rounds.closesAt,
      feedbackPublishedAt: rounds.feedbackPublishedAt,
    })
    .from(drafts)
    .innerJoin(rounds, eq(rounds.draftId, drafts.id))
    .orderBy(asc(drafts.createdAt), asc(drafts.slug), asc(rounds.number));
  const countByRound = await roundCounts(db, now);

  const bySlug = new Map<string, DraftSummary>();
  for (const r of rows) {
    const round: RoundSummary = {
      number: r.number,
      label: r.label,
      opensAt: r.opensAt,
      closesAt: r.closesAt,
      status: roundStatus(r, now),
      commentCount: countByRound.get(r.roundId) ?? 0,
      feedbackPublished: r.feedbackPublishedAt !== null,
    };
    const d = bySlug.get(r.slug) ?? { slug: r.slug, title: r.title, summary: r.summary, rounds: [], current: round };
    d.rounds.push(round);
    bySlug.set(r.slug, d);
  }
  for (const d of bySlug.values()) {
    d.current = d.rounds.find((r) => r.status === 'open') ?? d.rounds[d.rounds.length - 1];
  }
  return [...bySlug.values()];
}
