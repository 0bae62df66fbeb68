/**
 * The kiosk's service worker (served at /kiosk/sw.js with scope /kiosk): when the network or the
 * server is down, the kiosk page and its scripts and styles come from the cache, so a reload or
 * a restart while offline still shows the kiosk with its outbox. API calls are never cached or
 * intercepted: the page itself queues submissions in IndexedDB (public/kiosk/queue.js).
 */
const CACHE = 'kaimen-kiosk-v1';
const SHELL = ['/kiosk', '/kiosk/'];

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) if (name.startsWith('kaimen-kiosk-') && name !== CACHE) await caches.delete(name);
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith('/api/')) return;
  if (req.mode === 'navigate') {
    if (SHELL.includes(url.pathname)) event.respondWith(shell(req));
    return;
  }
  if (url.pathname.startsWith('/_astro/')) event.respondWith(cacheFirst(req));
  else if (url.pathname.startsWith('/kiosk/') || url.pathname === '/favicon.svg') event.respondWith(networkFirst(req));
});

function withTimeout(promise, ms) {
  return Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), ms))]);
}

/** The kiosk page: fresh from the server when it answers, else the last good copy. */
async function shell(req) {
  const cache = await caches.open(CACHE);
  try {
    const res = await withTimeout(fetch(req), 6000);
    if (res.ok && !res.redirected) await cache.put('/kiosk', res.clone());
    else if (res.type === 'opaqueredirect' || res.status === 401) await cache.delete('/kiosk');
    return res;
  } catch {
    const hit = await cache.match('/kiosk');
    return hit ?? Response.error();
  }
}

async function networkFirst(req) {
  const cache = await caches.open(CACHE);
  try {
    const res = await withTimeout(fetch(req), 6000);
    if (res.ok) await cache.put(req, res.clone());
    return res;
  } catch {
    return (await cache.match(req, { ignoreSearch: true })) ?? Response.error();
  }
}

/** Astro's hashed assets never change under one name. */
async function cacheFirst(req) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(req);
  if (hit) return hit;
  const res = await fetch(req);
  if (res.ok) await cache.put(req, res.clone());
  return res;
}
