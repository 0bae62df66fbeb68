/**
 * The analysis worker (src/server/workers/): what it computes off the main thread is what the same
 * code computes on it — themes' terms, clusters of the labelled fixture, tag suggestions — and
 * failures reach the caller: an unknown method, a method that throws, an onEvent that throws (a job
 * whose lease was lost) stops the worker, a call after close.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openWorker, withWorker } from '../../src/server/workers/run-worker';
import type { AnalysisMethods } from '../../src/server/workers/analysis.worker';
import { weightedTermsOf } from '../../src/server/themes/segment';
import { buildVocabulary, clusterDocs } from '../../src/server/themes/cluster';
import { featuresOf, predictTags, trainTagModel } from '../../src/server/suggestions/classifier';
import { termsOf } from '../../src/server/themes/segment';

const themes = JSON.parse(readFileSync('tests/fixtures/themes/article-comments.json', 'utf8')) as { comments: { body: string }[] };

describe('analysis worker', () => {
  it('segments and clusters as the same code does on this thread, and reports progress', async () => {
    const bodies = themes.comments.map((c) => c.body);
    const events: unknown[] = [];
    const { terms, clustered } = await withWorker<AnalysisMethods, { terms: [string, number][][]; clustered: Awaited<ReturnType<AnalysisMethods['cluster']>> }>('analysis', async (w) => {
      const terms = await w.call('terms', bodies);
      // Sent in two parts, as the job sends an article's bodies in pieces.
      await w.call('addDocs', 7, bodies.slice(0, 5));
      // Another article's documents stay apart.
      await w.call('addDocs', 8, ['另一条的意见：建议增加公共充电桩。']);
      await w.call('addDocs', 7, bodies.slice(5));
      return { terms, clustered: await w.call('cluster', 7, bodies.map((_, i) => (i < 5 ? 1 : 2))) };
    }, (e) => { events.push(e); });
    expect(terms).toEqual(bodies.map((b) => [...weightedTermsOf(b)]));

    const docs = bodies.map((b, i) => ({ terms: weightedTermsOf(b), weight: i < 5 ? 1 : 2 }));
    const vocab = buildVocabulary(docs.map((d) => d.terms));
    const here = await clusterDocs(docs, vocab);
    expect(clustered.vocab).toEqual({ idf: Object.fromEntries(vocab.idf), defaultIdf: vocab.defaultIdf });
    // Every cluster standing for two or more comments is a theme, with its quotes; the rest are 其他.
    const weight = (members: number[]) => members.reduce((s, d) => s + docs[d].weight, 0);
    const themesHere = here.filter((c) => weight(c.members) >= 2);
    expect(clustered.themes.map((t) => ({ members: t.members, centroid: t.centroid, keyPhrases: t.keyPhrases })))
      .toEqual(themesHere.map((c) => ({ members: c.members, centroid: Object.fromEntries(c.centroid), keyPhrases: c.keyPhrases })));
    expect(clustered.themes.length).toBeGreaterThan(1);
    expect(clustered.other?.members ?? []).toEqual(here.filter((c) => weight(c.members) < 2).flatMap((c) => c.members));
    for (const t of clustered.themes) {
      expect(t.quotes.length).toBeGreaterThan(0);
      for (const q of t.quotes) expect(t.members).toContain(q.at);
    }
    // Every body segmented was counted.
    const segmented = events.reduce<number>((s, e) => s + ((e as { segmented?: number }).segmented ?? 0), 0);
    expect(segmented).toBe(bodies.length + 1);
  });

  it('trains and predicts as the classifier does on this thread', async () => {
    const tagged = JSON.parse(readFileSync('tests/fixtures/tag-suggestions/comments.json', 'utf8')) as { body: string; tags: string[] }[];
    const train = tagged.slice(0, 200);
    const test = tagged.slice(200, 240).map((c) => c.body);
    const predicted = await withWorker<AnalysisMethods, { tags: string[]; p: { tag: string; confidence: number }[][] }>('analysis', async (w) => {
      const tags = await w.call('train', train.map((c) => ({ body: c.body, tags: c.tags, rejected: [] })), { words: true, minPerTag: 5 });
      return { tags, p: await w.call('predict', test, 0.5) };
    });
    const model = trainTagModel(train.map((c) => ({ x: featuresOf(c.body, { words: termsOf }), tags: c.tags, rejected: [] })), { minPerTag: 5 });
    expect(predicted.tags).toEqual(model.tags);
    expect(predicted.tags.length).toBeGreaterThan(2);
    expect(predicted.p).toEqual(test.map((b) => predictTags(model, featuresOf(b, { words: termsOf })).filter((p) => p.confidence >= 0.5)));
  });

  it('rejects an unknown method and a method that throws, and goes on answering', async () => {
    await withWorker<AnalysisMethods, void>('analysis', async (w) => {
      await expect((w.call as (m: string) => Promise<unknown>)('nope')).rejects.toThrow(/no method nope/);
      await expect(w.call('predict', ['x'], 0.5)).rejects.toThrow(/predict before train/);
      expect(await w.call('terms', ['电动自行车限速'])).toEqual([[...weightedTermsOf('电动自行车限速')]]);
    });
  });

  it('stops the worker when onEvent throws, and the pending call rejects with that error', async () => {
    const w = openWorker<AnalysisMethods>('analysis', () => { throw new Error('lease lost'); });
    const bodies = Array.from({ length: 600 }, (_, i) => `第${i}条意见：建议延长电动自行车的停放时间。`);
    await expect(w.call('addDocs', 1, bodies)).rejects.toThrow(/lease lost/);
    await expect(w.call('terms', ['x'])).rejects.toThrow(/lease lost/);
    await w.close();
  });

  it('refuses a call after close', async () => {
    const w = openWorker<AnalysisMethods>('analysis');
    await w.close();
    await expect(w.call('terms', ['x'])).rejects.toThrow(/closed/);
  });

  it('withWorker starts the thread only at the first call: a job with nothing to compute starts none', async () => {
    // A worker that does not exist fails when started, so only a call can reveal it.
    const never = withWorker<AnalysisMethods, number>('no-such-worker' as 'analysis', async () => 42);
    await expect(never).resolves.toBe(42);
    await expect(withWorker<AnalysisMethods, unknown>('no-such-worker' as 'analysis', (w) => w.call('terms', ['x']))).rejects.toThrow(/no-such-worker/);
  });
});
