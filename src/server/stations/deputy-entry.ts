/**
 * A deputy enters comments heard in person (channel `deputy`): one, or a whole paper sheet at
 * once, each with its article, optional resident name, district and contact, and the number of
 * residents who voiced it. Or the deputy's own comment as a deputy (by_deputy). A sheet is
 * all-or-nothing: every row is checked first and errors are reported per row; then all rows are
 * stored in one transaction, each exactly once by the sheet's idempotency key.
 */
import { z } from 'zod';
import { getDb, type DbOrTx } from '../../db/client';
import { AppError, isAppError, type FieldIssue } from '../errors';
import { recordAudit, type Actor } from '../audit';
import { enforceLimits } from '../auth/rate-limit';
import { limits } from '../auth/limits';
import { commentInputSchema } from '../comments/schemas';
import { parseOrFail, tryParse } from '../validation';
import { resolveCommentTarget } from '../comments/comment-target';
import { submitComment } from '../comments/submit-comment';
import { kioskKey, stationCode } from './schemas';
import { channelKey } from '../comments/receipts';
import { stationsOfDeputy, type Station } from './stations';

export const MAX_SHEET_ROWS = 200;

const voices = z.preprocess(
  (v) => (v === '' || v === undefined || v === null ? 1 : typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v),
  z.number({ message: 'deputy.voicesRange' }).int({ message: 'deputy.voicesRange' }).min(1, { message: 'deputy.voicesRange' }).max(100000, { message: 'deputy.voicesRange' }),
);

const sheetEnvelope = z.object({
  draft: z.string({ message: 'field.required' }).trim().min(1, { message: 'field.required' }).max(100, { message: 'field.tooLong' }),
  round: z.preprocess((v) => (v === '' || v == null ? undefined : Number(v)), z.number().int().min(1).max(9).optional()),
  station: z.preprocess((v) => (v === '' || v == null ? undefined : v), stationCode.optional()),
  byDeputy: z.preprocess((v) => v === true || v === 'on' || v === 'true', z.boolean()),
  idempotencyKey: kioskKey,
  rows: z.array(z.record(z.string(), z.unknown()), { message: 'deputy.sheetEmpty' })
    .min(1, { message: 'deputy.sheetEmpty' })
    .max(MAX_SHEET_ROWS, { message: 'deputy.sheetTooLong' }),
});

export interface DeputyEntryResult {
  station: Pick<Station, 'id' | 'code' | 'name'> | null;
  comments: Array<{ row: number; receipt: string; lookupCode: string; created: boolean }>;
}

export interface DeputyActor {
  id: string;
  name: string | null;
  ip?: string | null;
}

/** Picks the deputy's station: the one named (which must be theirs), else their only one, else none. */
async function chooseStation(deputyId: string, code: string | undefined, db: DbOrTx): Promise<Station | null> {
  const mine = await stationsOfDeputy(deputyId, db);
  if (code) {
    const s = mine.find((x) => x.code === code);
    if (!s) throw new AppError('ValidationFailed', {}, [{ field: 'station', key: 'deputy.notYourStation' }]);
    return s;
  }
  return mine.length === 1 ? mine[0] : null;
}

/**
 * Stores the rows of one sheet for `deputy`. Row fields follow the web form's rules
 * (body, name, district, contact, article) plus `voices`. Errors name the row:
 * `rows.<i>.<field>` (i from 0). Throws ValidationFailed, RateLimited, DraftNotFound,
 * ConsultationClosed/NotOpen, Conflict (the same sheet key with different content).
 */
export async function enterDeputyComments(deputy: DeputyActor, raw: unknown, db: DbOrTx = getDb()): Promise<DeputyEntryResult> {
  const sheet = parseOrFail(sheetEnvelope, raw);

  // Check every row before storing any, so the deputy sees all mistakes on the sheet at once.
  const issues: FieldIssue[] = [];
  const rows = sheet.rows.map((row, i) => {
    const input = {
      round: sheet.round,
      article: row.article === 'general' ? undefined : row.article,
      body: row.body,
      name: sheet.byDeputy ? deputy.name ?? undefined : row.name,
      district: row.district,
      contact: sheet.byDeputy ? undefined : row.contact,
    };
    const parsed = tryParse(commentInputSchema, input);
    const v = voices.safeParse(sheet.byDeputy ? 1 : row.voices);
    if (!parsed.ok) for (const f of parsed.fields) issues.push({ ...f, field: `rows.${i}.${f.field}` });
    if (!v.success) issues.push({ field: `rows.${i}.voices`, key: 'deputy.voicesRange' });
    return { input, voices: v.success ? v.data : 1, article: parsed.ok ? parsed.data.article : undefined };
  });
  const station = await chooseStation(deputy.id, sheet.station, db);
  // The draft and period errors concern the whole sheet; article errors are per row.
  for (const [i, row] of rows.entries()) {
    try {
      await resolveCommentTarget(sheet.draft, sheet.round, row.article, new Date(), db);
    } catch (err) {
      if (isAppError(err) && err.code === 'ArticleNotFound') issues.push({ field: `rows.${i}.article`, key: 'deputy.articleNotFound', params: { number: row.article ?? '' } });
      else throw err;
    }
  }
  if (issues.length) throw new AppError('ValidationFailed', {}, issues);

  await enforceLimits([limits.commentsDeputy(deputy.id)], db);
  return db.transaction(async (tx) => {
    const stored: DeputyEntryResult['comments'] = [];
    for (const [i, row] of rows.entries()) {
      const r = await submitComment(
        sheet.draft,
        row.input,
        {
          serverKey: channelKey('deputy', deputy.id, sheet.idempotencyKey, String(i)),
          channel: 'deputy',
          deputyId: deputy.id,
          stationId: station?.id ?? null,
          byDeputy: sheet.byDeputy,
          userId: sheet.byDeputy ? deputy.id : null,
          voices: row.voices,
        },
        tx,
      );
      stored.push({ row: i, receipt: r.receipt, lookupCode: r.lookupCode, created: r.created });
    }
    if (stored.some((s) => s.created)) {
      const actor: Actor = { id: deputy.id, kind: 'user', ip: deputy.ip ?? null };
      await recordAudit(tx, actor, {
        action: sheet.byDeputy ? 'deputy.comment.own' : 'deputy.comments.enter',
        objectType: 'station',
        objectId: station?.id,
        after: { draft: sheet.draft, rows: stored.length, receipts: stored.map((s) => s.receipt), voices: rows.reduce((n, r) => n + r.voices, 0) },
      });
    }
    return { station: station && { id: station.id, code: station.code, name: station.name }, comments: stored };
  });
}
