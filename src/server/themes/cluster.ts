/**
 * Clustering comments by what they argue, without a fixed number of clusters (decision 028 and its
 * addendum): TF-IDF vectors of each comment's weighted terms (segment.ts), then
 * 1. a leader pass: each comment joins the nearest cluster whose centroid is at cosine ≥ `threshold`,
 *    or starts one (candidates found through an inverted index of the centroids' terms);
 * 2. an agglomerative pass on the leaders' centroids: the most similar pair (cosine ≥
 *    `mergeThreshold`) becomes one, again and again, so that the pieces one argument was cut into by
 *    the leader pass's order come together, and two arguments, whose centroids stay apart, do not;
 * 3. reassignment, twice: each comment moves to its nearest centroid (≥ `threshold`), which undoes
 *    what is left of the order's effect; a comment near none stays alone.
 * A document is one representative (a campaign group once, however many copies): `weight` counts
 * its comments but does not weigh on the centroid, so a campaign never swamps its theme.
 * Pure code, no database; async only to hand the event loop back every SLICE_MS (yield.ts).
 */
import { Centroid, mergeCentroids, nearest, type Vec } from './centroids';
import { timeSlicer, type Slice } from './yield';

export interface ThemeDoc {
  /** Term → count (segment.ts weightedTermsOf). */
  terms: ReadonlyMap<string, number>;
  /** How many comments this document stands for (a campaign group's size; 1 otherwise). */
  weight: number;
}

export interface Vocabulary {
  /** Terms found in at least two documents, with their idf. */
  idf: Map<string, number>;
  /** The idf a term of one document would have (kept for the record; such terms are left out). */
  defaultIdf: number;
}

export interface Cluster {
  /** Indices into the documents, nearest the centroid first. */
  members: number[];
  /** Cosine of each member (same order) to the centroid. */
  similarity: number[];
  /** The centroid's heaviest terms, normalised: for labels and for assigning later comments. */
  centroid: Map<string, number>;
  keyPhrases: string[];
}

export interface ClusterOptions {
  threshold?: number;
  mergeThreshold?: number;
  /** Called now and then with 0..1; may throw to stop (the job's lease lost). */
  onProgress?: (fraction: number) => void | Promise<void>;
  /** How to hand the event loop back (default: every SLICE_MS). */
  slice?: Slice;
}

/** A comment joins a theme at this cosine to its centroid (chosen on tests/fixtures/themes, decision 028 addendum). */
export const THRESHOLD = 0.3;
/** Two clusters' centroids this near are one argument. */
export const MERGE_THRESHOLD = 0.6;
/**
 * Rarer terms than this share of an article's documents weigh no more than a term of exactly this
 * share: a word one comment in a thousand uses is a detail, not what sets its argument apart, and
 * with an uncapped idf a single such word outweighs the three words the comment shares with its
 * argument (decision 028, addendum).
 */
export const IDF_FLOOR_SHARE = 0.02;
/**
 * A cluster whose comments are on average at a cosine below this with one another is held together
 * by one shared word, not an argument (a centroid dominated by that word draws every comment that
 * uses it): its comments stay alone. The fixture's themes, the three-comment ones too, all stay at
 * 0.35 and lose one at 0.36; 0.3 keeps a margin (decision 028, addendum).
 */
export const COHESION = 0.3;
/** Terms kept of a stored centroid. */
export const CENTROID_TERMS = 40;


/**
 * Inverse document frequencies of a set of documents (smoothed: log((n + 1) / (df + 1)) + 1, capped
 * at the idf of a term in IDF_FLOOR_SHARE of the documents), for the terms of two or more documents
 * only: a term no other comment uses cannot bring two comments together, and left in it would only
 * lengthen the vector and lower every similarity.
 */
export function buildVocabulary(docs: ReadonlyMap<string, number>[]): Vocabulary {
  const df = new Map<string, number>();
  for (const terms of docs) for (const t of terms.keys()) df.set(t, (df.get(t) ?? 0) + 1);
  const n = docs.length;
  const cap = Math.log((n + 1) / (Math.max(2, IDF_FLOOR_SHARE * n) + 1)) + 1;
  const idf = new Map<string, number>();
  for (const [t, d] of df) if (d >= 2) idf.set(t, Math.min(cap, Math.log((n + 1) / (d + 1)) + 1));
  return { idf, defaultIdf: Math.log((n + 1) / 2) + 1 };
}

/** A document's TF-IDF vector (sublinear tf; a part-word's fraction as it is) over the vocabulary's terms, normalised to length 1. */
export function vectorOf(terms: ReadonlyMap<string, number>, vocab: Vocabulary): Map<string, number> {
  const v = new Map<string, number>();
  let norm = 0;
  for (const [t, n] of terms) {
    const idf = vocab.idf.get(t);
    if (idf === undefined) continue;
    const w = (n > 1 ? 1 + Math.log(n) : n) * idf;
    v.set(t, w);
    norm += w * w;
  }
  norm = Math.sqrt(norm);
  if (norm > 0) for (const [t, w] of v) v.set(t, w / norm);
  return v;
}

/** Cosine of a normalised vector with a normalised (possibly truncated) centroid. */
export function cosine(a: Map<string, number>, b: Map<string, number>): number {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let s = 0;
  for (const [t, w] of small) s += w * (large.get(t) ?? 0);
  return s;
}

/** Clusters documents (see the module comment). Documents with no terms each stay alone. */
export async function clusterDocs(docs: ThemeDoc[], vocab: Vocabulary, opts: ClusterOptions = {}): Promise<Cluster[]> {
  const threshold = opts.threshold ?? THRESHOLD;
  const mergeThreshold = opts.mergeThreshold ?? MERGE_THRESHOLD;
  const slice = opts.slice ?? timeSlicer();
  const termId = new Map<string, number>();
  const terms: string[] = [];
  const vecs: Vec[] = [];
  for (const d of docs) {
    const m = vectorOf(d.terms, vocab);
    const ids = new Int32Array(m.size);
    const w = new Float64Array(m.size);
    let i = 0;
    for (const [t, x] of m) {
      let id = termId.get(t);
      if (id === undefined) {
        id = terms.length;
        termId.set(t, id);
        terms.push(t);
      }
      ids[i] = id;
      w[i++] = x;
    }
    vecs.push({ ids, w });
    await slice();
  }
  // Progress: the leader pass and the first reassignment, a document each.
  const total = docs.length * 2;
  let step = 0;
  const progress = async () => {
    if (++step % 500 === 0) await opts.onProgress?.(step / total);
    await slice();
  };
  // 1. Leader pass, the texts with most terms first (they hold the most of an argument), then in order.
  const order = docs.map((_, i) => i).sort((a, b) => vecs[b].ids.length - vecs[a].ids.length || a - b);
  let cents: (Centroid | null)[] = [];
  let postings = new Map<number, number[]>();
  const index = (c: number, ids: Iterable<number>) => {
    for (const id of ids) {
      const list = postings.get(id);
      if (list) list.push(c);
      else postings.set(id, [c]);
    }
  };
  let seen = new Int32Array(docs.length + 1);
  let stamp = 0;
  for (const d of order) {
    const v = vecs[d];
    if (v.ids.length === 0) continue;
    const { best, sim } = nearest(v, cents, postings, seen, ++stamp);
    const c = best >= 0 && sim >= threshold ? best : cents.push(new Centroid()) - 1;
    index(c, cents[c]!.add(v));
    cents[c]!.size++;
    await progress();
  }
  // 2. Agglomerative pass on the leaders' centroids, the most similar pair first.
  cents = await mergeCentroids(cents as Centroid[], postings, mergeThreshold, slice);
  // 3. Reassignment to the nearest final centroid, twice (the second against the centroids the first made).
  let assigned = new Int32Array(docs.length).fill(-1);
  for (let pass = 0; pass < 2; pass++) {
    postings = new Map();
    cents.forEach((c, i) => c && index(i, c.keys()));
    seen = new Int32Array(cents.length + 1);
    assigned = new Int32Array(docs.length).fill(-1);
    for (let d = 0; d < docs.length; d++) {
      const v = vecs[d];
      if (v.ids.length) {
        const { best, sim } = nearest(v, cents, postings, seen, ++stamp);
        if (best >= 0 && sim >= threshold) assigned[d] = best;
      }
      if (pass === 0) await progress();
      else await slice();
    }
    if (pass === 0) {
      const next = cents.map(() => new Centroid());
      for (let d = 0; d < docs.length; d++) {
        if (assigned[d] < 0) continue;
        next[assigned[d]].add(vecs[d]);
        next[assigned[d]].size++;
        await slice();
      }
      // A centroid that lost every comment is gone; the rest keep their place (indices stay valid).
      cents = next.map((c) => (c.size ? c : null));
    }
  }
  const groups = new Map<number, number[]>();
  let alone = cents.length;
  for (let d = 0; d < docs.length; d++) {
    const c = assigned[d] >= 0 ? assigned[d] : alone++;
    const g = groups.get(c);
    if (g) g.push(d);
    else groups.set(c, [d]);
  }
  const out: Cluster[] = [];
  for (const [key, members] of [...groups]) {
    const c = new Centroid();
    for (const d of members) c.add(vecs[d]);
    // ‖Σv‖² = n + Σ over pairs of 2·cos: the mean cosine of two members, from the centroid alone.
    if (members.length > 1 && (c.normSq - members.length) / (members.length * (members.length - 1)) < COHESION) {
      groups.delete(key);
      for (const d of members) groups.set(alone++, [d]);
    }
    await slice();
  }
  for (const members of groups.values()) {
    const c = new Centroid();
    for (const d of members) c.add(vecs[d]);
    const nv = c.unit();
    const centroid = new Map<string, number>();
    const top = [...nv.ids.keys()].sort((a, b) => nv.w[b] - nv.w[a]).slice(0, CENTROID_TERMS);
    for (const i of top) centroid.set(terms[nv.ids[i]], nv.w[i]);
    const scored = members.map((d) => ({ d, s: members.length === 1 ? 1 : c.cos(vecs[d]) })).sort((a, b) => b.s - a.s || a.d - b.d);
    out.push({ members: scored.map((x) => x.d), similarity: scored.map((x) => x.s), centroid, keyPhrases: keyPhrasesOf(centroid) });
    await slice();
  }
  return out.sort((a, b) => weightOf(b, docs) - weightOf(a, docs) || a.members[0] - b.members[0]);
}

function weightOf(c: Cluster, docs: ThemeDoc[]): number {
  return c.members.reduce((s, d) => s + docs[d].weight, 0);
}

/**
 * The centroid's heaviest terms, a term left out when a heavier chosen one contains it or it
 * contains a heavier chosen one (上班时间 and 上班 say one thing). At most `limit`.
 */
export function keyPhrasesOf(centroid: Map<string, number>, limit = 5): string[] {
  const chosen: string[] = [];
  for (const [t] of [...centroid].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))) {
    if (chosen.some((c) => c.includes(t))) continue;
    // The longer word reads better (自行车, not 自行): it takes the place of the words it contains.
    const inside = chosen.findIndex((c) => t.includes(c));
    if (inside >= 0) {
      chosen[inside] = t;
      for (let i = chosen.length - 1; i > inside; i--) if (t.includes(chosen[i])) chosen.splice(i, 1);
      continue;
    }
    if (chosen.length >= limit) break;
    chosen.push(t);
  }
  return chosen;
}
