/** Prometheus metrics, for the addresses in METRICS_ALLOW only; everyone else finds nothing here. */
import type { APIRoute } from 'astro';
import { AppError } from '../server/errors';
import { metricsAllowed, renderMetrics } from '../server/metrics';

export const GET: APIRoute = async ({ locals }) => {
  if (!metricsAllowed(locals.ip)) throw new AppError('NotFound');
  const { body, contentType } = await renderMetrics();
  return new Response(body, { headers: { 'content-type': contentType, 'cache-control': 'no-store' } });
};
