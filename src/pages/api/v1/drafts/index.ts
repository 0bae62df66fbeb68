/** GET /api/v1/drafts — every draft with its rounds and their comment periods. */
import type { APIRoute } from 'astro';
import { listDrafts } from '../../../../server/drafts/list-drafts';
import { PUBLIC_CACHE, toPublicDraftList } from '../../../../server/drafts/public-shapes';
import { json } from '../../../../server/web/http';

export const GET: APIRoute = async () => {
  return json(toPublicDraftList(await listDrafts()), 200, PUBLIC_CACHE);
};
