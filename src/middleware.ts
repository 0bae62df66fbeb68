/**
 * Every request passes here once: database readiness, locale and display preferences, the
 * origin check for writes, who is asking (session cookie or bearer token), the general limit on
 * writes per IP, error mapping (JSON under /api, friendly pages elsewhere; sign-in for pages
 * that need it) and the security headers.
 */
import { defineMiddleware } from 'astro:middleware';
import { AppError, errorResponse, isAppError, normaliseError } from './server/errors';
import { localeFromCookie } from './i18n';
import { applySecurityHeaders, isCrossOriginWrite } from './server/web/security-headers';
import { isPublicCachedPage, servePublicPage } from './server/web/public-cache';
import { maybeFromReplica, readsFromReplica } from './server/web/replica-reads';
import { ensureStarted } from './server/boot';
import { clientIp } from './server/web/client-ip';
import { authenticateRequest } from './server/auth/request-auth';
import { enforceLimits } from './server/auth/rate-limit';
import { writeLimits } from './server/web/write-limit';
import { isErrorPage, pageAllowsMethod } from './server/web/page-methods';
import { log, logAccess, requestIdOf, serverWritesAccessLog } from './server/log';
import { observeRequest } from './server/metrics';

const writeMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export const onRequest = defineMiddleware(async (context, next) => {
  const { request, url, cookies, locals } = context;
  const isApi = url.pathname.startsWith('/api/');
  // An error page rendered by rewrite passes here again with the same locals: count and log once.
  const outer = locals.requestId === undefined;
  const started = performance.now();
  locals.requestId ??= requestIdOf(request.headers.get('x-request-id'));
  locals.locale = localeFromCookie(cookies.get('lang')?.value);
  locals.largeText = cookies.get('text')?.value === 'large';
  locals.user = null;
  locals.ip = clientIp(request, socketAddress(context));

  let response: Response;
  let staleCookie = false;
  try {
    await ensureStarted();
    // An error page rendered by rewrite (below) sees the original request again: check it once.
    const errorPage = isErrorPage(context.routePattern);
    if (isCrossOriginWrite(request, url) && !errorPage) throw new AppError('CrossOriginRefused');
    // A page without a form must not render as if a POST to it had worked (e.g. role=admin to /account).
    if (!isApi && context.routePattern && !pageAllowsMethod(context.routePattern, request.method)) throw new AppError('MethodNotAllowed');
    const auth = await authenticateRequest(request, cookies);
    locals.user = auth.user;
    staleCookie = auth.staleCookie;
    if (writeMethods.has(request.method) && !errorPage) await enforceLimits(await writeLimits(request, cookies, auth.user, locals.ip));
    // The public draft pages, asked anonymously: ETag, 304 and the kept render (web/public-cache.ts).
    const anonymous = auth.user === null && !auth.staleCookie && !request.headers.has('authorization');
    locals.sharedPage = anonymous && !errorPage && isPublicCachedPage(context.routePattern);
    // Anonymous reading pages may read from the replica (web/replica-reads.ts, src/db/replica.ts).
    response = await maybeFromReplica(!errorPage && readsFromReplica(request.method, context.routePattern, anonymous), async () =>
      (locals.sharedPage ? await servePublicPage(context, () => next()) : undefined) ?? await next());
    // A known API route without a handler for this method: Astro answers with its HTML 404.
    if (isApi && response.status === 404 && !/json/i.test(response.headers.get('content-type') ?? '')) throw new AppError('MethodNotAllowed');
  } catch (caught) {
    const err = normaliseError(caught);
    if (isApi) {
      if (!isAppError(err)) log.error({ req: { id: locals.requestId }, err }, 'unhandled error');
      response = errorResponse(err, locals.locale);
    } else if (isAppError(err) && err.status === 401 && request.headers.has('authorization')) {
      // An API client with a bad bearer token (e.g. on a report download): JSON, not the sign-in page.
      response = errorResponse(err, locals.locale);
    } else if (isAppError(err) && err.status === 401) {
      // A page that needs a signed-in user: sign in, then come back (GET) here.
      const next = encodeURIComponent(url.pathname + url.search);
      response = context.redirect(`/signin?next=${next}${staleCookie ? '&expired=1' : ''}`, 303);
    } else if (isAppError(err) && err.status === 404) {
      response = await context.rewrite(errorPageTarget(request, url, '/404'));
    } else if (isAppError(err)) {
      locals.failure = err; // the error page lists its field issues (a bad query value)
      response = await renderErrorPage((path) => context.rewrite(errorPageTarget(request, url, path)), err);
    } else {
      // Astro renders the 500 page (which shows the request id); the line says what happened.
      log.error({ req: { id: locals.requestId }, err }, 'unhandled error');
      if (outer) record(context, 500, started);
      throw err;
    }
  }
  // Responses from Astro can have immutable headers (e.g. redirects); copy when needed.
  // A request that carried credentials (even expired ones) may get a page with personal data.
  const signedIn = locals.user !== null || staleCookie || request.headers.has('authorization');
  try {
    applySecurityHeaders(response.headers, { signedIn });
    response.headers.set('X-Request-Id', locals.requestId);
  } catch {
    response = new Response(response.body, response);
    applySecurityHeaders(response.headers, { signedIn });
    response.headers.set('X-Request-Id', locals.requestId);
  }
  if (outer) record(context, response.status, started);
  return response;
});

/**
 * Metrics under the route pattern; the access line too, unless scripts/serve.ts writes it (it
 * also sees the static files and what it refuses itself), i.e. under `astro dev`.
 */
function record(context: { request: Request; url: URL; routePattern?: string; locals: App.Locals }, status: number, started: number): void {
  const ms = performance.now() - started;
  observeRequest(context.request.method, context.routePattern || 'unmatched', status, ms / 1000);
  if (!serverWritesAccessLog()) {
    logAccess({ id: context.locals.requestId!, method: context.request.method, path: context.url.pathname, status, ms });
  }
}

/** The peer's address; Astro throws when the socket has already gone (a client that hung up). */
function socketAddress(context: { clientAddress: string }): string | undefined {
  try {
    return context.clientAddress;
  } catch {
    return undefined;
  }
}

/**
 * Where to rewrite for an error page. Astro copies the request, body and all, and cannot once a
 * page has read the body (a form that then found nothing): that request goes on as a GET.
 */
function errorPageTarget(request: Request, url: URL, path: string): string | Request {
  return request.bodyUsed ? new Request(new URL(path, url), { headers: request.headers }) : path;
}

async function renderErrorPage(rewrite: (path: string) => Promise<Response>, err: AppError): Promise<Response> {
  const page = await rewrite(`/error?code=${encodeURIComponent(err.code)}`);
  const headers = new Headers(page.headers);
  for (const [name, value] of Object.entries(err.headers)) headers.set(name, value);
  return new Response(page.body, { status: err.status, headers });
}
