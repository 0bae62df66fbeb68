/**
 * Every request passes here once: database readiness, locale and display preferences, the
 * origin check for writes, error mapping (JSON under /api, friendly pages elsewhere) and the
 * security headers.
 */
import { defineMiddleware } from 'astro:middleware';
import { AppError, errorResponse, isAppError } from './server/errors';
import { localeFromCookie } from './i18n';
import { applySecurityHeaders, isCrossOriginWrite } from './server/security-headers';
import { ensureStarted } from './server/boot';
import { clientIp } from './server/client-ip';

export const onRequest = defineMiddleware(async (context, next) => {
  const { request, url, cookies, locals } = context;
  const isApi = url.pathname.startsWith('/api/');
  locals.locale = localeFromCookie(cookies.get('lang')?.value);
  locals.largeText = cookies.get('text')?.value === 'large';
  locals.user = null;
  locals.ip = clientIp(request, context.clientAddress);

  let response: Response;
  try {
    await ensureStarted();
    if (isCrossOriginWrite(request, url)) throw new AppError('CrossOriginRefused');
    response = await next();
  } catch (err) {
    if (isApi) {
      if (!isAppError(err)) console.error('[api]', request.method, url.pathname, err);
      response = errorResponse(err, locals.locale);
    } else if (isAppError(err) && err.status === 404) {
      response = await context.rewrite('/404');
    } else if (isAppError(err)) {
      response = await renderErrorPage(context.rewrite, err);
    } else {
      throw err;
    }
  }
  // Responses from Astro can have immutable headers (e.g. redirects); copy when needed.
  try {
    applySecurityHeaders(response.headers);
  } catch {
    response = new Response(response.body, response);
    applySecurityHeaders(response.headers);
  }
  return response;
});

async function renderErrorPage(rewrite: (path: string) => Promise<Response>, err: AppError): Promise<Response> {
  const page = await rewrite(`/error?code=${encodeURIComponent(err.code)}`);
  return new Response(page.body, { status: err.status, headers: page.headers });
}
