/**
 * POST /api/v1/staff/jobs/{job}/undo: undoes a finished bulk job of tags, untags, assignment or
 * decisions kept internal, as a job of its own (review/bulk-undo.ts, decision 026). 202 { job, total };
 * its progress at GET /api/v1/staff/jobs/{job}. Only the job's starter or an admin; 409 when the job
 * cannot be undone (not finished, a kind that cannot be undone, undone already, nothing changed).
 */
import type { APIRoute } from 'astro';
import { requirePermission } from '../../../../../../server/auth/permissions';
import { actorOf } from '../../../../../../server/auth/request-auth';
import { json } from '../../../../../../server/web/http';
import { param, uuid } from '../../../../../../server/params';
import { startUndo } from '../../../../../../server/review/bulk-undo';

export const POST: APIRoute = async ({ locals, params }) => {
  const user = requirePermission(locals.user, 'comment:read');
  const id = param(uuid, params.job, 'NotFound');
  return json(await startUndo(id, user, actorOf(locals)), 202, { 'cache-control': 'no-store' });
};
