/**
 * CPU-heavy work off the event loop (docs/decisions/031-analysis-worker.md): a job that segments,
 * clusters or trains over a round's 100,000 comments runs that part in a worker thread, so a
 * submission served by the same process never waits behind it — neither for its loops nor for the
 * garbage collection of what they allocate (the worker has its own heap). The job itself stays on
 * the main thread: it reads and writes the database and reports progress as before.
 *
 * A worker is an entry file `<name>.worker.ts` in this folder, which calls serveWorker
 * (serve-worker.ts) with its methods. openWorker(name) starts one and returns a client whose
 * `call(method, ...args)` sends the arguments (structured clone) and resolves with the result;
 * calls run one after another in the worker, which keeps its state between them (a trained model,
 * the documents added so far). `close()` ends it; a worker that dies rejects every pending call.
 *
 * Where the entry is: the build (scripts/build-server.mjs) bundles each `*.worker.ts` into
 * dist/server/workers/<name>.mjs, beside the bundled server; from the sources (tests, benches, the
 * dev server) the `.ts` file runs through tsx's loader.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

/** A worker's methods: what its entry passes to serveWorker. */
export type WorkerMethods = Record<string, (...args: never[]) => unknown>;

export interface WorkerClient<M extends WorkerMethods> {
  call<K extends keyof M & string>(method: K, ...args: Parameters<M[K]>): Promise<Awaited<ReturnType<M[K]>>>;
  close(): Promise<void>;
}

/** Messages between the two sides (serve-worker.ts sends the replies and events). */
export type Request = { id: number; method: string; args: unknown[] };
export type Reply = { id: number; ok: true; result: unknown } | { id: number; ok: false; message: string; stack?: string } | { event: unknown };

// A variable, not `new URL('…', import.meta.url)` written out: Vite would take that for an asset
// of the client build and rewrite it.
const here = import.meta.url;

/** The entry to run for worker `name`: the bundled file when this module runs from the build, else the source. */
function entryOf(name: string): { file: string; execArgv: string[] } {
  const built = fileURLToPath(new URL(`./workers/${name}.mjs`, here));
  if (existsSync(built)) return { file: built, execArgv: [] };
  const source = fileURLToPath(new URL(`./${name}.worker.ts`, here));
  if (!existsSync(source)) throw new Error(`worker ${name}: neither ${built} nor ${source}`);
  return { file: source, execArgv: ['--import', 'tsx'] };
}

/**
 * Starts worker `name`. `onEvent` receives what the worker's methods emit while they run (e.g.
 * progress); if it throws or rejects (a job whose lease was lost), the worker is stopped and the
 * pending call rejects with that error.
 */
export function openWorker<M extends WorkerMethods>(name: string, onEvent?: (event: unknown) => unknown): WorkerClient<M> {
  const { file, execArgv } = entryOf(name);
  const worker = new Worker(file, { execArgv });
  // A worker left running (a job that threw between calls) must not keep the process alive.
  worker.unref();
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let next = 0;
  let failure: Error | null = null;
  const failAll = (err: Error) => {
    failure ??= err;
    for (const p of pending.values()) p.reject(failure);
    pending.clear();
    void worker.terminate();
  };
  worker.on('message', (m: Reply) => {
    if ('event' in m) {
      if (!onEvent) return;
      Promise.resolve()
        .then(() => onEvent(m.event))
        .catch((err: unknown) => failAll(err instanceof Error ? err : new Error(String(err))));
      return;
    }
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (m.ok) p.resolve(m.result);
    else p.reject(Object.assign(new Error(`worker ${name}: ${m.message}`), { stack: m.stack }));
  });
  worker.on('error', (err) => failAll(err));
  worker.on('exit', (code) => failAll(new Error(`worker ${name} stopped (exit code ${code})`)));
  return {
    call(method, ...args) {
      if (failure) return Promise.reject(failure);
      const id = next++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        worker.postMessage({ id, method, args } satisfies Request);
      });
    },
    async close() {
      failure ??= new Error(`worker ${name} closed`);
      await worker.terminate();
    },
  };
}

/**
 * Runs `fn` with worker `name` at hand and closes it afterwards, however `fn` ends. The thread
 * starts at `fn`'s first call, so a job that finds nothing to compute (a round with no tagged
 * comments, an empty page) never starts one.
 */
export async function withWorker<M extends WorkerMethods, T>(name: string, fn: (w: WorkerClient<M>) => Promise<T>, onEvent?: (event: unknown) => unknown): Promise<T> {
  let opened: WorkerClient<M> | null = null;
  let closed = false;
  const lazy: WorkerClient<M> = {
    call(method, ...args) {
      if (closed) return Promise.reject(new Error(`worker ${name} closed`));
      opened ??= openWorker<M>(name, onEvent);
      return opened.call(method, ...args);
    },
    async close() {
      closed = true;
      await opened?.close();
    },
  };
  try {
    return await fn(lazy);
  } finally {
    await lazy.close();
  }
}
