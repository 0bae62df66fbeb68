/**
 * One round of a draft as the public reads it: the draft, its rounds (for the round switcher),
 * the version's chapters and articles with paragraphs and items, and comment counts per article.
 * Two queries whatever the size of the draft: the draft with its rounds and versions, then every
 * provision of the version joined to one grouped count on comments(round_id, article_number).
 */
import { and, asc, count, eq, inArray, isNotNull, isNull, sql } from 'drizzle-orm';
import { comments, drafts, provisions, rounds, versions } from '../../db/schema';
import type { DbOrTx } from '../../db/client';
import { getReadDb } from '../../db/replica';
import { AppError } from '../errors';
import { roundStatus, type RoundStatus } from './rounds';

export interface RoundInfo {
  id: string;
  number: number;
  label: string;
  opensAt: Date;
  closesAt: Date;
  status: RoundStatus;
  noteMd: string | null;
  /** Why the period ended before its announced close, when it did (shown on the draft page). */
  closedEarlyReason: string | null;
  /** When staff published the round's feedback page (意见采纳情况), null before (reports/feedback.ts). */
  feedbackPublishedAt: Date | null;
  versionId: string;
}

export interface DraftHead {
  id: string;
  slug: string;
  /** The receipt prefix of the draft (e.g. JS). */
  code: string;
  title: string;
  summary: string | null;
  /** Rounds that have a published version, by number. */
  rounds: RoundInfo[];
}

export interface SectionView {
  number: number;
  label: string;
  title: string;
}

export interface ChapterView extends SectionView {
  sections: SectionView[];
}

export interface ArticleView {
  /** The lineage id: the same for matched articles across rounds. */
  id: string;
  number: number;
  label: string;
  caption: string | null;
  chapter: number | null;
  section: number | null;
  text: string;
  paragraphs: Array<{ text: string; items: string[] }>;
  commentCount: number;
}

export interface DraftRound {
  draft: Omit<DraftHead, 'rounds'>;
  rounds: RoundInfo[];
  round: RoundInfo;
  version: { id: string; title: string; preamble: string[]; publishedAt: Date };
  chapters: ChapterView[];
  articles: ArticleView[];
  /** Comments on the draft as a whole (总体意见) in this round. */
  generalCommentCount: number;
}

/** The draft `slug` with its published rounds, or DraftNotFound. One query. */
export async function loadDraftHead(slug: string, db: DbOrTx = getReadDb(), now = new Date()): Promise<DraftHead> {
  const rows = await db
    .select({
      id: drafts.id,
      slug: drafts.slug,
      code: drafts.code,
      title: drafts.title,
      summary: drafts.summary,
      roundId: rounds.id,
      number: rounds.number,
      label: rounds.label,
      opensAt: rounds.opensAt,
      closesAt: rounds.closesAt,
      noteMd: rounds.noteMd,
      closedEarlyReason: rounds.closedEarlyReason,
      feedbackPublishedAt: rounds.feedbackPublishedAt,
      versionId: versions.id,
    })
    .from(drafts)
    .leftJoin(rounds, eq(rounds.draftId, drafts.id))
    .leftJoin(versions, eq(versions.roundId, rounds.id))
    .where(eq(drafts.slug, slug))
    .orderBy(asc(rounds.number));
  if (!rows.length) throw new AppError('DraftNotFound');
  const { id, title, summary } = rows[0];
  const published = rows.filter((r) => r.roundId !== null && r.versionId !== null);
  return {
    id,
    slug: rows[0].slug,
    code: rows[0].code,
    title,
    summary,
    rounds: published.map((r) => ({
      id: r.roundId!,
      number: r.number!,
      label: r.label!,
      opensAt: r.opensAt!,
      closesAt: r.closesAt!,
      status: roundStatus({ opensAt: r.opensAt!, closesAt: r.closesAt! }, now),
      noteMd: r.noteMd,
      closedEarlyReason: r.closedEarlyReason,
      feedbackPublishedAt: r.feedbackPublishedAt,
      versionId: r.versionId!,
    })),
  };
}

/** Round `number` of the draft, or its latest round when `number` is undefined; else RoundNotFound. */
export function pickRound(head: DraftHead, number?: number): RoundInfo {
  const round = number === undefined ? head.rounds.at(-1) : head.rounds.find((r) => r.number === number);
  if (!round) throw new AppError('RoundNotFound');
  return round;
}

/** The immutable part of a round: its version's text, cached per version id (versions never change). */
interface VersionText {
  version: DraftRound['version'];
  chapters: ChapterView[];
  articles: ArticleView[];
}

const textCache = new Map<string, VersionText>();
const TEXT_CACHE_SIZE = 16;

/**
 * Round `roundNumber` (default: the latest) of draft `slug` with its whole text and comment counts.
 * Throws DraftNotFound or RoundNotFound. Two queries: the draft with its rounds, then either every
 * provision of the version joined to the grouped comment counts or, when the version's text is
 * already cached in this process, the grouped comment counts alone.
 */
export async function getDraftRound(slug: string, roundNumber?: number, db: DbOrTx = getReadDb(), now = new Date()): Promise<DraftRound> {
  const head = await loadDraftHead(slug, db, now);
  const round = pickRound(head, roundNumber);
  const counts = db.$with('counts').as(
    db
      .select({ articleNumber: comments.articleNumber, n: count().as('n') })
      .from(comments)
      // Hidden comments (spam, abuse, personal data) are not counted in public, as in the statistics.
      .where(and(eq(comments.roundId, round.id), isNull(comments.hiddenAt)))
      .groupBy(comments.articleNumber),
  );

  let text = textCache.get(round.versionId);
  const perArticle = new Map<number, number>();
  let general = 0;
  if (text) {
    for (const c of await db.with(counts).select().from(counts)) {
      if (c.articleNumber === null) general = Number(c.n);
      else perArticle.set(c.articleNumber, Number(c.n));
    }
  } else {
    const rows = await db
      .with(counts)
      .select({
        id: provisions.id,
        kind: provisions.kind,
        parentId: provisions.parentId,
        number: provisions.number,
        label: provisions.label,
        title: provisions.title,
        text: provisions.text,
        lineageId: provisions.lineageId,
        chapterNumber: provisions.chapterNumber,
        sectionNumber: provisions.sectionNumber,
        commentCount: counts.n,
        generalCount: sql<number | null>`(select n from counts where article_number is null)`,
        versionTitle: versions.title,
        preamble: versions.preamble,
        publishedAt: versions.publishedAt,
      })
      .from(provisions)
      .innerJoin(versions, eq(versions.id, provisions.versionId))
      .leftJoin(counts, and(eq(provisions.kind, 'article'), isNotNull(counts.articleNumber), eq(counts.articleNumber, provisions.number)))
      .where(eq(provisions.versionId, round.versionId))
      .orderBy(asc(provisions.seq));
    text = buildText(round, rows);
    for (const r of rows) if (r.kind === 'article' && r.commentCount) perArticle.set(r.number, Number(r.commentCount));
    general = Number(rows[0]?.generalCount ?? 0);
    if (textCache.size >= TEXT_CACHE_SIZE) textCache.delete(textCache.keys().next().value!);
    textCache.set(round.versionId, text);
  }
  const { rounds: all, ...draft } = head;
  return {
    draft,
    rounds: all,
    round,
    version: text.version,
    chapters: text.chapters,
    articles: text.articles.map((a) => ({ ...a, commentCount: perArticle.get(a.number) ?? 0 })),
    generalCommentCount: general,
  };
}

type Row = {
  id: string;
  kind: 'chapter' | 'section' | 'article' | 'paragraph' | 'item';
  parentId: string | null;
  number: number;
  label: string | null;
  title: string | null;
  text: string;
  lineageId: string | null;
  versionTitle: string;
  preamble: string[];
  publishedAt: Date;
  chapterNumber: number | null;
  sectionNumber: number | null;
};

/** Builds the chapter tree and the articles with their paragraphs and items from rows in reading order. */
function buildText(round: RoundInfo, rows: Row[]): VersionText {
  const chapters: ChapterView[] = [];
  const articles: ArticleView[] = [];
  const paragraphs = new Map<string, { text: string; items: string[] }>();
  const articleById = new Map<string, ArticleView>();
  for (const r of rows) {
    if (r.kind === 'chapter') {
      chapters.push({ number: r.number, label: r.label ?? '', title: r.title ?? '', sections: [] });
    } else if (r.kind === 'section') {
      chapters.at(-1)?.sections.push({ number: r.number, label: r.label ?? '', title: r.title ?? '' });
    } else if (r.kind === 'article') {
      const a: ArticleView = {
        id: r.lineageId ?? r.id,
        number: r.number,
        label: r.label ?? '',
        caption: r.title,
        chapter: r.chapterNumber,
        section: r.sectionNumber,
        text: r.text,
        paragraphs: [],
        commentCount: 0,
      };
      articles.push(a);
      articleById.set(r.id, a);
    } else if (r.kind === 'paragraph') {
      const p = { text: r.text, items: [] as string[] };
      articleById.get(r.parentId ?? '')?.paragraphs.push(p);
      paragraphs.set(r.id, p);
    } else {
      paragraphs.get(r.parentId ?? '')?.items.push(r.text);
    }
  }
  const first = rows[0];
  return {
    version: { id: round.versionId, title: first?.versionTitle ?? '', preamble: first?.preamble ?? [], publishedAt: first?.publishedAt ?? round.opensAt },
    chapters,
    articles,
  };
}

export interface LineageStop {
  round: RoundInfo;
  /** The article in that round, or null when no article of that round descends from it. */
  article: { number: number; label: string } | null;
}

/**
 * Where the article with lineage id `lineageId` stands in each published round of the draft
 * (renumbered, or absent when added later or removed). One query.
 */
export async function findArticleLineage(head: { rounds: RoundInfo[] }, lineageId: string, db: DbOrTx = getReadDb()): Promise<LineageStop[]> {
  const versionIds = head.rounds.map((r) => r.versionId);
  if (!versionIds.length) return [];
  const rows = await db
    .select({ versionId: provisions.versionId, number: provisions.number, label: provisions.label })
    .from(provisions)
    .where(and(eq(provisions.lineageId, lineageId), eq(provisions.kind, 'article'), inArray(provisions.versionId, versionIds)));
  return head.rounds.map((round) => {
    const row = rows.find((r) => r.versionId === round.versionId);
    return { round, article: row ? { number: row.number, label: row.label ?? '' } : null };
  });
}
