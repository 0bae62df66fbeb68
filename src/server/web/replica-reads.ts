/**
 * Which requests may read from the replica (src/db/replica.ts): an anonymous GET or HEAD of a
 * reading page or its read-only API — the draft, an article, the comparison, the statistics, the
 * published feedback, data.csv, the feeds and the list of drafts. Nothing here must see a write
 * the same person just made: the receipt page after a submission, every signed-in page and every
 * staff page are not listed, or not anonymous, and read the primary.
 */
import { withReplicaReads } from '../../db/replica';

const readingRoutes = new Set([
  '/',
  '/feed.atom',
  '/drafts/[slug]',
  '/drafts/[slug]/articles/[n]',
  '/drafts/[slug]/diff',
  '/drafts/[slug]/stats',
  '/drafts/[slug]/feedback',
  '/drafts/[slug]/data.csv',
  '/drafts/[slug]/feed.atom',
  '/api/v1/drafts',
  '/api/v1/drafts/[slug]',
  '/api/v1/drafts/[slug]/diff',
  '/api/v1/drafts/[slug]/stats',
]);

/** True when an anonymous request of `method` to `routePattern` may be served from the replica. */
export function readsFromReplica(method: string, routePattern: string | undefined, anonymous: boolean): boolean {
  return anonymous && (method === 'GET' || method === 'HEAD') && routePattern !== undefined && readingRoutes.has(routePattern);
}

/** Runs `render` with getReadDb() allowed to answer from the replica when `allowed`. */
export function maybeFromReplica<T>(allowed: boolean, render: () => Promise<T>): Promise<T> {
  return allowed ? withReplicaReads(render) : render();
}
