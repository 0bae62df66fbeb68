/**
 * POST /api/v1/staff/comments/bulk with { filter, action: { kind, … }, overwrite? }: the action on
 * every comment matching the filter (the inbox's query fields), run as a job
 * (review/bulk-filter.ts). 202 { job, matched }; a filter matching nothing: 200 { job: null,
 * matched: 0 }. Refused before any row changes without the action's permission or its rules.
 */
import type { APIRoute } from 'astro';
import { requirePermission } from '../../../../../server/auth/permissions';
import { actorOf } from '../../../../../server/auth/request-auth';
import { json, readJson } from '../../../../../server/web/http';
import { startBulk } from '../../../../../server/review/bulk-filter';

export const POST: APIRoute = async ({ locals, request }) => {
  const user = requirePermission(locals.user, 'comment:read');
  const started = await startBulk(await readJson(request, 64 * 1024), user, actorOf(locals));
  return json(started, started.job ? 202 : 200, { 'cache-control': 'no-store' });
};
