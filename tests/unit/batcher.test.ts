/** db/batcher.ts: concurrent calls coalesced into batches, each caller answered with its own result. */
import { describe, expect, it } from 'vitest';
import { createBatcher } from '../../src/db/batcher';

/** A run that records its batches and answers after the test releases it. */
function recorder<T>() {
  const batches: T[][] = [];
  const releases: Array<() => void> = [];
  const run = (items: T[]) => {
    batches.push(items);
    return new Promise<string[]>((resolve) => releases.push(() => resolve(items.map((i) => `r:${String(i)}`))));
  };
  const releaseAll = async () => {
    while (releases.length) releases.shift()!();
    // The answers settle, then the next batch goes out on a later turn of the event loop.
    for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
  };
  return { batches, run, releaseAll };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('createBatcher', () => {
  it('sends calls made together as one batch and answers each with its own result', async () => {
    const rec = recorder<number>();
    const b = createBatcher(rec.run, { maxBatch: 10, maxInFlight: 1 });
    const answers = Promise.all([1, 2, 3].map((i) => b.add(i)));
    await tick();
    expect(rec.batches).toEqual([[1, 2, 3]]);
    await rec.releaseAll();
    expect(await answers).toEqual(['r:1', 'r:2', 'r:3']);
  });

  it('queues calls while the batches in flight are full, then sends them together', async () => {
    const rec = recorder<number>();
    const b = createBatcher(rec.run, { maxBatch: 10, maxInFlight: 1 });
    const first = b.add(1);
    await tick();
    const later = Promise.all([2, 3, 4].map((i) => b.add(i)));
    await tick();
    expect(rec.batches).toEqual([[1]]); // 2–4 wait for the batch in flight
    await rec.releaseAll();
    expect(await first).toBe('r:1');
    expect(rec.batches).toEqual([[1], [2, 3, 4]]);
    await rec.releaseAll();
    expect(await later).toEqual(['r:2', 'r:3', 'r:4']);
  });

  it('keeps batches to maxBatch and runs up to maxInFlight at once', async () => {
    const rec = recorder<number>();
    const b = createBatcher(rec.run, { maxBatch: 2, maxInFlight: 2 });
    const all = Promise.all([1, 2, 3, 4, 5].map((i) => b.add(i)));
    await tick();
    expect(rec.batches).toEqual([[1, 2], [3, 4]]);
    await rec.releaseAll();
    expect(rec.batches).toEqual([[1, 2], [3, 4], [5]]);
    await rec.releaseAll();
    expect(await all).toEqual(['r:1', 'r:2', 'r:3', 'r:4', 'r:5']);
  });

  it('never puts conflicting items in one batch, and keeps their order', async () => {
    const rec = recorder<string>();
    const b = createBatcher(rec.run, { maxBatch: 10, maxInFlight: 1, conflicts: (x, y) => x[0] === y[0] });
    const all = Promise.all(['a1', 'b1', 'a2', 'c1', 'a3', 'b2'].map((i) => b.add(i)));
    await tick();
    expect(rec.batches).toEqual([['a1', 'b1', 'c1']]);
    await rec.releaseAll();
    expect(rec.batches[1]).toEqual(['a2', 'b2']);
    await rec.releaseAll();
    expect(rec.batches[2]).toEqual(['a3']);
    await rec.releaseAll();
    expect(await all).toEqual(['r:a1', 'r:b1', 'r:a2', 'r:c1', 'r:a3', 'r:b2']);
  });

  it('holds back an item that conflicts with a batch still running, though a slot is free', async () => {
    const rec = recorder<string>();
    const b = createBatcher(rec.run, { maxBatch: 10, maxInFlight: 2, conflicts: (x, y) => x[0] === y[0] });
    const first = b.add('a1');
    await tick();
    const later = Promise.all(['a2', 'b1', 'a3'].map((i) => b.add(i)));
    await tick();
    expect(rec.batches).toEqual([['a1'], ['b1']]); // a2 and a3 wait for a1's batch to finish
    await rec.releaseAll();
    expect(rec.batches[2]).toEqual(['a2']);
    await rec.releaseAll();
    expect(rec.batches[3]).toEqual(['a3']);
    await rec.releaseAll();
    expect(await first).toBe('r:a1');
    expect(await later).toEqual(['r:a2', 'r:b1', 'r:a3']);
  });

  it('fails every call of a failed batch, and only those', async () => {
    let calls = 0;
    const b = createBatcher(async (items: number[]) => {
      calls++;
      if (items.includes(2)) throw new Error('database down');
      return items.map((i) => i * 10);
    }, { maxBatch: 2, maxInFlight: 2 });
    const results = await Promise.allSettled([1, 2, 3].map((i) => b.add(i)));
    expect(calls).toBe(2);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'fulfilled']);
    expect((results[0] as PromiseRejectedResult).reason.message).toBe('database down');
    expect((results[2] as PromiseFulfilledResult<number>).value).toBe(30);
  });

  it('fails the batch, not the process, when run throws before returning a promise', async () => {
    const b = createBatcher((items: number[]): Promise<number[]> => {
      if (items.length) throw new Error('bad statement');
      return Promise.resolve([]);
    }, { maxBatch: 5, maxInFlight: 1 });
    const results = await Promise.allSettled([1, 2].map((i) => b.add(i)));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });

  it('fails a batch whose run answers the wrong number of results instead of misattributing them', async () => {
    const b = createBatcher(async (items: number[]) => items.slice(1), { maxBatch: 5, maxInFlight: 1 });
    const results = await Promise.allSettled([1, 2].map((i) => b.add(i)));
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
  });
});
