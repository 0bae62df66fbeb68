/**
 * GET /api/v1/drafts/{slug}/stats?round=N — totals by channel, by district, by status and per
 * article (hidden comments left out); by adoption and the 三率 once the feedback is published.
 */
import type { APIRoute } from 'astro';
import { draftQuerySchema, queryOf, slugSchema } from '../../../../../server/drafts/schemas';
import { parseOrFail } from '../../../../../server/validation';
import { param } from '../../../../../server/params';
import { json } from '../../../../../server/web/http';
import { getDraftStats } from '../../../../../server/reports/stats';

export const GET: APIRoute = async ({ params, url }) => {
  const slug = param(slugSchema, params.slug, 'DraftNotFound');
  const { round } = parseOrFail(draftQuerySchema, queryOf(url));
  return json(await getDraftStats(slug, round), 200, { 'cache-control': 'public, max-age=30' });
};
