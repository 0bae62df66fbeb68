/** GET /api/v1/drafts/{slug}/diff?from=M&to=N — the articles of round M matched to round N, with the kind of change. */
import type { APIRoute } from 'astro';
import { diffRounds } from '../../../../../server/drafts/diff-rounds';
import { diffQuerySchema, parseInput, queryOf, slugSchema } from '../../../../../server/drafts/schemas';
import { PUBLIC_CACHE, toPublicDiff } from '../../../../../server/drafts/public-shapes';
import { AppError } from '../../../../../server/errors';
import { json } from '../../../../../server/http';

export const GET: APIRoute = async ({ params, url }) => {
  if (!slugSchema.safeParse(params.slug).success) throw new AppError('DraftNotFound');
  const { from, to } = parseInput(diffQuerySchema, queryOf(url));
  return json(toPublicDiff(await diffRounds(params.slug!, from, to)), 200, PUBLIC_CACHE);
};
