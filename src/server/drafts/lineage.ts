/**
 * Lineage: an article keeps the id of the article it descends from in the previous round, so a
 * comment on 第十条 of the 一审稿 can be followed to the same article in the 二审稿 even when it
 * is renumbered. Matching (identical text, then similarity, order-preserving, splits and merges)
 * is match-articles.ts's job; here its matches become a map from new article number to lineage id.
 */
import { matchArticles } from './match-articles';
import type { LegalArticle } from './parse-legal-text';
import { formatArticleLabel } from './chinese-numerals';

export interface PreviousArticle {
  number: number;
  text: string;
  lineageId: string | null;
}

/** A stored article as the matcher wants it; paragraphs are its lines (the matcher reads `text`). */
export function toLegalArticle(a: { number: number; text: string }): LegalArticle {
  return {
    number: a.number,
    label: formatArticleLabel(a.number),
    paragraphs: a.text.split('\n').map((text) => ({ text, items: [] })),
    text: a.text,
    line: 0,
  };
}

/**
 * Rule: an article matched to one of the previous round (unchanged, renumbered, modified, moved)
 * inherits its lineage id; of a split, the first new piece inherits and the others are new; a
 * merge inherits the lineage of its first source. Added articles get none here (the caller gives
 * them a fresh id). Returns new article number → lineage id.
 */
export function assignLineage(previous: PreviousArticle[], next: LegalArticle[]): Map<number, string> {
  const result = new Map<number, string>();
  if (!previous.length || !next.length) return result;
  const lineageOf = new Map(previous.map((p) => [p.number, p.lineageId]));
  const matches = matchArticles(previous.map(toLegalArticle), next);
  for (const m of matches) {
    const source = m.from[0];
    const target = m.to[0];
    if (!source || !target) continue;
    const id = lineageOf.get(source.number);
    if (id) result.set(target.number, id);
  }
  return result;
}
