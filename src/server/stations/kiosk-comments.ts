/**
 * A resident's comment sent by a kiosk: stored once per idempotency key through the one
 * submitComment use case, attributed to the kiosk and its station (channel `kiosk`), limited per
 * kiosk (never per IP: a station's kiosk and the phones on its Wi-Fi share one address).
 */
import { inArray } from 'drizzle-orm';
import { z } from 'zod';
import { comments } from '../../db/schema';
import { getDb, type DbOrTx } from '../../db/client';
import { enforceLimits } from '../auth/rate-limit';
import { limits } from '../auth/limits';
import { submitComment } from '../comments/submit-comment';
import { channelKey, idempotencyDigest, lookupCodeFor, parseProvisionalNumber } from '../comments/receipts';
import { kioskKey } from './schemas';
import { commentFieldsSchema } from '../comments/schemas';
import { parseOrFail } from '../validation';
import type { KioskPrincipal } from './kiosks';

/** The envelope a kiosk adds to a comment: which draft, and its own idempotency key. */
const envelope = z.object({
  draft: z.string({ message: 'field.required' }).trim().min(1, { message: 'field.required' }).max(100, { message: 'field.tooLong' }),
  idempotencyKey: kioskKey,
});

/** The whole JSON body of POST /api/v1/kiosk/comments, for the OpenAPI document: the envelope and the comment fields passed on. */
export const kioskCommentBodySchema = commentFieldsSchema
  .pick({ round: true, article: true, body: true, name: true, district: true, contact: true, notify: true })
  .extend(envelope.shape);

/** The raw idempotency key stored (hashed) for a kiosk's key: namespaced so it never meets a web client's. */
export function kioskRawKey(key: string): string {
  return channelKey('kiosk', key);
}

export interface KioskSubmitResult {
  receipt: string;
  lookupCode: string;
  created: boolean;
}

/**
 * Stores one resident's comment from `kiosk`. The comment fields are validated by
 * submitComment (the same rules as the web form). Throws RateLimited, ValidationFailed and the
 * errors of submitComment (ConsultationClosed, ArticleNotFound, Conflict …).
 */
export async function submitKioskComment(kiosk: KioskPrincipal, raw: unknown, db: DbOrTx = getDb()): Promise<KioskSubmitResult> {
  await enforceLimits([limits.commentsKiosk(kiosk.kioskId)], db);
  const { draft, idempotencyKey } = parseOrFail(envelope, raw);
  const r = raw as Record<string, unknown>;
  const result = await submitComment(
    draft,
    { round: r.round, article: r.article, body: r.body, name: r.name, district: r.district, contact: r.contact, notify: r.notify },
    { channel: 'kiosk', stationId: kiosk.station.id, kioskId: kiosk.kioskId, serverKey: kioskRawKey(idempotencyKey) },
    db,
  );
  return { receipt: result.receipt, lookupCode: result.lookupCode, created: result.created };
}

/**
 * The receipt behind a kiosk's (possibly provisional) key, for the resident who scans the QR code
 * printed on a provisional receipt, or its number as typed (parseProvisionalNumber): null while the
 * kiosk has not yet delivered it. The key is a 99-bit secret printed only on that receipt, so it
 * grants what the receipt and lookup code do.
 */
export async function findKioskReceipt(key: string, db: DbOrTx = getDb()): Promise<{ receipt: string; lookupCode: string } | null> {
  const raws = parseProvisionalNumber(key).map(kioskRawKey);
  if (raws.length === 0) return null;
  const byDigest = new Map(raws.map((raw) => [idempotencyDigest(raw), raw]));
  const [row] = await db
    .select({ receipt: comments.receipt, lookupHash: comments.lookupHash, idempotencyKey: comments.idempotencyKey })
    .from(comments)
    .where(inArray(comments.idempotencyKey, [...byDigest.keys()]))
    .limit(1);
  const raw = row?.idempotencyKey ? byDigest.get(row.idempotencyKey) : undefined;
  return row && raw ? { receipt: row.receipt, lookupCode: lookupCodeFor(raw, row.receipt, row.lookupHash) } : null;
}
