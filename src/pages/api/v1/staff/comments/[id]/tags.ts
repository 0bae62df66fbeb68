/**
 * POST /api/v1/staff/comments/{id}/tags with { tags: [string], replace?: boolean }: adds the
 * tags (by name or id; unknown names become free tags), or with replace keeps only these.
 * Answers { tags: [names] } with the comment's tags afterwards.
 */
import type { APIRoute } from 'astro';
import { requirePermission } from '../../../../../../server/auth/permissions';
import { actorOf } from '../../../../../../server/auth/request-auth';
import { json, readJson } from '../../../../../../server/web/http';
import { param, uuid } from '../../../../../../server/params';
import { tagComments, tagsOfComment } from '../../../../../../server/review/tags';
import { tagsRequestSchema } from '../../../../../../server/review/schemas';
import { parseOrFail } from '../../../../../../server/validation';
import { clearFacetCache } from '../../../../../../server/review/inbox-counts';

export const POST: APIRoute = async ({ locals, params, request }) => {
  requirePermission(locals.user, 'comment:tag');
  const id = param(uuid, params.id, 'CommentNotFound');
  const body = parseOrFail(tagsRequestSchema, await readJson(request, 32 * 1024));
  await tagComments([id], body.tags, actorOf(locals), { replace: body.replace });
  clearFacetCache();
  return json({ tags: (await tagsOfComment(id)).map((t) => t.name) }, 200, { 'cache-control': 'no-store' });
};
