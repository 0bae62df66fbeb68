/**
 * POST /api/v1/staff/comments/import — bulk intake for partner systems: a CSV body
 * (content-type: text/csv, the columns of `npm run comments:import`) or JSON { rows: [...] },
 * at most 50 MB. Same rules as the command (docs/decisions/009-bulk-import.md). Answers 200
 * { rows, imported, alreadyPresent, grouped, receipts: [{ line, externalId, receipt, lookupCode, status }] }
 * — the only time the lookup codes are shown — or 422 ValidationFailed naming each bad row
 * (`line 12: body`), in which case nothing was imported. A body over 2 MB (about 5,000 letters)
 * runs as a job instead: 202 { job, status, url }, and GET {url} shows its progress and, once
 * done, the same answer, once (server/comments/import-job.ts).
 */
import type { APIRoute } from 'astro';
import { requirePermission } from '../../../../../server/auth/permissions';
import { actorOf } from '../../../../../server/auth/request-auth';
import { json, readJson, readText } from '../../../../../server/web/http';
import { AppError, isAppError, toErrorBody } from '../../../../../server/errors';
import { importComments, type ImportReceipt, type ImportSource } from '../../../../../server/comments/import-comments';
import { clearFacetCache } from '../../../../../server/review/inbox-counts';
import { ASYNC_IMPORT_BYTES, startImportJob } from '../../../../../server/comments/import-job';
import { loadConfig } from '../../../../../server/config';

const LIMIT = 50 * 1024 * 1024;

async function readSource(request: Request): Promise<{ source: ImportSource; text: string; type: 'csv' | 'json' }> {
  const type = request.headers.get('content-type') ?? '';
  if (/^text\/csv\b/i.test(type)) {
    const csv = await readText(request, LIMIT);
    return { source: { csv }, text: csv, type: 'csv' };
  }
  if (!/^application\/json\b/i.test(type)) throw new AppError('UnsupportedMediaType', { expected: 'text/csv, application/json' });
  const body = await readJson(request, LIMIT);
  const rows = (body as { rows?: unknown } | null)?.rows;
  if (!Array.isArray(rows)) throw new AppError('ValidationFailed', {}, [{ field: 'rows', key: 'commentImport.bodyInvalid' }]);
  return { source: { rows }, text: JSON.stringify({ rows }), type: 'json' };
}

export const POST: APIRoute = async ({ locals, request }) => {
  requirePermission(locals.user, 'comment:import');
  const { source, text, type } = await readSource(request);
  if (Buffer.byteLength(text) > ASYNC_IMPORT_BYTES) {
    const job = await startImportJob(text, type, actorOf(locals), loadConfig().EXPORT_DIR);
    const url = `/api/v1/staff/comments/import/${job}`;
    return json({ job, status: 'queued', url }, 202, { 'cache-control': 'no-store', location: url });
  }
  const receipts: ImportReceipt[] = [];
  try {
    const result = await importComments(source, { actor: actorOf(locals), source: 'api', onReceipt: (r) => receipts.push(r) });
    if (result.imported) clearFacetCache();
    return json({ rows: result.rows, imported: result.imported, alreadyPresent: result.alreadyPresent, grouped: result.grouped, receipts }, 200, { 'cache-control': 'no-store' });
  } catch (err) {
    // The rows were readable but not acceptable: 422, so clients tell it from a malformed request.
    if (isAppError(err) && err.code === 'ValidationFailed') {
      return json(toErrorBody(err, locals.locale).body, 422, { 'cache-control': 'no-store' });
    }
    throw err;
  }
};
