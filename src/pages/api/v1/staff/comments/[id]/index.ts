/** GET /api/v1/staff/comments/{id} — the comment with tags, group, decision and audit history. */
import type { APIRoute } from 'astro';
import { can, requirePermission } from '../../../../../../server/auth/permissions';
import { json } from '../../../../../../server/web/http';
import { param, uuid } from '../../../../../../server/params';
import { getStaffComment } from '../../../../../../server/review/comment-view';
import { apiComment } from '../../../../../../server/review/api-shapes';

export const GET: APIRoute = async ({ locals, params }) => {
  const user = requirePermission(locals.user, 'comment:read');
  const c = await getStaffComment(param(uuid, params.id, 'CommentNotFound'), { canViewContact: can(user, 'contact:view') });
  return json(apiComment(c), 200, { 'cache-control': 'no-store' });
};
