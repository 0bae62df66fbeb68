/**
 * GET /api/v1/receipts/{receipt}?code=LOOKUP — the status of one comment, for the holder of its
 * lookup code (or its signed-in author without a code). Wrong codes are rate-limited per receipt
 * and per IP; an unknown receipt and a wrong code give the same 404 ReceiptNotFound.
 * → `{ receipt, draft, round, article?, status, adoption?, reason?, response?, respondedAt?, … }`
 */
import type { APIRoute } from 'astro';
import { json } from '../../../../server/web/http';
import { getReceiptStatus } from '../../../../server/comments/get-receipt-status';
import { toReceiptJson } from '../../../../server/comments/receipt-json';

export const GET: APIRoute = async ({ params, url, locals }) => {
  const status = await getReceiptStatus({
    receipt: params.receipt ?? '',
    code: url.searchParams.get('code'),
    userId: locals.user?.id ?? null,
    ip: locals.ip,
  });
  return json(toReceiptJson(status), 200, { 'cache-control': 'no-store' });
};
