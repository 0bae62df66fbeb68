/** GET /feed.atom — the Atom feed of every published draft: rounds opened and feedback published, newest first. */
import type { APIRoute } from 'astro';
import { ATOM_CONTENT_TYPE, buildDraftsFeed } from '../server/drafts/feeds';
import { PUBLIC_CACHE } from '../server/drafts/public-shapes';

export const GET: APIRoute = async ({ locals }) => {
  const { xml } = await buildDraftsFeed(null, locals.locale);
  // The language comes from the lang cookie: a shared cache must keep the two apart.
  return new Response(xml, { headers: { 'content-type': ATOM_CONTENT_TYPE, ...PUBLIC_CACHE, vary: 'cookie' } });
};
