/**
 * The kiosk's outbox in IndexedDB: every submission is written here BEFORE it is sent, with its
 * idempotency key, and removed only when the server has confirmed it (201). It survives a
 * reload, a closed tab and a restarted device. Items the server refuses for good (e.g. the
 * comment period closed while the kiosk was offline) are kept as "rejected" for staff to see.
 */
const DB_NAME = 'kaimen-kiosk';
const STORE = 'outbox';

/** @returns {Promise<IDBDatabase>} */
function open() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => {
      const store = req.result.createObjectStore(STORE, { keyPath: 'key' });
      store.createIndex('createdAt', 'createdAt');
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

let dbPromise;
function db() {
  dbPromise ??= open().catch((err) => {
    dbPromise = undefined;
    throw err;
  });
  return dbPromise;
}

/** Runs `fn(store)` in one transaction and resolves when it has committed. */
async function tx(mode, fn) {
  const d = await db();
  return new Promise((resolve, reject) => {
    const t = d.transaction(STORE, mode);
    let result;
    const r = fn(t.objectStore(STORE));
    if (r) r.onsuccess = () => { result = r.result; };
    t.oncomplete = () => resolve(result);
    t.onerror = () => reject(t.error);
    t.onabort = () => reject(t.error);
  });
}

/**
 * Stores one submission durably.
 * @param {{ key: string, payload: object, createdAt: string, receiptUrl: string }} item
 */
export function enqueue(item) {
  return tx('readwrite', (s) => s.put({ ...item, status: 'pending', attempts: 0 }));
}

/** Every item, oldest first. */
export async function all() {
  const items = await tx('readonly', (s) => s.index('createdAt').getAll());
  return items ?? [];
}

/** The pending items, oldest first. */
export async function pending() {
  return (await all()).filter((i) => i.status === 'pending');
}

export function remove(key) {
  return tx('readwrite', (s) => s.delete(key));
}

/** Keeps a refused item aside with the server's error code, so it is never resent nor lost. */
export async function reject(key, code) {
  const item = await tx('readonly', (s) => s.get(key));
  if (!item) return;
  await tx('readwrite', (s) => s.put({ ...item, status: 'rejected', error: code }));
}

/** { pending, rejected } counts for the status indicator. */
export async function counts() {
  const items = await all();
  return {
    pending: items.filter((i) => i.status === 'pending').length,
    rejected: items.filter((i) => i.status === 'rejected').length,
  };
}
