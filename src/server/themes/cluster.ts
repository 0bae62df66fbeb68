/**
 * Clustering comments by what they argue, without a fixed number of clusters (decision 028):
 * TF-IDF vectors of each comment's terms (segment.ts), then
 * 1. a leader pass: each comment joins the nearest cluster whose centroid is at cosine ≥ `threshold`,
 *    or starts one (candidates found through an inverted index of the centroids' terms);
 * 2. a merge pass: clusters whose centroids are at cosine ≥ `mergeThreshold` become one;
 * 3. a reassignment pass: each comment moves to its nearest final centroid (≥ `threshold`), which
 *    undoes the leader pass's dependence on order.
 * A document is one representative (a campaign group once, however many copies): `weight` counts
 * its comments but does not weigh on the centroid, so a campaign never swamps its theme.
 * Pure code, no database; async only to yield the event loop every few hundred documents.
 */

export interface ThemeDoc {
  terms: string[];
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
}

export const THRESHOLD = 0.35;
export const MERGE_THRESHOLD = 0.6;
/** Terms kept of a stored centroid. */
export const CENTROID_TERMS = 40;
/** A term shared by more clusters than this finds no candidates (it weighs little: a low idf). */
const POSTINGS_LIMIT = 4000;

type Vec = { ids: Int32Array; w: Float64Array };

/**
 * Inverse document frequencies of a set of documents (smoothed: log((n + 1) / (df + 1)) + 1), for
 * the terms of two or more documents only: a term no other comment uses cannot bring two comments
 * together, and left in it would only lengthen the vector and lower every similarity.
 */
export function buildVocabulary(docs: string[][]): Vocabulary {
  const df = new Map<string, number>();
  for (const terms of docs) for (const t of new Set(terms)) df.set(t, (df.get(t) ?? 0) + 1);
  const n = docs.length;
  const idf = new Map<string, number>();
  for (const [t, d] of df) if (d >= 2) idf.set(t, Math.log((n + 1) / (d + 1)) + 1);
  return { idf, defaultIdf: Math.log((n + 1) / 2) + 1 };
}

/** A document's TF-IDF vector (sublinear tf) over the vocabulary's terms, normalised to length 1, as term → weight. */
export function vectorOf(terms: string[], vocab: Vocabulary): Map<string, number> {
  const tf = new Map<string, number>();
  for (const t of terms) if (vocab.idf.has(t)) tf.set(t, (tf.get(t) ?? 0) + 1);
  const v = new Map<string, number>();
  let norm = 0;
  for (const [t, n] of tf) {
    const w = (1 + Math.log(n)) * vocab.idf.get(t)!;
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

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Sum of member vectors, with its squared norm kept up to date. */
class Centroid {
  sum = new Map<number, number>();
  normSq = 0;
  size = 0;
  add(v: Vec): number[] {
    const fresh: number[] = [];
    for (let i = 0; i < v.ids.length; i++) {
      const id = v.ids[i];
      const old = this.sum.get(id);
      if (old === undefined) fresh.push(id);
      const now = (old ?? 0) + v.w[i];
      this.sum.set(id, now);
      this.normSq += now * now - (old ?? 0) * (old ?? 0);
    }
    this.size++;
    return fresh;
  }
  cos(v: Vec): number {
    if (this.normSq <= 0) return 0;
    let s = 0;
    for (let i = 0; i < v.ids.length; i++) s += v.w[i] * (this.sum.get(v.ids[i]) ?? 0);
    return s / Math.sqrt(this.normSq);
  }
}

/** Nearest centroid among those sharing a term with `v` (through `postings`), or -1. */
function nearest(v: Vec, cents: (Centroid | null)[], postings: Map<number, number[]>, seen: Int32Array, stamp: number): { best: number; sim: number } {
  let best = -1;
  let sim = -1;
  for (let i = 0; i < v.ids.length; i++) {
    const list = postings.get(v.ids[i]);
    if (!list || list.length > POSTINGS_LIMIT) continue;
    for (const c of list) {
      if (seen[c] === stamp) continue;
      seen[c] = stamp;
      const cent = cents[c];
      if (!cent) continue;
      const s = cent.cos(v);
      if (s > sim) {
        sim = s;
        best = c;
      }
    }
  }
  return { best, sim };
}

/** Clusters documents (see the module comment). Documents with no terms each stay alone. */
export async function clusterDocs(docs: ThemeDoc[], vocab: Vocabulary, opts: ClusterOptions = {}): Promise<Cluster[]> {
  const threshold = opts.threshold ?? THRESHOLD;
  const mergeThreshold = opts.mergeThreshold ?? MERGE_THRESHOLD;
  const termId = new Map<string, number>();
  const terms: string[] = [];
  const maps = docs.map((d) => vectorOf(d.terms, vocab));
  const vecs: Vec[] = maps.map((m) => {
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
    return { ids, w };
  });
  // Leader pass: the biggest campaigns and the longest texts first, so they seed the clusters.
  const order = docs.map((_, i) => i).sort((a, b) => docs[b].weight - docs[a].weight || vecs[b].ids.length - vecs[a].ids.length || a - b);
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
  const total = docs.length * 2;
  let step = 0;
  const progress = async () => {
    if (++step % 500 === 0) {
      await opts.onProgress?.(step / total);
      await tick();
    }
  };
  for (const d of order) {
    const v = vecs[d];
    if (v.ids.length === 0) continue;
    const { best, sim } = nearest(v, cents, postings, seen, ++stamp);
    if (best >= 0 && sim >= threshold) index(best, cents[best]!.add(v));
    else {
      const c = new Centroid();
      cents.push(c);
      index(cents.length - 1, c.add(v));
    }
    await progress();
  }
  // Merge pass: the biggest cluster first takes in every cluster near enough to it.
  const byNorm = (c: Centroid): Vec => {
    const ids = new Int32Array(c.sum.size);
    const w = new Float64Array(c.sum.size);
    const n = Math.sqrt(c.normSq) || 1;
    let i = 0;
    for (const [id, x] of c.sum) {
      ids[i] = id;
      w[i++] = x / n;
    }
    return { ids, w };
  };
  for (let round = 0; round < 3; round++) {
    let merged = 0;
    const ordered = cents.map((_, i) => i).filter((i) => cents[i]).sort((a, b) => cents[b]!.size - cents[a]!.size || a - b);
    let visited = 0;
    for (const a of ordered) {
      const ca = cents[a];
      if (!ca) continue;
      if (++visited % 100 === 0) await tick();
      const va = byNorm(ca);
      seen = seen.length >= cents.length + 1 ? seen : new Int32Array(cents.length + 1);
      const stampA = ++stamp;
      seen[a] = stampA;
      for (let i = 0; i < va.ids.length; i++) {
        const list = postings.get(va.ids[i]);
        if (!list || list.length > POSTINGS_LIMIT) continue;
        for (const b of list) {
          if (seen[b] === stampA) continue;
          seen[b] = stampA;
          const cb = cents[b];
          if (!cb || cb.normSq <= 0) continue;
          if (cb.cos(va) >= mergeThreshold) {
            const vb = { ids: Int32Array.from(cb.sum.keys()), w: Float64Array.from(cb.sum.values()) };
            const size = ca.size + cb.size;
            index(a, ca.add(vb));
            ca.size = size;
            cents[b] = null;
            merged++;
          }
        }
      }
    }
    await tick();
    if (!merged) break;
  }
  // Reassignment: each document to its nearest final centroid, which are then made again.
  const finals = cents.filter((c): c is Centroid => c !== null);
  cents = finals;
  postings = new Map();
  finals.forEach((c, i) => index(i, c.sum.keys()));
  seen = new Int32Array(finals.length + 1);
  const assigned = new Int32Array(docs.length).fill(-1);
  const sims = new Float64Array(docs.length);
  for (let d = 0; d < docs.length; d++) {
    const v = vecs[d];
    if (v.ids.length) {
      const { best, sim } = nearest(v, cents, postings, seen, ++stamp);
      if (best >= 0 && sim >= threshold) {
        assigned[d] = best;
        sims[d] = sim;
      }
    }
    await progress();
  }
  const groups = new Map<number, number[]>();
  let alone = finals.length;
  for (let d = 0; d < docs.length; d++) {
    const c = assigned[d] >= 0 ? assigned[d] : alone++;
    const g = groups.get(c);
    if (g) g.push(d);
    else groups.set(c, [d]);
  }
  const out: Cluster[] = [];
  let built = 0;
  for (const members of groups.values()) {
    if (++built % 200 === 0) await tick();
    const c = new Centroid();
    for (const d of members) c.add(vecs[d]);
    const nv = byNorm(c);
    const centroid = new Map<string, number>();
    const top = [...nv.ids.keys()].sort((a, b) => nv.w[b] - nv.w[a]).slice(0, CENTROID_TERMS);
    for (const i of top) centroid.set(terms[nv.ids[i]], nv.w[i]);
    const scored = members.map((d) => ({ d, s: members.length === 1 ? 1 : c.cos(vecs[d]) })).sort((a, b) => b.s - a.s || a.d - b.d);
    out.push({ members: scored.map((x) => x.d), similarity: scored.map((x) => x.s), centroid, keyPhrases: keyPhrasesOf(centroid) });
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
