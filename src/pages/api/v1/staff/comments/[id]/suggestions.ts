/**
 * POST /api/v1/staff/comments/{id}/suggestions with { tag, accept: boolean }: accepts (the tag is
 * added, audited as any tagging) or rejects (never suggested again for this comment) one tag
 * suggestion. Answers the comment's tags and remaining suggestions.
 */
import type { APIRoute } from 'astro';
import { requirePermission } from '../../../../../../server/auth/permissions';
import { actorOf } from '../../../../../../server/auth/request-auth';
import { json, readJson } from '../../../../../../server/web/http';
import { param, uuid } from '../../../../../../server/params';
import { tagsOfComment } from '../../../../../../server/review/tags';
import { suggestionDecisionSchema } from '../../../../../../server/suggestions/schemas';
import { decideSuggestion, suggestionsOf } from '../../../../../../server/suggestions/suggestions';
import { parseOrFail } from '../../../../../../server/validation';
import { clearFacetCache } from '../../../../../../server/review/inbox-counts';

export const POST: APIRoute = async ({ locals, params, request }) => {
  requirePermission(locals.user, 'comment:tag');
  const id = param(uuid, params.id, 'CommentNotFound');
  const body = parseOrFail(suggestionDecisionSchema, await readJson(request, 8 * 1024));
  await decideSuggestion(id, body, actorOf(locals));
  if (body.accept) clearFacetCache();
  const [tags, suggested] = await Promise.all([tagsOfComment(id), suggestionsOf(id)]);
  return json({ tags: tags.map((t) => t.name), suggestedTags: suggested.map((s) => ({ tag: s.tag, confidence: s.confidence })) }, 200, { 'cache-control': 'no-store' });
};
