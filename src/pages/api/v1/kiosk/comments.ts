/**
 * POST /api/v1/kiosk/comments — a resident's comment from an enrolled kiosk (device credential
 * in the kaimen_kiosk cookie or the X-Kiosk-Credential header). JSON
 * `{ draft, round?, article?, body, name?, district?, contact?, idempotencyKey }` →
 * 201 `{ receipt, lookupCode, receiptUrl }`; the same key again gives the same receipt (200).
 * 401 KioskUnauthorized for an unknown or revoked kiosk. This is the only thing a kiosk can do.
 */
import type { APIRoute } from 'astro';
import { json, readJson } from '../../../../server/web/http';
import { requireKiosk } from '../../../../server/stations/kiosks';
import { readKioskCredential } from '../../../../server/web/kiosk-cookie';
import { submitKioskComment } from '../../../../server/stations/kiosk-comments';

export const POST: APIRoute = async ({ request, cookies }) => {
  const kiosk = await requireKiosk(readKioskCredential(request, cookies));
  const body = await readJson(request, 32 * 1024);
  const r = await submitKioskComment(kiosk, body);
  const receiptUrl = `/receipts/${encodeURIComponent(r.receipt)}`;
  return json({ receipt: r.receipt, lookupCode: r.lookupCode, receiptUrl }, r.created ? 201 : 200, { 'cache-control': 'no-store' });
};
