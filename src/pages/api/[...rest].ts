/** Any unknown /api path: a JSON 404, never the HTML page. */
import type { APIRoute } from 'astro';
import { AppError } from '../../server/errors';

export const ALL: APIRoute = () => {
  throw new AppError('NotFound');
};
