/**
 * The Atom feeds of the drafts (GET /feed.atom, GET /drafts/{slug}/feed.atom), for people who
 * follow a draft in a feed reader: one entry when a round's version is published (公开征求意见,
 * with the comment period in Beijing time) and one when its feedback page is published
 * (意见采纳情况), newest first. Absolute links from the public origin (PUBLIC_URL), never the
 * Host header; entry ids are tag: URIs that stay the same for the life of the entry.
 */
import { asc, desc, eq, sql } from 'drizzle-orm';
import { Feed } from 'feed';
import { drafts, rounds, versions } from '../../db/schema';
import type { DbOrTx } from '../../db/client';
import { getReadDb } from '../../db/replica';
import { t, type Locale } from '../../i18n';
import { publicOrigin } from '../config';
import { AppError } from '../errors';
import { formatDateTime } from '../time';

/** The most entries a feed carries. */
export const FEED_LIMIT = 50;

/** What the feed routes answer with. */
export const ATOM_CONTENT_TYPE = 'application/atom+xml; charset=utf-8';

export interface FeedEntry {
  kind: 'opened' | 'feedback';
  slug: string;
  draftTitle: string;
  draftSummary: string | null;
  round: number;
  roundLabel: string;
  opensAt: Date;
  closesAt: Date;
  /** When it happened: the version's published_at, or the round's feedback_published_at. */
  at: Date;
}

export interface DraftsFeed {
  xml: string;
  /** The newest entry's time (null for a site without any published draft). */
  updated: Date | null;
}

/**
 * The newest `limit` entries of every draft, or of draft `slug` only; newest first. A round
 * counts once its version is published; its feedback entry only while the feedback page is
 * published. One query: the rounds with a version, by their newest event, `limit` of them (enough:
 * every entry among the newest `limit` belongs to one of those rounds).
 */
export async function loadFeedEntries(slug: string | null, db: DbOrTx = getReadDb(), limit = FEED_LIMIT): Promise<FeedEntry[]> {
  // greatest() ignores a NULL feedback time.
  const newest = sql`greatest(${versions.publishedAt}, ${rounds.feedbackPublishedAt})`;
  const rows = await db
    .select({
      slug: drafts.slug,
      draftTitle: drafts.title,
      draftSummary: drafts.summary,
      round: rounds.number,
      roundLabel: rounds.label,
      opensAt: rounds.opensAt,
      closesAt: rounds.closesAt,
      openedAt: versions.publishedAt,
      feedbackAt: rounds.feedbackPublishedAt,
    })
    .from(rounds)
    .innerJoin(drafts, eq(drafts.id, rounds.draftId))
    .innerJoin(versions, eq(versions.roundId, rounds.id))
    .where(slug === null ? undefined : eq(drafts.slug, slug))
    .orderBy(desc(newest), asc(drafts.slug), desc(rounds.number))
    .limit(limit);
  const entries: FeedEntry[] = rows.flatMap(({ openedAt, feedbackAt, ...r }) => [
    { ...r, kind: 'opened' as const, at: openedAt },
    ...(feedbackAt ? [{ ...r, kind: 'feedback' as const, at: feedbackAt }] : []),
  ]);
  // Newest first; at the same instant, a stable order (draft, then the later round, feedback first).
  entries.sort((a, b) => b.at.getTime() - a.at.getTime() || a.slug.localeCompare(b.slug) || b.round - a.round || (a.kind === 'feedback' ? -1 : 1));
  return entries.slice(0, limit);
}

/** Text for an Atom element of type="html" (the feed package sends titles and summaries as HTML). */
function html(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The tag: URI authority (RFC 4151): the public origin's host name, with a year it was ours. */
function tagPrefix(origin: string): string {
  return `tag:${new URL(origin).hostname},2026:`;
}

function entryLink(origin: string, e: FeedEntry): string {
  const path = e.kind === 'opened' ? `/drafts/${e.slug}?round=${e.round}` : `/drafts/${e.slug}/feedback?round=${e.round}`;
  return new URL(path, origin).toString();
}

/**
 * The Atom document for `entries`: the whole site's feed, or draft `draft`'s (its slug and title).
 * `updated` is the newest entry's time, so the document changes only when an entry does.
 */
export function renderAtomFeed(
  entries: FeedEntry[],
  opts: { locale: Locale; origin?: string; draft?: { slug: string; title: string } },
): DraftsFeed {
  const { locale, draft } = opts;
  const origin = opts.origin ?? publicOrigin();
  const tag = tagPrefix(origin);
  const abs = (path: string) => new URL(path, origin).toString();
  const updated = entries[0]?.at ?? null;
  const feed = new Feed({
    id: draft ? `${tag}drafts/${draft.slug}/feed` : `${tag}feed`,
    title: draft ? t(locale, 'feed.draftTitle', { draft: draft.title }) : t(locale, 'feed.siteTitle'),
    description: draft ? t(locale, 'feed.draftSubtitle', { draft: draft.title }) : t(locale, 'feed.siteSubtitle'),
    link: abs(draft ? `/drafts/${draft.slug}` : '/'),
    feed: abs(draft ? `/drafts/${draft.slug}/feed.atom` : '/feed.atom'),
    // An empty feed has nothing newer than the epoch; a stable value keeps the document stable.
    updated: updated ?? new Date(0),
    author: { name: t(locale, 'site.fullName'), link: abs('/') },
    favicon: abs('/favicon.svg'),
    generator: false,
  });
  for (const e of entries) {
    const names = { draft: e.draftTitle, round: e.roundLabel };
    const period = { opens: formatDateTime(e.opensAt, locale), closes: formatDateTime(e.closesAt, locale) };
    const summary = e.kind === 'opened'
      ? [t(locale, 'draft.period', period), ...(e.draftSummary ? [e.draftSummary] : [])]
      : [t(locale, 'feed.entry.feedbackSummary', names)];
    feed.addItem({
      id: `${tag}drafts/${e.slug}/rounds/${e.round}/${e.kind}`,
      title: html(t(locale, e.kind === 'opened' ? 'feed.entry.opened' : 'feed.entry.feedback', names)),
      link: entryLink(origin, e),
      date: e.at,
      published: e.at,
      description: summary.map((p) => `<p>${html(p)}</p>`).join(''),
    });
  }
  const lang = locale === 'en' ? 'en' : 'zh-CN';
  const xml = feed.atom1().replace('<feed xmlns="http://www.w3.org/2005/Atom">', `<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="${lang}">`);
  return { xml, updated };
}

/**
 * The feed of every published draft, or of draft `slug`. Throws DraftNotFound when `slug` names
 * no draft or one without a published round (its page does not exist either).
 */
export async function buildDraftsFeed(
  slug: string | null,
  locale: Locale,
  db: DbOrTx = getReadDb(),
  origin: string = publicOrigin(),
): Promise<DraftsFeed> {
  const entries = await loadFeedEntries(slug, db);
  if (slug === null) return renderAtomFeed(entries, { locale, origin });
  if (!entries.length) throw new AppError('DraftNotFound');
  return renderAtomFeed(entries, { locale, origin, draft: { slug, title: entries[0].draftTitle } });
}
