/** GET /prefs?lang=en|zh-CN or ?text=large|normal, then back: display preferences in cookies. */
import type { APIRoute } from 'astro';
import { isLocale } from '../i18n';
import { safeRedirect } from '../server/web/redirects';

export const GET: APIRoute = ({ url, cookies, redirect }) => {
  const lang = url.searchParams.get('lang');
  const text = url.searchParams.get('text');
  const opts = { path: '/', maxAge: 365 * 86400, sameSite: 'lax' as const, httpOnly: true };
  if (isLocale(lang)) cookies.set('lang', lang, opts);
  if (text === 'large' || text === 'normal') cookies.set('text', text, opts);
  return redirect(safeRedirect(url.searchParams.get('back')), 303);
};
