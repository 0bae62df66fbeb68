/**
 * What a deputy sees of their station's comments: every comment from their stations (kiosk,
 * station QR, deputies' entry) and every comment they entered, with its status and the staff's
 * published answer, so they can report back to residents (闭环), and whether the answer reached
 * the resident by message (messages/answered.ts) or must go back on a feedback slip. Contact
 * details never appear.
 */
import { and, desc, eq, gte, inArray, lt, or, sql, type SQL } from 'drizzle-orm';
import { comments, drafts, rounds } from '../../db/schema';
import { getDb, type DbOrTx } from '../../db/client';
import { AppError } from '../errors';
import { isUuid } from '../params';
import { shanghaiDay } from '../time';
import { stationsOfDeputy, type Station } from './stations';

export interface DeputyCommentRow {
  id: string;
  receipt: string;
  draftTitle: string;
  roundLabel: string;
  articleNumber: number | null;
  body: string;
  name: string | null;
  district: string | null;
  channel: (typeof comments.channel.enumValues)[number];
  byDeputy: boolean;
  voices: number;
  enteredByMe: boolean;
  status: (typeof comments.status.enumValues)[number];
  adoption: (typeof comments.adoption.enumValues)[number] | null;
  reason: string | null;
  response: string | null;
  respondedAt: Date | null;
  /**
   * For an answered resident's comment, how the answer reaches them: a message (delivered,
   * queued, failed) or, with no message, the feedback slip ('slip'); null otherwise.
   */
  told: 'delivered' | 'queued' | 'failed' | 'slip' | null;
  createdAt: Date;
}

export interface DeputyCommentFilter {
  /** Only the comments with these ids (a feedback slip per resident). */
  ids?: string[];
  /** Only the comments of one day, Asia/Shanghai (a feedback slip per meeting), `YYYY-MM-DD`. */
  day?: string;
  status?: DeputyCommentRow['status'];
  limit?: number;
}

/**
 * The comments of `deputyId`'s stations and those they entered, newest first. The staff's
 * answer (reason, response) is shown only once it is published to the commenter (status
 * answered); before that, only the status.
 */
export async function listDeputyComments(
  deputyId: string,
  filter: DeputyCommentFilter = {},
  db: DbOrTx = getDb(),
): Promise<{ stations: Station[]; comments: DeputyCommentRow[] }> {
  const stations = await stationsOfDeputy(deputyId, db);
  const scope = stations.length
    ? or(eq(comments.deputyId, deputyId), inArray(comments.stationId, stations.map((s) => s.id)))
    : eq(comments.deputyId, deputyId);
  const where: SQL[] = [scope!];
  if (filter.ids) {
    const ids = filter.ids.filter(isUuid);
    if (!ids.length) throw new AppError('CommentNotFound');
    where.push(inArray(comments.id, ids));
  }
  if (filter.day) {
    const range = shanghaiDay(filter.day);
    if (!range) throw new AppError('ValidationFailed', {}, [{ field: 'day', key: 'field.invalid' }]);
    where.push(gte(comments.createdAt, range.from), lt(comments.createdAt, range.to));
  }
  if (filter.status) where.push(eq(comments.status, filter.status));
  const rows = await db
    .select({
      c: comments,
      draftTitle: drafts.title,
      roundLabel: rounds.label,
      // The newest answered message of the comment (outbox_comment index), never its recipient.
      message: sql<string | null>`(select o.state from outbox o where o.comment_id = ${comments.id} and o.kind = 'answered' order by o.created_at desc limit 1)`,
    })
    .from(comments)
    .innerJoin(drafts, eq(drafts.id, comments.draftId))
    .innerJoin(rounds, eq(rounds.id, comments.roundId))
    .where(and(...where))
    .orderBy(desc(comments.createdAt), desc(comments.id))
    .limit(Math.min(filter.limit ?? 200, 500));
  return {
    stations,
    comments: rows.map(({ c, draftTitle, roundLabel, message }) => {
      const answered = c.status === 'answered';
      return {
        id: c.id,
        receipt: c.receipt,
        draftTitle,
        roundLabel,
        articleNumber: c.articleNumber,
        body: c.body,
        name: c.name,
        district: c.district,
        channel: c.channel,
        byDeputy: c.byDeputy,
        voices: c.voices,
        enteredByMe: c.deputyId === deputyId,
        status: c.status,
        adoption: answered ? c.adoption : null,
        reason: answered ? c.reason : null,
        response: answered ? c.response : null,
        respondedAt: answered ? c.respondedAt : null,
        told: answered && !c.byDeputy ? ((message as DeputyCommentRow['told']) ?? 'slip') : null,
        createdAt: c.createdAt,
      };
    }),
  };
}
