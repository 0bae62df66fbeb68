/** GET /staff/exports/{id}/download — the finished file of one's own export job (audited). */
import type { APIRoute } from 'astro';
import { requirePermission } from '../../../../server/auth/permissions';
import { errorResponse } from '../../../../server/errors';
import { loadConfig } from '../../../../server/config';
import { attachment, openExportFile } from '../../../../server/reports/report-export';

export const GET: APIRoute = async ({ params, locals, request }) => {
  try {
    const user = requirePermission(locals.user, 'report:export');
    const file = await openExportFile(params.id ?? '', user, loadConfig().EXPORT_DIR, locals.ip);
    const ext = file.fileName.split('.').pop();
    return new Response(file.stream, {
      headers: {
        'content-type': file.contentType,
        'content-length': String(file.size),
        'content-disposition': attachment(file.fileName, `kaimen-report-${params.id}.${ext}`),
        'cache-control': 'no-store',
      },
    });
  } catch (err) {
    if (locals.user?.via === 'token' || /application\/json/.test(request.headers.get('accept') ?? '')) return errorResponse(err, locals.locale);
    throw err;
  }
};
