/** GET /healthz — reports whether the database answers. 200 when it does, 503 when not. */
import type { APIRoute } from 'astro';
import { checkHealth } from '../server/health';
import { json } from '../server/web/http';

export const GET: APIRoute = async () => {
  const health = await checkHealth();
  return json(health, health.status === 'ok' ? 200 : 503, { 'cache-control': 'no-store' });
};
