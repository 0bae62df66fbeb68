/**
 * GET /api/v1/staff/comments/import/{job} — a large import running as a job (POST
 * /api/v1/staff/comments/import answered 202): { job, status, progress: { stored, perSecond,
 * total, etaSeconds, percent, phase } | null, result, error }. Once done, `result` is the answer a
 * small import gets at once (receipts with their lookup codes), given this once; a job that
 * refused rows has `error` naming each bad line (server/comments/import-job.ts).
 */
import type { APIRoute } from 'astro';
import { requirePermission } from '../../../../../../server/auth/permissions';
import { actorOf } from '../../../../../../server/auth/request-auth';
import { json } from '../../../../../../server/web/http';
import { param, uuid } from '../../../../../../server/params';
import { loadConfig } from '../../../../../../server/config';
import { readImportJob } from '../../../../../../server/comments/import-job';

export const GET: APIRoute = async ({ locals, params }) => {
  requirePermission(locals.user, 'comment:import');
  const id = param(uuid, params.job, 'NotFound');
  return json(await readImportJob(id, actorOf(locals), loadConfig().EXPORT_DIR), 200, { 'cache-control': 'no-store' });
};
