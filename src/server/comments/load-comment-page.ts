/** What the standalone comment page shows: the draft, the round and the article being commented on. */
import { and, eq } from 'drizzle-orm';
import { provisions } from '../../db/schema';
import { getDb, type DbOrTx } from '../../db/client';
import { loadDraftHead, type RoundInfo } from '../drafts/get-draft';
import { AppError } from '../errors';
import type { ArticleSnapshot } from './get-receipt-status';

export interface CommentPage {
  draft: { slug: string; title: string };
  round: RoundInfo;
  /** Null for a general comment, or when the article does not exist in this round (see `missingArticle`). */
  article: ArticleSnapshot | null;
  missingArticle: number | null;
}

/**
 * Draft `slug`, round `roundNumber` (default: the open round, else the latest) and article
 * `articleNumber`. Throws DraftNotFound or RoundNotFound; a missing article is reported, not thrown,
 * so the page can say so next to the form.
 */
export async function loadCommentPage(
  slug: string,
  roundNumber: number | undefined,
  articleNumber: number | undefined,
  db: DbOrTx = getDb(),
  now = new Date(),
): Promise<CommentPage> {
  const head = await loadDraftHead(slug, db, now);
  const round =
    roundNumber !== undefined
      ? head.rounds.find((r) => r.number === roundNumber)
      : (head.rounds.find((r) => r.status === 'open') ?? head.rounds.at(-1));
  if (!round) throw new AppError('RoundNotFound');
  let article: ArticleSnapshot | null = null;
  if (articleNumber !== undefined) {
    const [row] = await db
      .select({ number: provisions.number, label: provisions.label, caption: provisions.title, text: provisions.text })
      .from(provisions)
      .where(and(eq(provisions.versionId, round.versionId), eq(provisions.kind, 'article'), eq(provisions.number, articleNumber)));
    if (row) article = { number: row.number, label: row.label ?? '', caption: row.caption, text: row.text };
  }
  return {
    draft: { slug: head.slug, title: head.title },
    round,
    article,
    missingArticle: articleNumber !== undefined && !article ? articleNumber : null,
  };
}
