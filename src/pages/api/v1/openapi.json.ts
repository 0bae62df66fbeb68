/** GET /api/v1/openapi.json — the OpenAPI 3.1 description of the whole public API. */
import type { APIRoute } from 'astro';
import { openApiDocument } from '../../../server/openapi';
import { json } from '../../../server/web/http';
import { publicOrigin } from '../../../server/config';

/** The servers list names the site's public origin (PUBLIC_URL), never the request's Host header. */
export const GET: APIRoute = () => json({ ...openApiDocument, servers: [{ url: publicOrigin() }] }, 200, { 'cache-control': 'public, max-age=300' });
