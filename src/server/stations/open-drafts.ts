/**
 * The drafts a kiosk, a station's QR page or a deputy can comment on now: every draft whose
 * current round is open, with its articles (number, label, caption, paragraphs).
 */
import { getDb, type DbOrTx } from '../../db/client';
import { listDrafts } from '../drafts/list-drafts';
import { getDraftRound } from '../drafts/get-draft';

export interface OpenArticle {
  number: number;
  label: string;
  caption: string | null;
  /** The first characters of the article, to recognise it in a list. */
  excerpt: string;
  paragraphs: Array<{ text: string; items: string[] }>;
}

export interface OpenDraft {
  slug: string;
  title: string;
  round: number;
  roundLabel: string;
  closesAt: Date;
  articles: OpenArticle[];
}

const EXCERPT = 36;

/** Open drafts with their articles, in the order of the home page. */
export async function listOpenDrafts(db: DbOrTx = getDb(), now = new Date()): Promise<OpenDraft[]> {
  const open = (await listDrafts(db, now)).filter((d) => d.current.status === 'open');
  return Promise.all(
    open.map(async (d) => {
      const r = await getDraftRound(d.slug, d.current.number, db, now);
      return {
        slug: d.slug,
        title: d.title,
        round: d.current.number,
        roundLabel: d.current.label,
        closesAt: d.current.closesAt,
        articles: r.articles.map((a) => {
          const flat = a.text.replace(/\s+/g, '');
          return {
            number: a.number,
            label: a.label,
            caption: a.caption,
            excerpt: flat.length > EXCERPT ? `${flat.slice(0, EXCERPT)}…` : flat,
            paragraphs: a.paragraphs,
          };
        }),
      };
    }),
  );
}
