/**
 * Where a comment goes: the draft (by slug), the round whose period is open (or the one named)
 * and the article (by number) in that round's version. The draft with its rounds is cached for a
 * few seconds per process and each version's article numbers for as long as the process lives
 * (versions are immutable); the INSERT re-checks the period and the article against the
 * database, so a stale cache can never let a comment in (submit-comment.ts).
 */
import { and, eq } from 'drizzle-orm';
import { provisions } from '../../db/schema';
import { loadDraftHead, type DraftHead, type RoundInfo } from '../drafts/get-draft';
import { getDb, type DbOrTx } from '../../db/client';
import { AppError } from '../errors';
import { roundStatus } from '../drafts/rounds';
import { formatDateTime } from '../time';

/** The draft and its published rounds, as the public pages read them (drafts/get-draft.ts). */
export type TargetRound = RoundInfo;
export type TargetDraft = DraftHead;

export interface CommentTarget {
  draft: TargetDraft;
  round: TargetRound;
  /** The article provision's id and number; null for a general comment. */
  article: { id: string; number: number } | null;
}

const HEAD_TTL_MS = 5000;
const headCache = new Map<string, { at: number; head: TargetDraft }>();
const articleCache = new Map<string, Map<number, string>>();

/** Forgets cached drafts (after a refused INSERT, and in tests). */
export function clearTargetCache(): void {
  headCache.clear();
  articleCache.clear();
}

async function loadHead(slug: string, db: DbOrTx, fresh: boolean): Promise<TargetDraft> {
  const cached = headCache.get(slug);
  if (!fresh && cached && Date.now() - cached.at < HEAD_TTL_MS) return cached.head;
  const head = await loadDraftHead(slug, db);
  if (headCache.size > 1000) headCache.clear();
  headCache.set(slug, { at: Date.now(), head });
  return head;
}

async function articleIds(versionId: string, db: DbOrTx): Promise<Map<number, string>> {
  let map = articleCache.get(versionId);
  if (map) return map;
  const rows = await db
    .select({ id: provisions.id, number: provisions.number })
    .from(provisions)
    .where(and(eq(provisions.versionId, versionId), eq(provisions.kind, 'article')));
  map = new Map(rows.map((r) => [r.number, r.id]));
  if (articleCache.size > 200) articleCache.clear();
  articleCache.set(versionId, map);
  return map;
}

/**
 * The round a comment goes to: round `number` when given, else the open round. Throws
 * RoundNotFound, ConsultationNotOpen (with when it opens) or ConsultationClosed (with when it closed).
 */
export function pickOpenRound(draft: TargetDraft, number: number | undefined, now: Date): TargetRound {
  const candidates = number === undefined ? draft.rounds : draft.rounds.filter((r) => r.number === number);
  if (!candidates.length) throw new AppError('RoundNotFound');
  // The latest open round, as the draft page shows it (publishing a round ends the one before).
  const open = candidates.filter((r) => roundStatus(r, now) === 'open').at(-1);
  if (open) return open;
  const upcoming = candidates.filter((r) => roundStatus(r, now) === 'upcoming');
  // Nothing open: the next scheduled round says when commenting opens; otherwise it has closed.
  if (upcoming.length) {
    throw new AppError('ConsultationNotOpen', { opensAt: formatDateTime(upcoming[0].opensAt) });
  }
  const closed = candidates.filter((r) => roundStatus(r, now) === 'closed').at(-1) ?? candidates.at(-1)!;
  throw new AppError('ConsultationClosed', { closedAt: formatDateTime(closed.closesAt) });
}

/**
 * Resolves draft `slug`, the open round (or round `roundNumber`) and article `articleNumber`.
 * Throws DraftNotFound, RoundNotFound, ConsultationNotOpen, ConsultationClosed or ArticleNotFound.
 */
export async function resolveCommentTarget(
  slug: string,
  roundNumber: number | undefined,
  articleNumber: number | undefined,
  now: Date,
  db: DbOrTx = getDb(),
  fresh = false,
): Promise<CommentTarget> {
  const draft = await loadHead(slug, db, fresh);
  const round = pickOpenRound(draft, roundNumber, now);
  if (articleNumber === undefined) return { draft, round, article: null };
  const id = (await articleIds(round.versionId, db)).get(articleNumber);
  if (!id) throw new AppError('ArticleNotFound', { number: articleNumber });
  return { draft, round, article: { id, number: articleNumber } };
}
