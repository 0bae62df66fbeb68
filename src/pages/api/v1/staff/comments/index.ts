/** GET /api/v1/staff/comments — the inbox for partner systems and scripts: same filters, search and cursor. */
import type { APIRoute } from 'astro';
import { requirePermission } from '../../../../../server/auth/permissions';
import { json } from '../../../../../server/web/http';
import { listInbox, parseInboxFilters } from '../../../../../server/review/inbox';
import { apiListItem } from '../../../../../server/review/api-shapes';

export const GET: APIRoute = async ({ locals, url }) => {
  const user = requirePermission(locals.user, 'comment:read');
  const page = await listInbox(parseInboxFilters(url.searchParams), user);
  return json({ items: page.items.map(apiListItem), nextCursor: page.nextCursor }, 200, { 'cache-control': 'no-store' });
};
