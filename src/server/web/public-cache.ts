/**
 * HTTP caching of the public draft pages — the draft (/drafts/{slug}), one article
 * (/drafts/{slug}/articles/{n}) and the comparison (/drafts/{slug}/diff) — for anonymous GETs:
 * - a weak ETag from the page's state (drafts/page-state.ts: one cheap statement), the build, the
 *   address, the language and the text size; `Last-Modified` when this instance first served
 *   that ETag for that address (strictly later for each new ETag of the address);
 * - 304 for If-None-Match (or, without it, If-Modified-Since) that still holds;
 * - `Cache-Control: public, max-age=10, stale-while-revalidate=30` and `Vary: Cookie` (the
 *   language and text size are cookies, src/middleware.ts), so a proxy in front may serve them;
 * - the rendered bytes kept in this process under the ETag: a later request with the same state
 *   is sent without rendering, and requests arriving while it renders wait for that one render. This is a cache, never state: it holds nothing the database does
 *   not say, is bounded (entries and bytes), and a new ETag simply renders again.
 * A signed-in request (a session, even expired, or a token) never passes here: its page carries
 * personal bits and is `no-store` (security-headers.ts). A render that sets a cookie, or answers
 * anything but 200, is passed on untouched and not kept; the comment forms of a shared page carry
 * no idempotency key (components/CommentForm.astro: the browser adds its own).
 */
import { slugSchema } from '../drafts/schemas';
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { draftPageState, type DraftPageState } from '../drafts/page-state';

export const PUBLIC_CACHE_CONTROL = 'public, max-age=10, stale-while-revalidate=30';

const routes: Record<string, { withComments: boolean }> = {
  '/drafts/[slug]': { withComments: true },
  '/drafts/[slug]/articles/[n]': { withComments: true },
  '/drafts/[slug]/diff': { withComments: false },
};

/** The build this process serves (its bundle's path and time): a new build's pages get new ETags. */
const buildId = (() => {
  const file = fileURLToPath(import.meta.url);
  try {
    return `${file}:${statSync(file).mtimeMs}`;
  } catch {
    return `${file}:${Date.now()}`;
  }
})();

interface Entry {
  etag: string;
  lastModified: number;
  body: Uint8Array<ArrayBuffer>;
  contentType: string;
}

const MAX_ENTRIES = 256;
const MAX_BYTES = 48 * 2 ** 20;
/** Address key → the latest page rendered for it (Map order: least recently used first). */
const pages = new Map<string, Entry>();
/** Address key → the Last-Modified given to its latest ETag (kept apart: a 304 needs no body). */
const seen = new Map<string, { etag: string; lastModified: number }>();
let bytes = 0;
/** Address key → the render under way for it (concurrent misses render once). */
const rendering = new Map<string, { etag: string; entry: Promise<Entry | null> }>();

export interface PublicPageContext {
  request: Request;
  url: URL;
  routePattern?: string;
  params: Record<string, string | undefined>;
  locals: { locale: string; largeText: boolean };
  /** Astro's cookie jar: a render that set one is not shared. */
  cookies?: { headers(): Iterable<string> };
}

/** True when `routePattern` is one of the pages cached here. */
export function isPublicCachedPage(routePattern: string | undefined): boolean {
  return routePattern !== undefined && routePattern in routes;
}

/**
 * Answers an anonymous GET of a cached page: 304, the kept bytes, or `render()`'s response kept
 * for next time; undefined when the request is not for such a page (the caller renders as usual).
 */
export async function servePublicPage(ctx: PublicPageContext, render: () => Promise<Response>): Promise<Response | undefined> {
  if (ctx.request.method !== 'GET' || !isPublicCachedPage(ctx.routePattern)) return undefined;
  const slug = ctx.params.slug;
  // Not a well-formed slug (e.g. a NUL byte): the page itself answers 404, uncached.
  if (!slug || !slugSchema.safeParse(slug).success) return undefined;
  const state = await recentState(slug, routes[ctx.routePattern!].withComments);
  // No such draft: the page answers its 404 itself.
  if (!state) return undefined;
  const key = `${ctx.locals.locale}|${ctx.locals.largeText ? 'L' : 'n'}|${ctx.url.pathname}${ctx.url.search}`;
  const etag = `W/"${createHash('sha1').update(`${buildId}|${key}|${state.digest}`).digest('base64url').slice(0, 27)}"`;
  const lastModified = lastModifiedOf(key, etag);

  if (notModified(ctx.request.headers, etag, lastModified)) {
    return new Response(null, { status: 304, headers: cacheHeaders(etag, lastModified) });
  }
  const kept = pages.get(key);
  if (kept && kept.etag === etag) {
    pages.delete(key);
    pages.set(key, kept);
    return new Response(kept.body, { status: 200, headers: { ...cacheHeaders(etag, lastModified), 'content-type': kept.contentType } });
  }

  // The same page being rendered for another request right now: wait for its bytes, once.
  const pending = rendering.get(key);
  if (pending && pending.etag === etag) {
    const entry = await pending.entry;
    if (entry) return new Response(entry.body, { status: 200, headers: { ...cacheHeaders(etag, lastModified), 'content-type': entry.contentType } });
  }
  let settle: (entry: Entry | null) => void = () => {};
  const mine = { etag, entry: new Promise<Entry | null>((ok) => { settle = ok; }) };
  if (!pending) rendering.set(key, mine);
  try {
    const response = await render();
    const setsCookie = ctx.cookies ? [...ctx.cookies.headers()].length > 0 : false;
    if (response.status !== 200 || setsCookie || response.headers.has('set-cookie')) return response;
    const body = new Uint8Array(await response.arrayBuffer());
    const contentType = response.headers.get('content-type') ?? 'text/html; charset=utf-8';
    const entry = { etag, lastModified, body, contentType };
    keep(key, entry);
    settle(entry);
    const headers = new Headers(response.headers);
    for (const [name, value] of Object.entries(cacheHeaders(etag, lastModified))) headers.set(name, value);
    return new Response(body, { status: 200, headers });
  } finally {
    settle(null);
    if (rendering.get(key) === mine) rendering.delete(key);
  }
}

/**
 * The page state read at most once a second per draft and kind, shared by the requests of that
 * second (and by those arriving while it is read): at hundreds of requests a second the state's
 * statement would otherwise cost more than sending the kept page. A page is thus at most a second
 * behind the database — less than the ten seconds a proxy may keep it (PUBLIC_CACHE_CONTROL).
 */
export const STATE_TTL_MS = 1000;
const states = new Map<string, { at: number; state: Promise<DraftPageState | null> }>();

function recentState(slug: string, withComments: boolean): Promise<DraftPageState | null> {
  const key = `${withComments ? 'c' : 'n'}|${slug}`;
  const now = Date.now();
  const hit = states.get(key);
  if (hit && now - hit.at < STATE_TTL_MS) return hit.state;
  const state = draftPageState(slug, { withComments });
  if (states.size >= MAX_ENTRIES) states.delete(states.keys().next().value!);
  states.set(key, { at: now, state });
  // A failed read is not kept: the next request asks again.
  state.catch(() => { if (states.get(key)?.state === state) states.delete(key); });
  return state;
}

function cacheHeaders(etag: string, lastModified: number): Record<string, string> {
  return { etag, 'last-modified': new Date(lastModified).toUTCString(), 'cache-control': PUBLIC_CACHE_CONTROL, vary: 'Cookie' };
}

/** When this instance first gave `etag` for `key`, to the second, and later than the key's earlier ETag. */
function lastModifiedOf(key: string, etag: string): number {
  const before = seen.get(key);
  if (before?.etag === etag) return before.lastModified;
  const now = Math.floor(Date.now() / 1000) * 1000;
  const lastModified = before ? Math.max(now, before.lastModified + 1000) : now;
  if (!before && seen.size >= MAX_ENTRIES * 4) seen.delete(seen.keys().next().value!);
  seen.set(key, { etag, lastModified });
  return lastModified;
}

/** RFC 9110 §13.2.2: If-None-Match decides when present; else If-Modified-Since. */
function notModified(headers: Headers, etag: string, lastModified: number): boolean {
  const inm = headers.get('if-none-match');
  if (inm !== null) {
    if (inm.trim() === '*') return true;
    const weak = (tag: string) => tag.trim().replace(/^W\//, '');
    return inm.split(',').some((tag) => weak(tag) === weak(etag));
  }
  const ims = headers.get('if-modified-since');
  if (ims === null) return false;
  const since = Date.parse(ims);
  return Number.isFinite(since) && lastModified <= since;
}

function keep(key: string, entry: Entry): void {
  const old = pages.get(key);
  if (old) {
    bytes -= old.body.byteLength;
    pages.delete(key);
  }
  if (entry.body.byteLength > MAX_BYTES / 8) return;
  pages.set(key, entry);
  bytes += entry.body.byteLength;
  while (pages.size > MAX_ENTRIES || bytes > MAX_BYTES) {
    const [oldestKey, oldest] = pages.entries().next().value!;
    pages.delete(oldestKey);
    bytes -= oldest.body.byteLength;
  }
}
