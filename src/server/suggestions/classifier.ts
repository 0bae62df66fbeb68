/**
 * The tag classifier behind tag suggestions (decision 027): one-vs-rest logistic regression over
 * hashed sparse features of a comment body — character bigrams, and optionally jieba words — with
 * one Platt scaling (fitted on out-of-fold scores of a k-fold cross-validation) so that a
 * confidence of 0.9 means about nine in ten are right. Pure code: no database, deterministic
 * (seeded order, fixed folds), so the fixture's figures are the same on every run.
 */
import { normaliseText } from '../grouping/text-features';

/** Hashed feature space: 2^18 buckets (collisions are rare at a round's vocabulary). */
const DIM = 1 << 18;

/** A body as sorted bucket indices with L2-normalised weights (1 + log tf). */
export interface SparseVector {
  idx: Int32Array;
  val: Float32Array;
}

/** How a body becomes features: `words` adds segmented words (e.g. themes' termsOf) to the character bigrams. */
export interface FeatureOptions {
  words?: (body: string) => string[];
}

function hash(s: string, seed: number): number {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) & (DIM - 1);
}

const LATIN = /[a-z][a-z0-9']{2,}/g;
const ASCII_ALNUM = /^[a-z0-9]$/;
const ENGLISH_STOP = new Set(['the', 'and', 'are', 'our', 'for', 'too', 'you', 'not', 'with', 'this', 'that', 'from', 'have', 'has', 'was', 'were', 'its', 'it\'s', 'all', 'any', 'can', 'but', 'they', 'them', 'their', 'there', 'what', 'which', 'will', 'would', 'should', 'please', 'more', 'very']);

/** The features of a body: character bigrams of the normalised text, English words, and the optional words. */
export function featuresOf(body: string, opts: FeatureOptions = {}): SparseVector {
  const counts = new Map<number, number>();
  const add = (k: number) => counts.set(k, (counts.get(k) ?? 0) + 1);
  const chars = Array.from(normaliseText(body));
  // Bigrams of the Chinese text only: letter pairs of English (glued together by normaliseText)
  // say nothing but "this is English", and would tie every English comment to one tag.
  for (let i = 0; i + 1 < chars.length; i++) if (!ASCII_ALNUM.test(chars[i]) && !ASCII_ALNUM.test(chars[i + 1])) add(hash(chars[i] + chars[i + 1], 1));
  // Mixed scripts: English words as words, less the commonest.
  for (const w of body.normalize('NFKC').toLowerCase().match(LATIN) ?? []) if (!ENGLISH_STOP.has(w)) add(hash(w, 2));
  if (opts.words) for (const w of opts.words(body)) add(hash(w, 3));
  const keys = [...counts.keys()].sort((a, b) => a - b);
  const idx = Int32Array.from(keys);
  const val = new Float32Array(keys.length);
  let norm = 0;
  keys.forEach((k, i) => {
    const v = 1 + Math.log(counts.get(k)!);
    val[i] = v;
    norm += v * v;
  });
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < val.length; i++) val[i] /= norm;
  return { idx, val };
}

/** One training example: features, the tags it has, and the tags staff rejected for it (negatives only for those). */
export interface Example {
  x: SparseVector;
  /** Tags the comment carries: positive for these, negative for every other tag. */
  tags: readonly string[];
  /** For a comment with no tags: only these tags are known to be wrong (a rejected suggestion). */
  rejected?: readonly string[];
}

interface Binary {
  w: Float32Array;
  b: number;
}

export interface TagModel {
  tags: string[];
  weights: Map<string, Binary>;
  /** Platt scaling of the raw score: confidence = σ(a·score + b). */
  a: number;
  b: number;
}

export interface TrainOptions {
  epochs?: number;
  l2?: number;
  folds?: number;
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

function dot(w: Float32Array, x: SparseVector): number {
  let s = 0;
  for (let i = 0; i < x.idx.length; i++) s += w[x.idx[i]] * x.val[i];
  return s;
}

/** A small seeded generator (mulberry32), so training is the same on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** +1, −1, or 0 (unknown) for `tag` on example `e`. */
function labelOf(e: Example, tag: string): number {
  if (e.tags.length) return e.tags.includes(tag) ? 1 : -1;
  return e.rejected?.includes(tag) ? -1 : 0;
}

/** Trains one tag's logistic regression by AdaGrad SGD with L2, in a seeded order. */
function trainBinary(examples: readonly Example[], tag: string, opts: Required<TrainOptions>, seed: number): Binary {
  const data = examples.map((e) => ({ x: e.x, y: labelOf(e, tag) })).filter((d) => d.y !== 0);
  const w = new Float32Array(DIM);
  const g2 = new Float32Array(DIM);
  let b = 0;
  let gb = 1e-8;
  const eta = 0.5;
  const order = data.map((_, i) => i);
  const next = rng(seed);
  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    for (const k of order) {
      const { x, y } = data[k];
      const p = sigmoid(dot(w, x) + b);
      const err = p - (y > 0 ? 1 : 0);
      for (let i = 0; i < x.idx.length; i++) {
        const f = x.idx[i];
        const g = err * x.val[i] + opts.l2 * w[f];
        g2[f] += g * g;
        w[f] -= (eta * g) / Math.sqrt(g2[f] + 1e-8);
      }
      gb += err * err;
      b -= (eta * err) / Math.sqrt(gb);
    }
  }
  return { w, b };
}

/** The tags worth learning: at least `minPerTag` comments carry each. */
export function learnableTags(examples: readonly Example[], minPerTag: number): string[] {
  const counts = new Map<string, number>();
  for (const e of examples) for (const t of e.tags) counts.set(t, (counts.get(t) ?? 0) + 1);
  return [...counts].filter(([, n]) => n >= minPerTag).map(([t]) => t).sort();
}

function trainRaw(examples: readonly Example[], tags: readonly string[], opts: Required<TrainOptions>): Map<string, Binary> {
  const out = new Map<string, Binary>();
  tags.forEach((tag, i) => out.set(tag, trainBinary(examples, tag, opts, 1000 + i)));
  return out;
}

/** Fits σ(a·s + b) to (score, label) pairs by Newton's method on the log loss, with Platt's smoothed targets. */
export function fitPlatt(scores: readonly number[], labels: readonly boolean[]): { a: number; b: number } {
  const pos = labels.filter(Boolean).length;
  const neg = labels.length - pos;
  if (!pos || !neg) return { a: 1, b: 0 };
  const hi = (pos + 1) / (pos + 2);
  const lo = 1 / (neg + 2);
  let a = 1;
  let b = 0;
  for (let iter = 0; iter < 100; iter++) {
    let gA = 0, gB = 0, hAA = 1e-9, hAB = 0, hBB = 1e-9;
    for (let i = 0; i < scores.length; i++) {
      const p = sigmoid(a * scores[i] + b);
      const d = p - (labels[i] ? hi : lo);
      const h = p * (1 - p);
      gA += d * scores[i];
      gB += d;
      hAA += h * scores[i] * scores[i];
      hAB += h * scores[i];
      hBB += h;
    }
    const det = hAA * hBB - hAB * hAB;
    if (Math.abs(det) < 1e-12) break;
    const dA = (hBB * gA - hAB * gB) / det;
    const dB = (hAA * gB - hAB * gA) / det;
    a -= dA;
    b -= dB;
    if (Math.abs(dA) + Math.abs(dB) < 1e-7) break;
  }
  return { a, b };
}

/**
 * Trains the model on `examples` for the tags with at least `minPerTag` comments: raw one-vs-rest
 * models on k folds give out-of-fold scores, one Platt scaling is fitted on them, then the models
 * are trained again on everything.
 */
export function trainTagModel(examples: readonly Example[], opts: TrainOptions & { minPerTag?: number } = {}): TagModel {
  const o: Required<TrainOptions> = { epochs: opts.epochs ?? 20, l2: opts.l2 ?? 1e-4, folds: opts.folds ?? 5 };
  const tags = learnableTags(examples, opts.minPerTag ?? 5);
  const scores: number[] = [];
  const labels: boolean[] = [];
  for (let f = 0; f < o.folds; f++) {
    const train = examples.filter((_, i) => i % o.folds !== f);
    const held = examples.filter((_, i) => i % o.folds === f);
    const models = trainRaw(train, tags, o);
    for (const e of held) {
      for (const tag of tags) {
        const y = labelOf(e, tag);
        if (y === 0) continue;
        const m = models.get(tag)!;
        scores.push(dot(m.w, e.x) + m.b);
        labels.push(y > 0);
      }
    }
  }
  const { a, b } = fitPlatt(scores, labels);
  return { tags, weights: trainRaw(examples, tags, o), a, b };
}

/** The confidence of each tag for features `x`, highest first. */
export function predictTags(model: TagModel, x: SparseVector): Array<{ tag: string; confidence: number }> {
  const out = model.tags.map((tag) => {
    const m = model.weights.get(tag)!;
    return { tag, confidence: sigmoid(model.a * (dot(m.w, x) + m.b) + model.b) };
  });
  return out.sort((p, q) => q.confidence - p.confidence || p.tag.localeCompare(q.tag));
}

/** Precision of the (comment, tag) pairs at or above `threshold`, and coverage: the share of comments with at least one. */
export function measure(
  predictions: ReadonlyArray<ReadonlyArray<{ tag: string; confidence: number }>>, truth: ReadonlyArray<readonly string[]>, threshold: number,
): { precision: number; coverage: number; recall: number; suggested: number } {
  let suggested = 0, correct = 0, covered = 0, relevant = 0;
  predictions.forEach((p, i) => {
    const above = p.filter((s) => s.confidence >= threshold);
    if (above.length) covered++;
    suggested += above.length;
    correct += above.filter((s) => truth[i].includes(s.tag)).length;
    relevant += truth[i].length;
  });
  return { precision: suggested ? correct / suggested : 1, coverage: covered / (predictions.length || 1), recall: correct / (relevant || 1), suggested };
}
