/**
 * Which non-API routes take a POST. A page handles one when its source tests
 * `Astro.request.method === 'POST'` (the one way, src/server/web/forms.ts); an endpoint when it
 * exports POST. Astro would otherwise render any page for any method, so a POST to a page without
 * a form (a citizen posting `role=admin` to /account) would look like it worked; the middleware
 * answers those with 405 instead. The sources are read at build time (Vite glob, raw).
 */
const sources = import.meta.glob(['../../pages/**/*.astro', '../../pages/**/*.ts', '!../../pages/api/**'], {
  query: '?raw', import: 'default', eager: true,
}) as Record<string, string>;

/** '../../pages/drafts/[slug]/comment.astro' → '/drafts/[slug]/comment', as Astro's routePattern. */
function patternOf(file: string): string {
  return file.replace(/^\.\.\/\.\.\/pages/, '').replace(/\.(astro|ts)$/, '').replace(/\/index$/, '') || '/';
}

const postRoutes = new Set(
  Object.entries(sources)
    .filter(([file, source]) => (file.endsWith('.astro')
      ? /method\s*===?\s*'POST'/.test(source)
      : /export\s+(?:const|async\s+function|function)\s+(?:POST|ALL)\b/.test(source)))
    .map(([file]) => patternOf(file)),
);

/** Methods a page route may be asked with at all (HEAD and OPTIONS are answered by Astro). */
const readMethods = new Set(['GET', 'HEAD', 'OPTIONS']);
const errorPages = new Set(['/404', '/500', '/error']);

/**
 * The pages the middleware renders errors with (context.rewrite runs the middleware again, with
 * the original request: its checks must not refuse the error page itself, or Astro reports a loop).
 */
export function isErrorPage(routePattern: string): boolean {
  return errorPages.has(routePattern);
}

/** True when `method` on the page or endpoint `routePattern` (Astro's, e.g. /drafts/[slug]) is handled. */
export function pageAllowsMethod(routePattern: string, method: string): boolean {
  // The error pages render whatever the request was (a POST to an unknown path is a 404).
  if (readMethods.has(method) || errorPages.has(routePattern)) return true;
  return method === 'POST' && postRoutes.has(routePattern);
}
