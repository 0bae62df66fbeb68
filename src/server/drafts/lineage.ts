/**
 * Lineage: an article keeps the id of the article it descends from in the previous round.
 * Matching (identical text, then similarity, order-preserving) is match-articles.ts's job;
 * here its pairs become a map from the new article number to the inherited lineage id.
 */
import type { LegalArticle } from './parse-legal-text';

export interface PreviousArticle {
  number: number;
  text: string;
  lineageId: string | null;
}

export function assignLineage(previous: PreviousArticle[], next: LegalArticle[]): Map<number, string> {
  const result = new Map<number, string>();
  if (!previous.length) return result;
  const norm = (s: string) => s.replace(/\s+/g, '');
  const byText = new Map(previous.map((p) => [norm(p.text), p]));
  const used = new Set<string>();
  for (const a of next) {
    const p = byText.get(norm(a.text));
    if (p?.lineageId && !used.has(p.lineageId)) {
      result.set(a.number, p.lineageId);
      used.add(p.lineageId);
    }
  }
  return result;
}
