/**
 * Comments that arrive through a station's poster (channel `station_qr`): on the resident's own
 * phone, attributed to the station and, from a deputy's poster, to that deputy.
 */
import { and, eq } from 'drizzle-orm';
import { stationDeputies, users } from '../../db/schema';
import { getDb, type DbOrTx } from '../../db/client';
import { isUuid } from '../params';
import { submitComment, type SubmitResult } from '../comments/submit-comment';
import type { Station } from './stations';
import type { Limit } from '../auth/rate-limit';

/** The deputy named on a poster, if they are one of the station's deputies; otherwise null. */
export async function posterDeputy(stationId: string, userId: string | null | undefined, db: DbOrTx = getDb()): Promise<{ id: string; name: string | null } | null> {
  if (!userId || !isUuid(userId)) return null;
  const [row] = await db
    .select({ id: users.id, name: users.name })
    .from(stationDeputies)
    .innerJoin(users, eq(users.id, stationDeputies.userId))
    .where(and(eq(stationDeputies.stationId, stationId), eq(stationDeputies.userId, userId), eq(users.active, true)))
    .limit(1);
  return row ?? null;
}

/**
 * Stores a resident's comment sent from a station's QR page (the resident's own phone: the
 * middleware's limit on writes per address applies, and `limits`, the comment limits of the
 * person — auth/limits.ts commentLimits). Throws what submitComment throws.
 */
export async function submitStationQrComment(
  station: Pick<Station, 'id'>,
  deputyId: string | null,
  slug: string,
  raw: Record<string, unknown>,
  limits: Limit[] = [],
  db: DbOrTx = getDb(),
): Promise<SubmitResult> {
  return submitComment(slug, raw, { channel: 'station_qr', stationId: station.id, deputyId, limits }, db);
}
