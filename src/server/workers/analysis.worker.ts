/**
 * The analysis worker (run-worker.ts): the CPU-heavy halves of the themes job (segmenting and
 * clustering an article's comments, segmenting new comments for a refresh) and of the
 * tag-suggestions job (training the classifier, scoring comments). jieba's dictionary loads here,
 * never in a process that serves pages. State between calls: the documents added for the next
 * clustering, and the trained model.
 */
import { buildVocabulary, clusterDocs, type ThemeDoc } from '../themes/cluster';
import { termsOf, weightedTermsOf } from '../themes/segment';
import { pickQuotes } from '../themes/quotes';
import { featuresOf, predictTags, trainTagModel, type FeatureOptions, type TagModel } from '../suggestions/classifier';
import { emit, serveWorker } from './serve-worker';

/** Progress events this worker emits. */
export type AnalysisEvent = { segmented: number };

/** Per article, the documents added for its next `cluster`: terms and body (for quotes). */
const docs = new Map<number, { terms: Map<string, number>; body: string }[]>();
let model: TagModel | null = null;
let features: FeatureOptions = {};

const noYield = () => undefined;

/** Whether jieba loads here (its native binding has a build for this machine); without it, bigrams alone. */
function jiebaLoads(): boolean {
  try {
    termsOf('测试');
    return true;
  } catch {
    return false;
  }
}

/** A theme of one article as the job stores it: documents by index in the order they were added. */
export interface ArticleTheme {
  /** Documents, nearest the centroid first. */
  members: number[];
  keyPhrases: string[];
  centroid: Record<string, number>;
  /** Up to three distinct quotes, each with its document. */
  quotes: { at: number; text: string }[];
}

const methods = {
  /** Segments the bodies of representatives of `article` (themes' weighted terms) and keeps them for its next `cluster`. */
  addDocs(article: number, bodies: string[]): number {
    const list = docs.get(article) ?? [];
    docs.set(article, list);
    bodies.forEach((body, i) => {
      list.push({ terms: weightedTermsOf(body), body });
      if ((i + 1) % 500 === 0) emit({ segmented: 500 } satisfies AnalysisEvent);
    });
    if (bodies.length % 500) emit({ segmented: bodies.length % 500 } satisfies AnalysisEvent);
    return list.length;
  },

  /**
   * Clusters the documents added for `article` (cluster.ts) and forgets them. `weights[i]`: how many
   * comments document i stands for (a campaign group's copies). A cluster standing for fewer than
   * two comments is not a theme: its documents go to `other` (其他独立意见).
   */
  async cluster(article: number, weights: number[]) {
    const batch = docs.get(article) ?? [];
    docs.delete(article);
    const themeDocs: ThemeDoc[] = batch.map((d, i) => ({ terms: d.terms, weight: weights[i] ?? 1 }));
    const vocab = buildVocabulary(themeDocs.map((d) => d.terms));
    const clusters = await clusterDocs(themeDocs, vocab, { slice: noYield });
    const quotesOf = (members: number[]) => pickQuotes(members.map((d) => batch[d].body)).map((q) => ({ at: members[q.at], text: q.text }));
    const themes: ArticleTheme[] = [];
    const others: number[] = [];
    for (const c of clusters) {
      if (c.members.reduce((s, d) => s + themeDocs[d].weight, 0) < 2) others.push(...c.members);
      else themes.push({ members: c.members, keyPhrases: c.keyPhrases, centroid: Object.fromEntries(c.centroid), quotes: quotesOf(c.members) });
    }
    return {
      vocab: { idf: Object.fromEntries(vocab.idf), defaultIdf: vocab.defaultIdf },
      themes,
      other: others.length ? { members: others, quotes: quotesOf(others) } : null,
    };
  },

  /** Themes' weighted terms of each body, as entries. */
  terms(bodies: string[]): [string, number][][] {
    return bodies.map((b) => [...weightedTermsOf(b)]);
  },

  /**
   * Trains the tag classifier (classifier.ts) on these comments and keeps it for `predict`.
   * `words`: jieba words beside the character bigrams. Returns the tags it learnt.
   */
  train(examples: { body: string; tags: string[]; rejected: string[] }[], opts: { words: boolean; minPerTag: number }): string[] {
    features = opts.words && jiebaLoads() ? { words: termsOf } : {};
    model = trainTagModel(examples.map((e) => ({ x: featuresOf(e.body, features), tags: e.tags, rejected: e.rejected })), { minPerTag: opts.minPerTag });
    return model.tags;
  },

  /** The trained model's tags of each body with a confidence of at least `floor`, most confident first. */
  predict(bodies: string[], floor: number): { tag: string; confidence: number }[][] {
    if (!model) throw new Error('predict before train');
    const m = model;
    return bodies.map((b) => {
      const out: { tag: string; confidence: number }[] = [];
      for (const p of predictTags(m, featuresOf(b, features))) {
        if (p.confidence < floor) break;
        out.push(p);
      }
      return out;
    });
  },
};

export type AnalysisMethods = typeof methods;

serveWorker(methods);
