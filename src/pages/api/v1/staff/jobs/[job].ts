/**
 * GET /api/v1/staff/jobs/{job}: a background job's progress — a bulk action's { state, done,
 * total, changed, skipped, skippedBy }, an export's percent (review/bulk-filter.ts jobStatus).
 */
import type { APIRoute } from 'astro';
import { requirePermission } from '../../../../../server/auth/permissions';
import { json } from '../../../../../server/web/http';
import { param, uuid } from '../../../../../server/params';
import { jobStatus } from '../../../../../server/review/bulk-filter';

export const GET: APIRoute = async ({ locals, params }) => {
  requirePermission(locals.user, 'comment:read');
  const id = param(uuid, params.job, 'NotFound');
  const s = await jobStatus(id);
  return json({ ...s, createdAt: s.createdAt.toISOString(), finishedAt: s.finishedAt?.toISOString() ?? null }, 200, { 'cache-control': 'no-store' });
};
