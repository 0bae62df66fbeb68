/** GET /api/v1/openapi.json — the OpenAPI 3.1 description of the whole public API. */
import type { APIRoute } from 'astro';
import { openApiDocument } from '../../../server/openapi';
import { json } from '../../../server/http';

export const GET: APIRoute = () => json(openApiDocument, 200, { 'cache-control': 'public, max-age=300' });
