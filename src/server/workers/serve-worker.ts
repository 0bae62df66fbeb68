/**
 * The worker side of run-worker.ts: answers the main thread's calls with `methods`, one at a time
 * in the order sent (a method may be async), and lets a method emit events (progress) to the
 * caller's onEvent. The worker's thread runs at the lowest CPU priority: on a busy machine the
 * kernel gives a core to the threads that serve requests (this process's main thread, PostgreSQL)
 * before it gives it to an analysis that can wait.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import type { Reply, Request, WorkerMethods } from './run-worker';

/** Sends `event` to the main thread's onEvent. */
export function emit(event: unknown): void {
  parentPort?.postMessage({ event } satisfies Reply);
}

/**
 * Lowers this thread's priority to nice 19. Linux gives each thread its own nice value, and
 * setpriority(2) of a thread id changes that thread alone: /proc/thread-self names this thread's id.
 * Elsewhere (no /proc) the thread keeps the process's priority.
 */
function lowerPriority(): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0 && tid !== process.pid) setPriority(tid, 19);
  } catch {
    // Not Linux, or not allowed: run at the process's priority.
  }
}

export function serveWorker(methods: WorkerMethods): void {
  const port = parentPort;
  if (!port) throw new Error('serveWorker runs in a worker thread');
  lowerPriority();
  let queue = Promise.resolve();
  port.on('message', (req: Request) => {
    queue = queue.then(async () => {
      const fn = methods[req.method] as ((...args: unknown[]) => unknown) | undefined;
      try {
        if (!fn) throw new Error(`no method ${req.method}`);
        port.postMessage({ id: req.id, ok: true, result: await fn(...req.args) } satisfies Reply);
      } catch (err) {
        const e = err instanceof Error ? err : new Error(String(err));
        port.postMessage({ id: req.id, ok: false, message: e.message, stack: e.stack } satisfies Reply);
      }
    });
  });
}
