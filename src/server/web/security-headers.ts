/** Security headers set on every response (docs/decisions/002-security-headers.md). */
import { secureCookies } from '../config';

export const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "object-src 'none'",
].join('; ');

/** HSTS for a year once the site is served over TLS only (SECURE_COOKIES=true). */
export const strictTransportSecurity = 'max-age=31536000; includeSubDomains';

/**
 * The headers of every response; `signedIn` responses (a session or a token) also get
 * `Cache-Control: no-store` unless they set their own, so no proxy or shared browser cache keeps
 * a page with personal data. Anonymous GETs of the public draft pages get their public
 * Cache-Control, ETag and Last-Modified from web/public-cache.ts; every other response none.
 */
export function applySecurityHeaders(headers: Headers, opts: { signedIn?: boolean } = {}): void {
  if (secureCookies()) headers.set('strict-transport-security', strictTransportSecurity);
  if (opts.signedIn && !headers.has('cache-control')) headers.set('cache-control', 'no-store');
  headers.set('content-security-policy', contentSecurityPolicy);
  headers.set('x-content-type-options', 'nosniff');
  headers.set('referrer-policy', 'strict-origin-when-cross-origin');
  headers.set('x-frame-options', 'DENY');
  headers.set('cross-origin-opener-policy', 'same-origin');
  headers.set('permissions-policy', 'camera=(), microphone=(), geolocation=()');
}

const unsafeMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The one-click unsubscribe link of a notice (RFC 8058): mail clients POST
 * `List-Unsubscribe=One-Click` to it from wherever they run, without cookies. It may come from
 * another site because it only ends the follow its token names (messages/follows.ts unsubscribe).
 */
const crossSiteAllowed = /^\/unsubscribe\/[^/]+$/;

/**
 * True when a state-changing request comes from another site: its Origin differs from ours,
 * or (without Origin) the browser says Sec-Fetch-Site: cross-site. Server-to-server API clients
 * send neither header and are authenticated by bearer token or are anonymous commenters.
 * A POST to an unsubscribe link is never refused (crossSiteAllowed).
 */
export function isCrossOriginWrite(request: Request, url: URL): boolean {
  if (!unsafeMethods.has(request.method)) return false;
  if (request.method === 'POST' && crossSiteAllowed.test(url.pathname)) return false;
  const origin = request.headers.get('origin');
  if (origin !== null) return origin !== url.origin;
  const site = request.headers.get('sec-fetch-site');
  return site === 'cross-site' || site === 'same-site';
}
