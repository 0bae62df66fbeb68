/**
 * GET /drafts/{slug}/data.csv?round=N — the public comments of a round whose feedback is published,
 * as CSV (UTF-8 with BOM, formula cells neutralised): no contact, no receipt, no hidden comment,
 * names only where the commenter consented, decisions only where the response was published.
 */
import type { APIRoute } from 'astro';
import { PassThrough, Readable } from 'node:stream';
import { draftQuerySchema, queryOf, slugSchema } from '../../../server/drafts/schemas';
import { parseOrFail } from '../../../server/validation';
import { param } from '../../../server/params';
import { AppError } from '../../../server/errors';
import { loadReportScope } from '../../../server/reports/adoption-report';
import { writeCommentsCsv } from '../../../server/reports/export-csv';
import { attachment } from '../../../server/reports/report-export';

export const GET: APIRoute = async ({ params, url, locals }) => {
  const slug = param(slugSchema, params.slug, 'DraftNotFound');
  const { round } = parseOrFail(draftQuerySchema, queryOf(url));
  const scope = await loadReportScope(slug, round);
  if (!scope.round.feedbackPublishedAt) throw new AppError('FeedbackNotPublished');
  const out = new PassThrough();
  writeCommentsCsv(scope, 'public', out, { locale: locals.locale }).catch((err) => out.destroy(err instanceof Error ? err : new Error(String(err))));
  const name = `${scope.draft.title}-${scope.round.label}-公开意见.csv`;
  return new Response(Readable.toWeb(out) as ReadableStream<Uint8Array>, {
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': attachment(name, `${scope.draft.slug}-round-${scope.round.number}-comments.csv`),
      'cache-control': 'public, max-age=300',
    },
  });
};
