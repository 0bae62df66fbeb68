/**
 * The JSON shapes of the public reading API (../shared/docs/api.md): dates as ISO strings, names
 * exactly as documented, extra fields only added. Pages use the domain objects directly.
 */
import type { DraftSummary, RoundSummary } from './list-drafts';
import type { DraftRound, RoundInfo } from './get-draft';
import type { RoundsDiff } from './diff-rounds';
import type { z } from 'zod';
import type { diffResponse, draftListResponse, draftRoundResponse } from '../api-responses';

/** Public reading endpoints may be cached briefly by browsers and proxies. */
export const PUBLIC_CACHE = { 'cache-control': 'public, max-age=30' } as const;

function publicRound(r: RoundSummary | RoundInfo) {
  return { number: r.number, label: r.label, opensAt: r.opensAt.toISOString(), closesAt: r.closesAt.toISOString(), status: r.status };
}

/** GET /api/v1/drafts */
export function toPublicDraftList(list: DraftSummary[]): z.output<typeof draftListResponse> {
  return list.map((d) => ({
    slug: d.slug,
    title: d.title,
    summary: d.summary,
    rounds: d.rounds.map((r) => ({ ...publicRound(r), commentCount: r.commentCount })),
  }));
}

/** GET /api/v1/drafts/{slug}?round=N */
export function toPublicDraftRound(d: DraftRound): z.output<typeof draftRoundResponse> {
  return {
    slug: d.draft.slug,
    title: d.draft.title,
    round: { ...publicRound(d.round), note: d.round.noteMd },
    rounds: d.rounds.map(publicRound),
    preamble: d.version.preamble,
    chapters: d.chapters.map((c) => ({
      number: c.number,
      label: c.label,
      title: c.title,
      sections: c.sections.map((s) => ({ number: s.number, label: s.label, title: s.title })),
    })),
    articles: d.articles.map((a) => ({
      id: a.id,
      number: a.number,
      label: a.label,
      chapter: a.chapter,
      section: a.section,
      ...(a.caption ? { caption: a.caption } : {}),
      text: a.text,
      paragraphs: a.paragraphs,
      commentCount: a.commentCount,
    })),
    generalCommentCount: d.generalCommentCount,
  };
}

/** GET /api/v1/drafts/{slug}/diff?from=M&to=N */
export function toPublicDiff(d: RoundsDiff): z.output<typeof diffResponse> {
  const round = (r: RoundInfo) => ({ number: r.number, label: r.label });
  return {
    slug: d.draft.slug,
    title: d.draft.title,
    from: round(d.from),
    to: round(d.to),
    summary: d.tally,
    articles: d.articles.map((e) => ({
      change: e.change,
      ...(e.from ? { from: { number: e.from.number, text: e.from.text } } : {}),
      ...(e.to ? { to: { number: e.to.number, text: e.to.text } } : {}),
      similarity: Math.round(e.similarity * 1000) / 1000,
      ...(e.via ? { via: e.via } : {}),
    })),
  };
}
