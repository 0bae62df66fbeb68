/**
 * Coalescing concurrent calls into batches: callers `add` an item and get its own result, while
 * the batcher hands `run` all the items that arrived together — one statement and one commit for
 * many requests (group commit), instead of one each. At most `maxInFlight` batches run at once;
 * items arriving meanwhile wait and go in the next batch, so batches grow with the load and a
 * lone request goes out at once (on the next turn of the event loop, after the I/O of this one).
 * An item that `conflicts` with an earlier one — queued or in a batch still running — waits until
 * that one's batch has finished (say, two comments that must see each other's row), in order.
 *
 * Nothing here outlives the process or needs to: an item's promise settles only after `run` —
 * the database — has answered for it; a crash loses only unanswered calls, as it would unbatched.
 */
import { isPool, type Db, type DbOrTx } from './client';

export interface BatcherOptions<I> {
  maxBatch: number;
  maxInFlight: number;
  conflicts?: (a: I, b: I) => boolean;
}

interface Pending<I, O> {
  item: I;
  resolve: (value: O) => void;
  reject: (err: unknown) => void;
}

export interface Batcher<I, O> {
  add(item: I): Promise<O>;
}

/** `run` must return one result per item, in the items' order. */
export function createBatcher<I, O>(run: (items: I[]) => Promise<O[]>, opts: BatcherOptions<I>): Batcher<I, O> {
  let queue: Pending<I, O>[] = [];
  let inFlight = 0;
  /** The items of the batches running now. */
  const running = new Set<I>();
  let scheduled = false;

  const schedule = () => {
    if (scheduled || inFlight >= opts.maxInFlight || !queue.length) return;
    scheduled = true;
    setImmediate(flush);
  };

  const take = (): Pending<I, O>[] => {
    const batch: Pending<I, O>[] = [];
    const rest: Pending<I, O>[] = [];
    const conflicts = opts.conflicts;
    const clashes = (p: Pending<I, O>) => {
      if (!conflicts) return false;
      for (const item of running) if (conflicts(item, p.item)) return true;
      return batch.some((b) => conflicts(b.item, p.item)) || rest.some((r) => conflicts(r.item, p.item));
    };
    for (const p of queue) (batch.length < opts.maxBatch && !clashes(p) ? batch : rest).push(p);
    queue = rest;
    return batch;
  };

  const flush = () => {
    scheduled = false;
    while (inFlight < opts.maxInFlight && queue.length) {
      const batch = take();
      if (!batch.length) return; // everything queued waits for a running batch
      inFlight++;
      for (const p of batch) running.add(p.item);
      // Through a promise even if `run` throws at once: a thrown error must fail the batch, not the process.
      Promise.resolve().then(() => run(batch.map((p) => p.item))).then(
        (results) => {
          if (results.length !== batch.length) throw new Error(`batch of ${batch.length} answered ${results.length} results`);
          batch.forEach((p, i) => p.resolve(results[i]));
        },
      ).catch((err) => batch.forEach((p) => p.reject(err))).finally(() => {
        for (const p of batch) running.delete(p.item);
        inFlight--;
        schedule();
      });
    }
  };

  return {
    add(item: I): Promise<O> {
      return new Promise<O>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        schedule();
      });
    },
  };
}

/**
 * Group commit for a statement that takes many items: `run(db, items)` one result per item. The
 * returned function sends one item; on the PostgreSQL pool it shares a batch with the items other
 * requests send at the same moment (one batcher per pool), in a transaction or on PGlite (one
 * connection) it is a batch of one.
 */
export function groupCommit<I, O>(run: (db: DbOrTx, items: I[]) => Promise<O[]>, opts: BatcherOptions<I>): (db: DbOrTx, item: I) => Promise<O> {
  const batchers = new WeakMap<Db, Batcher<I, O>>();
  return (db, item) => {
    if (!isPool(db)) return run(db, [item]).then(([result]) => result);
    let batcher = batchers.get(db as Db);
    if (!batcher) {
      batcher = createBatcher((items: I[]) => run(db, items), opts);
      batchers.set(db as Db, batcher);
    }
    return batcher.add(item);
  };
}
