/**
 * Matches the articles of two versions of a draft, so a report can show what became of the article
 * a comment was about: unchanged, renumbered, modified, added, removed, split or merged.
 */
import type { LegalArticle } from './parse-legal-text';

export type ArticleChange = 'unchanged' | 'modified' | 'renumbered' | 'added' | 'removed' | 'split' | 'merged';

export interface ArticleMatch {
  change: ArticleChange;
  /** Old articles: none for added, two or more for merged. */
  from: LegalArticle[];
  /** New articles: none for removed, two or more for split. */
  to: LegalArticle[];
  /** 1 for identical normalised text, else the bigram Dice coefficient (0 for added/removed). */
  similarity: number;
  /** The pair breaks the reading order (an article moved across others). */
  moved: boolean;
}

export interface MatchOptions {
  /** Least similarity for an in-order pair to count as the same article (default 0.5). */
  threshold?: number;
  /** Least similarity for a pair that breaks the order (a moved article; default 0.6). */
  movedThreshold?: number;
}

/** One entry of the public API: split and merged parts appear as modified pairs with `via`. */
export interface PublicArticleChange {
  change: 'unchanged' | 'modified' | 'renumbered' | 'added' | 'removed';
  from?: { number: number; text: string };
  to?: { number: number; text: string };
  similarity: number;
  via?: 'split' | 'merged';
}

/**
 * The text compared: whitespace (incl. U+3000 and zero-width) removed, full-width ASCII forms folded to
 * half-width (，→, （→( ：→:), and quote and angle-bracket variants unified.
 */
export function normalizeArticleText(s: string): string {
  return s
    .replace(/[\s\u3000\u200B\u200C\u200D\u2060\uFEFF]/gu, '')
    .replace(/[\uFF01-\uFF5E]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/[“”„‟]/g, '"')
    .replace(/[‘’‛]/g, "'")
    .replace(/〈/g, '<')
    .replace(/〉/g, '>');
}

type Bigrams = Map<string, number>;

/** Share of one text's bigrams found in the other above which an in-order pair matches despite a low Dice. */
const CONTAINED = 0.75;
/** Gaps with more candidate pairs than this are aligned within a band of GAP_BAND articles. */
const MAX_FULL_GAP = 250_000;
const GAP_BAND = 100;
/** Below this many bigrams containment says nothing (short boilerplate fits inside anything). */
const MIN_CONTAINED_BIGRAMS = 8;

function bigrams(s: string): Bigrams {
  const chars = Array.from(s);
  const out: Bigrams = new Map();
  for (let i = 0; i + 1 < chars.length; i++) {
    const g = chars[i] + chars[i + 1];
    out.set(g, (out.get(g) ?? 0) + 1);
  }
  return out;
}

function size(b: Bigrams): number {
  let n = 0;
  for (const c of b.values()) n += c;
  return n;
}

function dice(a: Bigrams, b: Bigrams, sizeA = size(a), sizeB = size(b)): number {
  const total = sizeA + sizeB;
  if (total === 0) return 0;
  let common = 0;
  for (const [g, c] of a) common += Math.min(c, b.get(g) ?? 0);
  return (2 * common) / total;
}

/** Similarity of two texts in 0..1: Dice coefficient of the character bigrams of their normalised forms. */
export function textSimilarity(a: string, b: string): number {
  const na = normalizeArticleText(a);
  const nb = normalizeArticleText(b);
  if (na === nb) return 1;
  return dice(bigrams(na), bigrams(nb));
}

interface Side {
  articles: LegalArticle[];
  norm: string[];
  grams: Bigrams[];
  sizes: number[];
  /** Index of the pair on the other side, or -1. */
  pair: number[];
  moved: boolean[];
}

function side(articles: LegalArticle[]): Side {
  const norm = articles.map((a) => normalizeArticleText(a.text));
  const grams = norm.map(bigrams);
  return { articles, norm, grams, sizes: grams.map(size), pair: articles.map(() => -1), moved: articles.map(() => false) };
}

function link(a: Side, i: number, b: Side, j: number, moved: boolean): void {
  a.pair[i] = j;
  b.pair[j] = i;
  a.moved[i] = moved;
  b.moved[j] = moved;
}

/**
 * Aligns the unmatched articles of from[i0..i1) and to[j0..j1) in order, maximising the summed score of
 * the pairs (a weighted longest common subsequence); `score` returns -1 for pairs that may not match.
 */
function align(a: Side, b: Side, i0: number, i1: number, j0: number, j1: number, score: (i: number, j: number) => number): void {
  const is = range(i0, i1).filter((i) => a.pair[i] < 0);
  const js = range(j0, j1).filter((j) => b.pair[j] < 0);
  if (is.length === 0 || js.length === 0) return;
  const w = js.length + 1;
  const best = new Float64Array((is.length + 1) * w);
  // Large gaps (whole rewritten laws) only compare articles within a band around the diagonal.
  const band = is.length * js.length > MAX_FULL_GAP ? GAP_BAND : Infinity;
  const ratio = js.length / is.length;
  const s = is.map((i, x) => js.map((j, y) => (Math.abs(y - x * ratio) <= band ? score(i, j) : -1)));
  for (let x = 1; x <= is.length; x++) {
    for (let y = 1; y <= js.length; y++) {
      const diag = s[x - 1][y - 1] >= 0 ? best[(x - 1) * w + y - 1] + s[x - 1][y - 1] : -1;
      best[x * w + y] = Math.max(best[(x - 1) * w + y], best[x * w + y - 1], diag);
    }
  }
  for (let x = is.length, y = js.length; x > 0 && y > 0; ) {
    const here = best[x * w + y];
    if (here === best[(x - 1) * w + y]) x--;
    else if (here === best[x * w + y - 1]) y--;
    else {
      link(a, is[x - 1], b, js[y - 1], false);
      x--;
      y--;
    }
  }
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from) }, (_, k) => from + k);
}

/** Calls `fn` for each gap between consecutive in-order pairs (and before the first and after the last). */
function forEachGap(a: Side, b: Side, fn: (i0: number, i1: number, j0: number, j1: number) => void): void {
  let i0 = 0;
  let j0 = 0;
  a.pair.forEach((j, i) => {
    if (j < 0 || a.moved[i]) return;
    fn(i0, i, j0, j);
    i0 = i + 1;
    j0 = j + 1;
  });
  fn(i0, a.articles.length, j0, b.articles.length);
}

/**
 * Matches old articles to new ones. Rule: identical normalised text first (an in-order alignment, then
 * identical articles that moved), then similar text aligned in order between those anchors (bigram Dice
 * ≥ threshold, or ≥ 75% of one text's bigrams found in the other: an article extended or cut down), then
 * similar articles that moved (Dice ≥ movedThreshold); an unmatched article that, joined
 * with its neighbour, fits that neighbour's counterpart better is part of a split or merge. Returns the
 * matches in the reading order of the new version, each removed article placed after the match of the
 * old article before it.
 */
export function matchArticles(from: LegalArticle[], to: LegalArticle[], options: MatchOptions = {}): ArticleMatch[] {
  const threshold = options.threshold ?? 0.5;
  const movedThreshold = options.movedThreshold ?? 0.6;
  const a = side(from);
  const b = side(to);
  const sim = (i: number, j: number): number =>
    a.norm[i] === b.norm[j] ? 1 : dice(a.grams[i], b.grams[j], a.sizes[i], b.sizes[j]);

  align(a, b, 0, from.length, 0, to.length, (i, j) => (a.norm[i] === b.norm[j] ? 1 : -1));
  pairLeftovers(a, b, (i, j) => (a.norm[i] === b.norm[j] ? 1 : -1));
  const inOrder = (i: number, j: number): number => {
    const s = sim(i, j);
    if (s >= threshold) return s;
    // An article extended by a new paragraph (or cut down) keeps most of its text inside the other one.
    const c = Math.max(containment(a.grams[i], b.grams[j]), containment(b.grams[j], a.grams[i]));
    return c >= CONTAINED && Math.min(a.sizes[i], b.sizes[j]) >= MIN_CONTAINED_BIGRAMS ? c * 0.7 : -1;
  };
  forEachGap(a, b, (i0, i1, j0, j1) => align(a, b, i0, i1, j0, j1, inOrder));
  pairLeftovers(a, b, (i, j) => (sim(i, j) >= movedThreshold ? sim(i, j) : -1));

  const groups = findSplitsAndMerges(a, b, threshold);
  return order(a, b, groups, sim);
}

/** Pairs still-unmatched articles greedily, best score first, marking them as moved. */
function pairLeftovers(a: Side, b: Side, score: (i: number, j: number) => number): void {
  const candidates: Array<[number, number, number]> = [];
  a.pair.forEach((p, i) => {
    if (p >= 0) return;
    b.pair.forEach((q, j) => {
      if (q >= 0) return;
      const s = score(i, j);
      if (s >= 0) candidates.push([s, i, j]);
    });
  });
  candidates.sort((x, y) => y[0] - x[0] || Math.abs(x[1] - x[2]) - Math.abs(y[1] - y[2]));
  for (const [, i, j] of candidates) if (a.pair[i] < 0 && b.pair[j] < 0) link(a, i, b, j, true);
}

interface Group {
  change: 'split' | 'merged';
  from: number[];
  to: number[];
  similarity: number;
}

/**
 * An unmatched new article next to a modified pair is a split part when the old article matches the two
 * new ones joined better than the one alone (and mostly contains the unmatched one); merges mirror this.
 */
function findSplitsAndMerges(a: Side, b: Side, threshold: number): Group[] {
  const groups: Group[] = [];
  const grouped = (s: Side, k: number): boolean => groups.some((g) => (s === a ? g.from : g.to).includes(k));
  const tryJoin = (one: Side, many: Side, k: number, change: Group['change']): void => {
    for (const n of [k - 1, k + 1]) {
      const partner = many.pair[n];
      if (n < 0 || n >= many.articles.length || partner < 0 || grouped(many, n) || grouped(one, partner)) continue;
      if (one.norm[partner] === many.norm[n]) continue;
      const parts = n < k ? [n, k] : [k, n];
      const joined = bigrams(parts.map((p) => many.norm[p]).join(''));
      const alone = dice(one.grams[partner], many.grams[n]);
      const together = dice(one.grams[partner], joined);
      if (together >= threshold && together > alone + 0.05 && containment(many.grams[k], one.grams[partner]) >= 0.7) {
        const g: Group = { change, from: [], to: [], similarity: together };
        if (change === 'split') {
          g.from = [partner];
          g.to = parts;
        } else {
          g.from = parts;
          g.to = [partner];
        }
        groups.push(g);
        many.pair[k] = partner;
        return;
      }
    }
  };
  b.pair.forEach((p, j) => {
    if (p < 0) tryJoin(a, b, j, 'split');
  });
  a.pair.forEach((p, i) => {
    if (p < 0) tryJoin(b, a, i, 'merged');
  });
  return groups;
}

/** Share of the bigrams of `part` found in `whole`. */
function containment(part: Bigrams, whole: Bigrams): number {
  const total = size(part);
  if (total === 0) return 0;
  let found = 0;
  for (const [g, c] of part) found += Math.min(c, whole.get(g) ?? 0);
  return found / total;
}

/** Builds the matches in the new version's order, removed articles after their old predecessor's match. */
function order(a: Side, b: Side, groups: Group[], sim: (i: number, j: number) => number): ArticleMatch[] {
  const entries: Array<{ match: ArticleMatch; fromIndex: number[]; toIndex: number }> = [];
  const inGroup = new Set<string>();
  for (const g of groups) {
    entries.push({
      match: {
        change: g.change,
        from: g.from.map((i) => a.articles[i]),
        to: g.to.map((j) => b.articles[j]),
        similarity: g.similarity,
        moved: false,
      },
      fromIndex: g.from,
      toIndex: g.to[0],
    });
    g.from.forEach((i) => inGroup.add(`a${i}`));
    g.to.forEach((j) => inGroup.add(`b${j}`));
  }
  b.articles.forEach((t, j) => {
    if (inGroup.has(`b${j}`)) return;
    const i = b.pair[j];
    if (i < 0) {
      entries.push({ match: { change: 'added', from: [], to: [t], similarity: 0, moved: false }, fromIndex: [], toIndex: j });
      return;
    }
    const f = a.articles[i];
    const identical = a.norm[i] === b.norm[j];
    const change: ArticleChange = !identical ? 'modified' : f.number === t.number ? 'unchanged' : 'renumbered';
    entries.push({ match: { change, from: [f], to: [t], similarity: sim(i, j), moved: b.moved[j] }, fromIndex: [i], toIndex: j });
  });
  entries.sort((x, y) => x.toIndex - y.toIndex);

  const out: ArticleMatch[] = [];
  const removedAfter = new Map<number, ArticleMatch[]>();
  const anchorOf = (i: number): number => {
    for (let k = i - 1; k >= 0; k--) {
      if (inGroup.has(`a${k}`) || (a.pair[k] >= 0 && !a.moved[k])) return k;
    }
    return -1;
  };
  a.articles.forEach((f, i) => {
    if (a.pair[i] >= 0 || inGroup.has(`a${i}`)) return;
    const k = anchorOf(i);
    const list = removedAfter.get(k) ?? [];
    list.push({ change: 'removed', from: [f], to: [], similarity: 0, moved: false });
    removedAfter.set(k, list);
  });
  out.push(...(removedAfter.get(-1) ?? []));
  for (const e of entries) {
    out.push(e.match);
    for (const i of e.fromIndex) out.push(...(removedAfter.get(i) ?? []));
  }
  return out;
}

/**
 * The public shape of a comparison: one entry per pair; a split gives one modified entry per new part,
 * a merge one per old part, each with `via`.
 */
export function toPublicChanges(matches: ArticleMatch[]): { articles: PublicArticleChange[] } {
  const brief = (x: LegalArticle): { number: number; text: string } => ({ number: x.number, text: x.text });
  const articles = matches.flatMap((m): PublicArticleChange[] => {
    if (m.change === 'split') {
      const from = brief(m.from[0]);
      return m.to.map((t) => ({ change: 'modified', from, to: brief(t), similarity: m.similarity, via: 'split' }));
    }
    if (m.change === 'merged') {
      const to = brief(m.to[0]);
      return m.from.map((f) => ({ change: 'modified', from: brief(f), to, similarity: m.similarity, via: 'merged' }));
    }
    return [
      {
        change: m.change,
        ...(m.from[0] ? { from: brief(m.from[0]) } : {}),
        ...(m.to[0] ? { to: brief(m.to[0]) } : {}),
        similarity: m.similarity,
      },
    ];
  });
  return { articles };
}
