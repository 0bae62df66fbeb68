/**
 * The comparison of two rounds of a draft (修改对照表): every article of round M matched to round N
 * by match-articles.ts (identical text, then similarity; renumbered, inserted, removed, split and
 * merged articles keep their identity), with the changed characters of modified articles for the
 * page. Whitespace-only differences count as unchanged. Two queries; versions are immutable, so
 * the comparison is cached per pair of version ids.
 */
import { and, asc, eq, inArray } from 'drizzle-orm';
import { provisions } from '../../db/schema';
import type { DbOrTx } from '../../db/client';
import { getReadDb } from '../../db/replica';
import { AppError } from '../errors';
import { diffChars, mergeShortEqualities, type DiffPart } from './diff-text';
import { matchArticles, toPublicChanges, type PublicArticleChange } from './match-articles';
import { formatArticleLabel } from './chinese-numerals';
import { loadDraftHead, pickRound, type RoundInfo } from './get-draft';
import { toLegalArticle } from './lineage';

export type ChangeKind = PublicArticleChange['change'];

export interface DiffSide {
  number: number;
  /** 第十条 */
  label: string;
  text: string;
}

export interface DiffEntry {
  change: ChangeKind;
  from?: DiffSide;
  to?: DiffSide;
  /** 1 for identical text; the bigram Dice coefficient otherwise (0 for added and removed). */
  similarity: number;
  /** Set when the pair is one part of a split or a merge. */
  via?: 'split' | 'merged';
  /** Modified pairs only: the character diff, deletions from `from`, insertions into `to`. */
  segments?: DiffPart[];
}

export type ChangeTally = Record<ChangeKind, number>;

export interface RoundsDiff {
  draft: { slug: string; title: string };
  /** All published rounds, for choosing another pair. */
  rounds: RoundInfo[];
  from: RoundInfo;
  to: RoundInfo;
  articles: DiffEntry[];
  tally: ChangeTally;
}

const side = (a: { number: number; text: string }): DiffSide => ({ number: a.number, label: formatArticleLabel(a.number), text: a.text });

/**
 * Compares the articles of two versions (pure). Returns one entry per pair in the new version's
 * reading order, removed articles where they stood; a split or a merge gives one modified entry
 * per part, with `via`.
 */
export function compareArticles(from: Array<{ number: number; text: string }>, to: Array<{ number: number; text: string }>): DiffEntry[] {
  const { articles } = toPublicChanges(matchArticles(from.map(toLegalArticle), to.map(toLegalArticle)));
  return articles.map((c) => {
    const entry: DiffEntry = { change: c.change, similarity: c.similarity };
    if (c.from) entry.from = side(c.from);
    if (c.to) entry.to = side(c.to);
    if (c.via) entry.via = c.via;
    if (c.change === 'modified' && c.from && c.to) {
      entry.segments = mergeShortEqualities(diffChars(c.from.text, c.to.text, { ignoreWhitespace: true }));
    }
    return entry;
  });
}

/** How many entries of each kind. */
export function tallyChanges(entries: DiffEntry[]): ChangeTally {
  const tally: ChangeTally = { unchanged: 0, renumbered: 0, modified: 0, added: 0, removed: 0 };
  for (const e of entries) tally[e.change]++;
  return tally;
}

const cache = new Map<string, DiffEntry[]>();
const CACHE_SIZE = 32;

/**
 * Compares round `fromNumber` with round `toNumber` of draft `slug` (defaults: the latest round
 * against the one before it). Throws DraftNotFound, RoundNotFound, or ValidationFailed when the
 * two rounds are the same or there is no earlier round to compare with.
 */
export async function diffRounds(
  slug: string,
  fromNumber?: number,
  toNumber?: number,
  db: DbOrTx = getReadDb(),
  now = new Date(),
): Promise<RoundsDiff> {
  const head = await loadDraftHead(slug, db, now);
  const to = pickRound(head, toNumber);
  let from: RoundInfo;
  if (fromNumber === undefined) {
    const earlier = head.rounds.filter((r) => r.number < to.number).at(-1);
    if (!earlier) throw new AppError('ValidationFailed', {}, [{ field: 'from', key: 'drafts.diff.needTwoRounds' }]);
    from = earlier;
  } else {
    from = pickRound(head, fromNumber);
  }
  if (from.number === to.number) throw new AppError('ValidationFailed', {}, [{ field: 'to', key: 'drafts.diff.sameRound' }]);

  const key = `${from.versionId}:${to.versionId}`;
  let articles = cache.get(key);
  if (!articles) {
    const rows = await db
      .select({ versionId: provisions.versionId, number: provisions.number, text: provisions.text })
      .from(provisions)
      .where(and(inArray(provisions.versionId, [from.versionId, to.versionId]), eq(provisions.kind, 'article')))
      .orderBy(asc(provisions.seq));
    articles = compareArticles(
      rows.filter((r) => r.versionId === from.versionId),
      rows.filter((r) => r.versionId === to.versionId),
    );
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
    cache.set(key, articles);
  }
  const { rounds, title } = head;
  return { draft: { slug: head.slug, title }, rounds, from, to, articles, tally: tallyChanges(articles) };
}
