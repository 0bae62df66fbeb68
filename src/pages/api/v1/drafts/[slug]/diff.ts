/** GET /api/v1/drafts/{slug}/diff?from=M&to=N — the articles of round M matched to round N, with the kind of change. */
import type { APIRoute } from 'astro';
import { diffRounds } from '../../../../../server/drafts/diff-rounds';
import { diffQuerySchema, queryOf, slugSchema } from '../../../../../server/drafts/schemas';
import { parseOrFail } from '../../../../../server/validation';
import { param } from '../../../../../server/params';
import { PUBLIC_CACHE, toPublicDiff } from '../../../../../server/drafts/public-shapes';
import { json } from '../../../../../server/web/http';

export const GET: APIRoute = async ({ params, url }) => {
  const slug = param(slugSchema, params.slug, 'DraftNotFound');
  const { from, to } = parseOrFail(diffQuerySchema, queryOf(url));
  return json(toPublicDiff(await diffRounds(slug, from, to)), 200, PUBLIC_CACHE);
};
