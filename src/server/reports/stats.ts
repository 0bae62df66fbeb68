/**
 * The public statistics of a round (GET /api/v1/drafts/{slug}/stats, the charts on the draft page
 * and in /staff): totals by channel, district, status and per article, hidden comments left out.
 * Decisions (by adoption, the 三率) are public only once the feedback page is published.
 */
import type { DbOrTx } from '../../db/client';
import { getReadDb } from '../../db/replica';
import { roundStatus } from '../drafts/rounds';
import { loadReportScope, summariseArticles, summariseRound, type Rates, type ReportScope } from './adoption-report';

export interface RoundStats {
  draft: { slug: string; title: string };
  round: { number: number; label: string; status: string; opensAt: string; closesAt: string; feedbackPublished: boolean };
  totals: { comments: number; people: number; voices: number; general: number };
  byChannel: Array<{ channel: string; count: number }>;
  byDistrict: Array<{ district: string | null; count: number }>;
  byStatus: Array<{ status: string; count: number }>;
  /** null until the feedback page is published (or for staff views: always given). */
  byAdoption: Array<{ adoption: string; count: number }> | null;
  rates: Omit<Rates, 'responded' | 'decided' | 'adopted' | 'rated' | 'satisfied'> | null;
  articles: Array<{ number: number; label: string; caption: string | null; count: number }>;
}

/** Whether the decision figures (by adoption, the 三率 and their course) of `scope` may be shown: staff always, the public once the feedback page is published. */
export function decisionsShown(scope: ReportScope, opts: { withDecisions?: boolean } = {}): boolean {
  return opts.withDecisions === true || scope.round.feedbackPublishedAt !== null;
}

/** Statistics of `scope`; `withDecisions` forces the decision figures (staff pages). */
export async function roundStats(scope: ReportScope, opts: { withDecisions?: boolean } = {}, db: DbOrTx = getReadDb()): Promise<RoundStats> {
  const options = { includeHidden: false };
  const [s, articles] = await Promise.all([summariseRound(scope, options, db), summariseArticles(scope, options, db)]);
  const decisions = decisionsShown(scope, opts);
  return {
    draft: { slug: scope.draft.slug, title: scope.draft.title },
    round: {
      number: scope.round.number, label: scope.round.label, status: roundStatus(scope.round),
      opensAt: scope.round.opensAt.toISOString(), closesAt: scope.round.closesAt.toISOString(),
      feedbackPublished: scope.round.feedbackPublishedAt !== null,
    },
    totals: { comments: s.comments, people: s.people, voices: s.voices, general: s.general },
    byChannel: s.byChannel.map((x) => ({ channel: x.key, count: x.count })),
    byDistrict: s.byDistrict.map((x) => ({ district: x.key || null, count: x.count })),
    byStatus: s.byStatus.map((x) => ({ status: x.key, count: x.count })),
    byAdoption: decisions ? s.byAdoption.map((x) => ({ adoption: x.key, count: x.count })) : null,
    rates: decisions ? { response: s.rates.response, adoption: s.rates.adoption, satisfaction: s.rates.satisfaction } : null,
    articles: articles.filter((a) => a.number > 0).map((a) => ({ number: a.number, label: a.label, caption: a.caption, count: a.comments })),
  };
}

/** Statistics of round `round` (default: latest) of draft `slug`; throws DraftNotFound, RoundNotFound. */
export async function getDraftStats(slug: string, round?: number, db: DbOrTx = getReadDb()): Promise<RoundStats> {
  return roundStats(await loadReportScope(slug, round, db), {}, db);
}
