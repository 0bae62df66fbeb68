/**
 * Centroids for themes clustering (cluster.ts): a centroid as a running sum of member vectors, the
 * nearest centroid of a vector through an inverted index of terms, and agglomerative merging of
 * centroids (decision 028, addendum). Pure code.
 */
import type { Slice } from './yield';

/** A sparse vector: term ids and their weights. */
export type Vec = { ids: Int32Array; w: Float64Array };

/** A term shared by more clusters than this finds no candidates (it weighs little: a low idf). */
export const POSTINGS_LIMIT = 4000;

/**
 * Sum of member vectors, with its squared norm kept up to date. The sums live in a Float64Array
 * (term id → slot in `slots`, a small integer): a Map of doubles would box every update, and the
 * young-generation garbage collections that follow stalled the event loop (decision 028, addendum).
 */
export class Centroid {
  slots = new Map<number, number>();
  vals = new Float64Array(8);
  normSq = 0;
  size = 0;
  get terms(): number {
    return this.slots.size;
  }
  keys(): IterableIterator<number> {
    return this.slots.keys();
  }
  get(id: number): number {
    const at = this.slots.get(id);
    return at === undefined ? 0 : this.vals[at];
  }
  /** Adds a vector (scaled); returns the term ids new to the centroid. */
  add(v: Vec, scale = 1): number[] {
    const fresh: number[] = [];
    for (let i = 0; i < v.ids.length; i++) {
      const id = v.ids[i];
      let at = this.slots.get(id);
      if (at === undefined) {
        at = this.slots.size;
        if (at === this.vals.length) {
          const grown = new Float64Array(at * 2);
          grown.set(this.vals);
          this.vals = grown;
        }
        this.slots.set(id, at);
        fresh.push(id);
      }
      const old = this.vals[at];
      const now = old + v.w[i] * scale;
      this.vals[at] = now;
      this.normSq += now * now - old * old;
    }
    return fresh;
  }
  cos(v: Vec): number {
    if (this.normSq <= 0) return 0;
    let s = 0;
    for (let i = 0; i < v.ids.length; i++) {
      const at = this.slots.get(v.ids[i]);
      if (at !== undefined) s += v.w[i] * this.vals[at];
    }
    return s / Math.sqrt(this.normSq);
  }
  /** The sum as a vector (not normalised). */
  raw(): Vec {
    const ids = new Int32Array(this.slots.size);
    const w = new Float64Array(this.slots.size);
    let i = 0;
    for (const [id, at] of this.slots) {
      ids[i] = id;
      w[i++] = this.vals[at];
    }
    return { ids, w };
  }
  /** The centroid normalised to length 1, as a vector. */
  unit(): Vec {
    const v = this.raw();
    const n = Math.sqrt(this.normSq) || 1;
    for (let i = 0; i < v.w.length; i++) v.w[i] /= n;
    return v;
  }
}

/** Nearest centroid among those sharing a term with `v` (through `postings`), or -1. */
export function nearest(v: Vec, cents: (Centroid | null)[], postings: Map<number, number[]>, seen: Int32Array, stamp: number): { best: number; sim: number } {
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

/**
 * Agglomerative clustering of centroids: while some pair is at cosine ≥ `mergeThreshold`, the most
 * similar pair becomes one (its sum the sum of both: a centroid of all their comments). Candidate
 * pairs come through the inverted index of terms; a term of more than POSTINGS_LIMIT clusters
 * proposes none. Returns the surviving centroids.
 */
export async function mergeCentroids(cents: Centroid[], postings: Map<number, number[]>, mergeThreshold: number, slice: Slice): Promise<Centroid[]> {
  const alive: (Centroid | null)[] = cents.slice();
  const version = new Int32Array(cents.length * 2 + 1);
  // A binary max-heap of candidate pairs [sim, a, b, version of a, version of b].
  const heap: [number, number, number, number, number][] = [];
  const push = (x: [number, number, number, number, number]) => {
    heap.push(x);
    for (let i = heap.length - 1; i > 0;) {
      const p = (i - 1) >> 1;
      if (heap[p][0] >= heap[i][0]) break;
      [heap[p], heap[i]] = [heap[i], heap[p]];
      i = p;
    }
  };
  const pop = () => {
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length) {
      heap[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && heap[l][0] > heap[m][0]) m = l;
        if (r < heap.length && heap[r][0] > heap[m][0]) m = r;
        if (m === i) break;
        [heap[m], heap[i]] = [heap[i], heap[m]];
        i = m;
      }
    }
    return top;
  };
  let seen = new Int32Array(alive.length + 1);
  let stamp = 0;
  const candidates = async (a: number) => {
    const ca = alive[a]!;
    const va = ca.unit();
    if (seen.length < alive.length + 1) seen = new Int32Array(alive.length * 2 + 1);
    const s = ++stamp;
    seen[a] = s;
    for (let i = 0; i < va.ids.length; i++) {
      const list = postings.get(va.ids[i]);
      if (!list || list.length > POSTINGS_LIMIT) continue;
      for (const b of list) {
        if (seen[b] === s) continue;
        seen[b] = s;
        const cb = alive[b];
        if (!cb || cb.normSq <= 0) continue;
        const sim = cb.cos(va);
        if (sim >= mergeThreshold) push([sim, a, b, version[a], version[b]]);
      }
      await slice();
    }
  };
  // Each pair is proposed from both ends; the second to come off the heap is stale and skipped.
  for (let a = 0; a < alive.length; a++) await candidates(a);
  while (heap.length) {
    const [, a, b, va, vb] = pop();
    if (!alive[a] || !alive[b] || version[a] !== va || version[b] !== vb) continue;
    // b joins a: a's sum grows, b is gone, a's pairs are found afresh.
    const ca = alive[a]!;
    const cb = alive[b]!;
    const fresh = ca.add(cb.raw());
    ca.size += cb.size;
    for (const id of fresh) {
      const list = postings.get(id);
      if (list) list.push(a);
      else postings.set(id, [a]);
    }
    alive[b] = null;
    version[a]++;
    await candidates(a);
  }
  return alive.filter((c): c is Centroid => c !== null);
}
