/**
 * Every redirect whose target comes from a request (`?next=`, `?back=`) goes through
 * safeRedirect: the target is resolved as a browser would (WHATWG URL: tabs and newlines removed,
 * backslashes read as slashes, `//host` and absolute URLs kept) against a stand-in origin, and only
 * a path on that same origin is kept — percent-encoded, so it is always a valid header value.
 */
const BASE = 'https://kaimen.invalid';

/** A same-origin path (with query and fragment) for `target`, or `fallback` for anything else. */
export function safeRedirect(target: string | null | undefined, fallback = '/'): string {
  if (!target || target.length > 2000) return fallback;
  let url: URL;
  try {
    url = new URL(target, `${BASE}/`);
  } catch {
    return fallback;
  }
  if (url.origin !== BASE || !url.pathname.startsWith('/') || url.pathname.startsWith('//')) return fallback;
  return url.pathname + url.search + url.hash;
}
