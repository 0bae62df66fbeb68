/**
 * POST /api/v1/staff/comments/{id}/decision with { adoption, reason?, response?, publish? }:
 * the workspace's rules (reason required except adopted and pending; approval when the draft
 * requires it). Answers with the comment as GET returns it.
 */
import type { APIRoute } from 'astro';
import { can, requirePermission } from '../../../../../../server/auth/permissions';
import { actorOf } from '../../../../../../server/auth/request-auth';
import { json, readJson } from '../../../../../../server/web/http';
import { param, uuid } from '../../../../../../server/params';
import { decideAdoption } from '../../../../../../server/review/decide';
import { decisionSchema } from '../../../../../../server/review/schemas';
import { parseOrFail } from '../../../../../../server/validation';
import { getStaffComment } from '../../../../../../server/review/comment-view';
import { apiComment } from '../../../../../../server/review/api-shapes';
import { clearFacetCache } from '../../../../../../server/review/inbox-counts';

export const POST: APIRoute = async ({ locals, params, request }) => {
  const user = requirePermission(locals.user, 'comment:decide');
  const id = param(uuid, params.id, 'CommentNotFound');
  const body = parseOrFail(decisionSchema, await readJson(request, 32 * 1024));
  await decideAdoption({ ids: [id] }, body, actorOf(locals));
  clearFacetCache();
  return json(apiComment(await getStaffComment(id, { canViewContact: can(user, 'contact:view') })), 200, { 'cache-control': 'no-store' });
};
