/** GET /api/v1/drafts/{slug}?round=N — one round of a draft, clause by clause, with comment counts. */
import type { APIRoute } from 'astro';
import { getDraftRound } from '../../../../../server/drafts/get-draft';
import { draftQuerySchema, queryOf, slugSchema } from '../../../../../server/drafts/schemas';
import { parseOrFail } from '../../../../../server/validation';
import { param } from '../../../../../server/params';
import { PUBLIC_CACHE, toPublicDraftRound } from '../../../../../server/drafts/public-shapes';
import { json } from '../../../../../server/web/http';

export const GET: APIRoute = async ({ params, url }) => {
  const slug = param(slugSchema, params.slug, 'DraftNotFound');
  const { round } = parseOrFail(draftQuerySchema, queryOf(url));
  return json(toPublicDraftRound(await getDraftRound(slug, round)), 200, PUBLIC_CACHE);
};
