/**
 * GET /staff/drafts/{slug}/rounds/{n}/report.docx|.xlsx|.csv — the adoption report (session or
 * bearer token, report:export). A small round streams at once; a large one becomes a background
 * job: API clients (bearer token, or Accept: application/json) get 202 with a Location to poll,
 * browsers are sent (303) to the job's page, which shows progress and the download link.
 */
import type { APIRoute } from 'astro';
import { requirePermission } from '../../../../../../server/auth/permissions';
import { AppError, errorResponse } from '../../../../../../server/errors';
import { json } from '../../../../../../server/web/http';
import { roundNumberSchema, slugSchema } from '../../../../../../server/drafts/schemas';
import { attachment, contentTypes, reportFileName, reportFormats, requestReportExport, streamReport } from '../../../../../../server/reports/report-export';

const wantsJson = (request: Request, via?: string) => via === 'token' || /application\/json/.test(request.headers.get('accept') ?? '');

export const GET: APIRoute = async ({ params, locals, request, redirect }) => {
  try {
    const user = requirePermission(locals.user, 'report:export');
    const format = reportFormats.find((f) => f === params.format);
    if (!format) throw new AppError('NotFound');
    if (!slugSchema.safeParse(params.slug).success) throw new AppError('DraftNotFound');
    const round = roundNumberSchema.safeParse(params.n);
    if (!round.success) throw new AppError('RoundNotFound');
    const plan = await requestReportExport({ slug: params.slug!, round: round.data, format, user, ip: locals.ip, locale: locals.locale });
    if (plan.mode === 'job') {
      const location = `/staff/exports/${plan.job.id}`;
      if (!wantsJson(request, user.via)) return redirect(`${location}?started=1`, 303);
      return json({ job: { id: plan.job.id, status: plan.job.status, progress: plan.job.progress, url: location } }, 202, { location });
    }
    const name = reportFileName(plan.scope, format);
    return new Response(streamReport(plan, locals.locale), {
      headers: {
        'content-type': contentTypes[format],
        'content-disposition': attachment(name, `${plan.scope.draft.slug}-round-${plan.scope.round.number}-report.${format}`),
        'cache-control': 'no-store',
      },
    });
  } catch (err) {
    // API clients get the catalogue's JSON; browsers get the usual pages (sign-in, 404, error).
    if (wantsJson(request, locals.user?.via) || (request.headers.get('authorization') ?? '').startsWith('Bearer ')) return errorResponse(err, locals.locale);
    throw err;
  }
};
