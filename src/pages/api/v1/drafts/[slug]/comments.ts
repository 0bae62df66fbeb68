/**
 * POST /api/v1/drafts/{slug}/comments — a comment through the public API.
 * JSON `{ article?, body, name?, district?, occupation?, contact?, publishName?, idempotencyKey?, round? }`
 * (at most 64 KB) → 201 `{ receipt, lookupCode }`. The same idempotencyKey again with the same
 * comment → 200 with the same receipt and lookup code; with a different comment → 409 Conflict.
 * Without idempotencyKey every request is a new comment. Errors are JSON (see api.md). Limits:
 * the middleware's general limit on writes and the comment limits per address and account
 * (src/server/auth/limits.ts commentLimits).
 */
import type { APIRoute } from 'astro';
import { json, readJson } from '../../../../../server/web/http';
import { submitComment } from '../../../../../server/comments/submit-comment';
import { commentLimits } from '../../../../../server/auth/limits';

export const POST: APIRoute = async ({ params, request, locals }) => {
  const body = await readJson(request, 64 * 1024);
  const result = await submitComment(params.slug ?? '', body, {
    channel: 'api', userId: locals.user?.id ?? null, limits: commentLimits(locals.user, locals.ip),
  });
  return json({ receipt: result.receipt, lookupCode: result.lookupCode }, result.created ? 201 : 200, {
    'cache-control': 'no-store',
    location: `/api/v1/receipts/${result.receipt}`,
  });
};
