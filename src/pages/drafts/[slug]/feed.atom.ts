/**
 * GET /drafts/{slug}/feed.atom — the Atom feed of one draft: its rounds opened and feedback
 * published, newest first. A draft that does not exist or has no published round is a 404.
 */
import type { APIRoute } from 'astro';
import { slugSchema } from '../../../server/drafts/schemas';
import { param } from '../../../server/params';
import { ATOM_CONTENT_TYPE, buildDraftsFeed } from '../../../server/drafts/feeds';
import { PUBLIC_CACHE } from '../../../server/drafts/public-shapes';

export const GET: APIRoute = async ({ params, locals }) => {
  const slug = param(slugSchema, params.slug, 'DraftNotFound');
  const { xml } = await buildDraftsFeed(slug, locals.locale);
  // The language comes from the lang cookie: a shared cache must keep the two apart.
  return new Response(xml, { headers: { 'content-type': ATOM_CONTENT_TYPE, ...PUBLIC_CACHE, vary: 'cookie' } });
};
