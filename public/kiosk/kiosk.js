/**
 * The kiosk screen (/kiosk): three steps (choose the draft and the article → write → optional
 * details and submit), a very large receipt with its QR code, the idle reset after 90 s (with a
 * visible countdown in the last 15 s), and the offline outbox (./queue.js) that keeps every
 * submission on the device until the server has stored it. No inline script: the CSP forbids it.
 */
import * as queue from './queue.js';
import QRCode from './vendor/qrcode.js';

const root = document.getElementById('kiosk');
const S = JSON.parse(document.getElementById('k-strings').textContent);
const IDLE_SECONDS = Number(root.dataset.idleSeconds) || 90;
const WARN_SECONDS = 15;
const API = '/api/v1/kiosk';
const CACHE = 'kaimen-kiosk-v1';

const $ = (id) => document.getElementById(id);
const form = $('k-form');
const steps = [...document.querySelectorAll('[data-step]')];
const progress = [...document.querySelectorAll('.k-progress li')];
const receiptBox = $('k-receipt');
const idleBox = $('k-idle');
const statusEl = $('k-status');

const fmt = (template, params) => template.replace(/\{(\w+)\}/g, (m, k) => (k in params ? String(params[k]) : m));

// ── Steps ────────────────────────────────────────────────────────────────────
let step = 1;

function showStep(n, focus = true) {
  step = n;
  for (const s of steps) s.hidden = Number(s.dataset.step) !== n;
  form.hidden = n === 4;
  receiptBox.hidden = n !== 4;
  progress.forEach((li, i) => {
    if (i + 1 === n) li.setAttribute('aria-current', 'step');
    else li.removeAttribute('aria-current');
  });
  window.scrollTo(0, 0);
  if (focus) {
    const h = n === 4 ? $('k-receipt-title') : steps[n - 1]?.querySelector('h2');
    h?.focus();
  }
}

function checked(name) {
  return form.querySelector(`input[name="${name}"]:checked`);
}

function showArticlesFor(slug) {
  for (const fs of form.querySelectorAll('.k-articles')) {
    const mine = fs.dataset.draft === slug;
    fs.hidden = !mine;
    if (!mine) for (const r of fs.querySelectorAll('input')) r.checked = false;
  }
}

function setError(stepNo, message) {
  const el = $(`k-error-${stepNo}`);
  el.textContent = message ?? '';
  el.hidden = !message;
}

function chosenSummary() {
  const draft = checked('draft');
  const article = checked('article');
  if (!draft || !article) return '';
  return `${draft.dataset.title} · ${article.dataset.label}`;
}

function showChosenArticle() {
  const draft = checked('draft');
  const article = checked('article');
  $('k-chosen').textContent = chosenSummary();
  const box = $('k-article-text');
  box.replaceChildren();
  const tpl = $('k-texts').content.querySelector(`[data-key="${CSS.escape(`${draft?.value}:${article?.value}`)}"]`);
  if (tpl) box.append(tpl.cloneNode(true));
  box.hidden = !tpl;
}

form.addEventListener('change', (e) => {
  if (e.target.name === 'draft') showArticlesFor(e.target.value);
  if (e.target.name === 'draft' || e.target.name === 'article') setError(1, '');
});

form.addEventListener('click', (e) => {
  const btn = e.target.closest('button[data-go]');
  if (!btn) return;
  const to = Number(btn.dataset.go);
  if (to > step && !validate(step)) return;
  if (to === 2) showChosenArticle();
  showStep(to);
});

function validate(n) {
  if (n === 1) {
    if (!checked('draft')) return setError(1, S.chooseDraft), false;
    if (!checked('article')) return setError(1, S.chooseArticle), false;
  }
  if (n === 2) {
    const len = form.elements.body.value.trim().length;
    if (len < 5) return setError(2, S.bodyTooShort), form.elements.body.focus(), false;
  }
  // Checked here too, so that a comment queued offline is not refused later for it.
  if (n === 3 && form.elements.notify.checked && !form.elements.contact.value.trim()) {
    return setError(3, S.notifyNeedsContact), form.elements.contact.focus(), false;
  }
  setError(n, '');
  return true;
}

form.elements.body.addEventListener('input', () => {
  $('k-count').textContent = fmt(S.count, { n: form.elements.body.value.trim().length });
});

// ── Submitting ───────────────────────────────────────────────────────────────
const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

/** 20 random characters (about 99 bits): the idempotency key and the provisional receipt. */
function newKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(20));
  return [...bytes].map((b) => ALPHABET[b % ALPHABET.length]).join('');
}

/** Where the receipt's QR code leads: the status page once the comment is stored, a "not yet" page before. */
const receiptPage = (key) => new URL(`/kiosk/receipt/${key}`, location.origin).href;

const grouped = (key) => key.match(/.{1,4}/g).join('-');

/** POSTs one payload; never throws. */
async function send(payload) {
  if (navigator.onLine === false) return { network: true };
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), 10_000);
  try {
    const res = await fetch(`${API}/comments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
      credentials: 'same-origin',
      signal: ctrl.signal,
    });
    const body = await res.json().catch(() => ({}));
    return { ok: res.ok, status: res.status, body, retryAfter: Number(res.headers.get('retry-after')) || 30 };
  } catch {
    return { network: true };
  } finally {
    clearTimeout(timer);
  }
}

let submitting = false;
form.addEventListener('submit', async (e) => {
  e.preventDefault();
  if (submitting || !validate(1) || !validate(2) || !validate(3)) return;
  submitting = true;
  $('k-submit').disabled = true;
  try {
    await submitOne();
  } finally {
    submitting = false;
    $('k-submit').disabled = false;
  }
});

async function submitOne() {
  const draft = checked('draft');
  const article = checked('article');
  const key = newKey();
  const f = form.elements;
  const payload = {
    draft: draft.value,
    round: Number(draft.dataset.round),
    article: article.value === 'general' ? undefined : Number(article.value),
    body: f.body.value,
    name: f.name.value || undefined,
    district: f.district.value || undefined,
    contact: f.contact.value || undefined,
    notify: f.notify.checked || undefined,
    idempotencyKey: key,
  };
  const summary = chosenSummary();
  let stored = true;
  try {
    await queue.enqueue({ key, payload, createdAt: new Date().toISOString() });
  } catch {
    stored = false;
  }
  const r = await send(payload);
  if (r.ok) {
    if (stored) await queue.remove(key).catch(() => {});
    showReceipt({ receipt: r.body.receipt, lookupCode: r.body.lookupCode, url: receiptPage(key), summary });
  } else if (r.network || r.status >= 500 || r.status === 429) {
    if (r.network) online = false;
    if (!stored) return setError(3, S.notSaved);
    showReceipt({ provisional: key, url: receiptPage(key), summary });
    if (r.status === 429) blockedUntil = Date.now() + r.retryAfter * 1000;
  } else {
    // Refused for good (the resident is still here): say why, and do not keep it.
    if (stored) await queue.remove(key).catch(() => {});
    if (r.status === 401) revoked = true;
    const fields = r.body?.error?.fields ?? [];
    const message = [r.body?.error?.message, ...fields.map((x) => x.message)].filter(Boolean).join(' ') || S.refused;
    if (fields.some((x) => x.field === 'body')) {
      showStep(2);
      setError(2, message);
    } else {
      setError(3, message);
    }
  }
  refreshStatus();
}

async function showReceipt({ receipt, lookupCode, provisional, url, summary }) {
  $('k-receipt-title').textContent = provisional ? S.savedTitle : S.thanksTitle;
  $('k-receipt-label').textContent = provisional ? S.provisionalLabel : S.receiptLabel;
  $('k-receipt-no').textContent = provisional ? grouped(provisional) : receipt;
  $('k-receipt-about').textContent = summary;
  $('k-lookup').hidden = !lookupCode;
  $('k-lookup-code').textContent = lookupCode ?? '';
  $('k-receipt-note').textContent = provisional ? S.provisionalNote : S.receiptNote;
  const img = $('k-qr');
  try {
    const svg = await QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
    img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
    img.hidden = false;
  } catch {
    img.hidden = true;
  }
  showStep(4);
}

$('k-print').addEventListener('click', () => window.print());
$('k-done').addEventListener('click', () => reset());

// ── Idle reset ───────────────────────────────────────────────────────────────
let lastTouch = Date.now();
for (const type of ['pointerdown', 'keydown', 'input', 'touchstart', 'wheel']) {
  document.addEventListener(type, () => {
    lastTouch = Date.now();
    if (!idleBox.hidden) idleBox.hidden = true;
  }, { capture: true, passive: true });
}

/** True when nothing a resident did is on the screen. */
function pristine() {
  if (step !== 1) return false;
  if (checked('article')) return false;
  const f = form.elements;
  if (f.body.value || f.name.value || f.district.value || f.contact.value || f.notify.checked) return false;
  const draft = checked('draft');
  return !draft || draft.defaultChecked;
}

/** Clears every trace of the last person and goes back to the start. */
function reset() {
  form.reset();
  for (const n of [1, 2, 3]) setError(n, '');
  $('k-count').textContent = fmt(S.count, { n: 0 });
  $('k-chosen').textContent = '';
  $('k-article-text').replaceChildren();
  for (const id of ['k-receipt-no', 'k-receipt-about', 'k-lookup-code', 'k-receipt-note']) $(id).textContent = '';
  $('k-qr').removeAttribute('src');
  $('k-qr').hidden = true;
  idleBox.hidden = true;
  showArticlesFor(checked('draft')?.value ?? '');
  showStep(1, false);
  lastTouch = Date.now();
}

setInterval(() => {
  if (pristine()) {
    idleBox.hidden = true;
    return;
  }
  const left = Math.ceil(IDLE_SECONDS - (Date.now() - lastTouch) / 1000);
  if (left <= 0) {
    reset();
  } else if (left <= WARN_SECONDS) {
    $('k-idle-count').textContent = String(left);
    idleBox.hidden = false;
  }
}, 1000);
$('k-idle-stay').addEventListener('click', () => {
  lastTouch = Date.now();
  idleBox.hidden = true;
});

// ── Connection, outbox and status ────────────────────────────────────────────
let online = navigator.onLine;
let revoked = false;
let blockedUntil = 0;
let flushing = false;

async function refreshStatus() {
  let c = { pending: 0, rejected: 0 };
  try {
    c = await queue.counts();
  } catch { /* no IndexedDB: nothing can wait */ }
  let text;
  let state;
  // The browser's own word wins: a ping answered just before the network went away must not
  // leave the status saying "sending" while nothing can be sent.
  if (navigator.onLine === false) online = false;
  if (revoked) [text, state] = [S.statusRevoked, 'bad'];
  else if (!online) [text, state] = [c.pending ? fmt(S.statusOfflineWaiting, { n: c.pending }) : S.statusOffline, 'offline'];
  else if (c.pending) [text, state] = [fmt(S.statusSending, { n: c.pending }), 'sending'];
  else [text, state] = [S.statusOnline, 'online'];
  if (c.rejected) text += ` ${fmt(S.statusRejected, { n: c.rejected })}`;
  if (statusEl.textContent !== text) statusEl.textContent = text;
  statusEl.dataset.state = state;
  statusEl.dataset.pending = String(c.pending);
}

/** Sends the waiting submissions, oldest first, until one fails for a transient reason. */
async function flush() {
  if (flushing || revoked || Date.now() < blockedUntil || navigator.onLine === false) return;
  flushing = true;
  try {
    for (const item of await queue.pending()) {
      const r = await send(item.payload);
      if (r.ok) {
        online = true;
        await queue.remove(item.key);
        continue;
      }
      if (r.network || r.status >= 500) {
        online = false;
        break;
      }
      online = true;
      if (r.status === 429) {
        blockedUntil = Date.now() + r.retryAfter * 1000;
        break;
      }
      if (r.status === 401) {
        revoked = true;
        break;
      }
      await queue.reject(item.key, r.body?.error?.code ?? String(r.status));
    }
  } catch { /* IndexedDB unavailable */ } finally {
    flushing = false;
    refreshStatus();
  }
}

/** Asks the server whether it is there and the kiosk still enrolled. */
async function ping() {
  if (navigator.onLine === false) {
    online = false;
    return refreshStatus();
  }
  try {
    const res = await fetch(`${API}/status`, { credentials: 'same-origin', cache: 'no-store' });
    online = res.status < 500;
    revoked = res.status === 401;
    if (res.ok) {
      await flush();
      cacheShell();
    }
  } catch {
    online = false;
  }
  refreshStatus();
}

let shellCached = false;
/** Puts this page and its files in the cache the service worker answers from when offline. */
async function cacheShell() {
  if (shellCached || !('caches' in window)) return;
  shellCached = true;
  const urls = new Set([location.pathname, './kiosk.js', './queue.js', './vendor/qrcode.js', '/favicon.svg']);
  for (const l of document.querySelectorAll('link[rel="stylesheet"]')) urls.add(l.getAttribute('href'));
  try {
    const cache = await caches.open(CACHE);
    await Promise.all([...urls].map(async (u) => {
      const url = new URL(u, u.startsWith('./') ? import.meta.url : location.href);
      const res = await fetch(url, { credentials: 'same-origin', cache: 'no-store' });
      if (res.ok && !res.redirected) await cache.put(url, res);
    }));
  } catch {
    shellCached = false;
  }
}

window.addEventListener('online', () => { online = true; ping(); });
window.addEventListener('offline', () => { online = false; refreshStatus(); });
setInterval(() => { queue.counts().then((c) => (c.pending ? flush() : null)).catch(() => {}); }, 10_000);
setInterval(ping, 30_000);

if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('/kiosk/sw.js', { scope: '/kiosk' }).catch(() => {});
}

reset();
ping();
