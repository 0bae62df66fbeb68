/** The JSON shape of a receipt's status for GET /api/v1/receipts/{receipt} (api.md, plus extra fields). */
import type { ReceiptStatus } from './get-receipt-status';
import type { z } from 'zod';
import type { receiptStatusResponse } from '../api-responses';

/**
 * `draft` is the slug, `round` the round's number and `article` the article's number (absent for a
 * general comment), as in the POST body; titles and labels come alongside. The answer fields are
 * present only once the comment has been answered.
 */
export function toReceiptJson(s: ReceiptStatus): z.output<typeof receiptStatusResponse> {
  return {
    receipt: s.receipt,
    draft: s.draft.slug,
    draftTitle: s.draft.title,
    round: s.round.number,
    roundLabel: s.round.label,
    ...(s.article ? { article: s.article.number, articleLabel: s.article.label } : {}),
    body: s.body,
    createdAt: s.createdAt.toISOString(),
    status: s.status,
    ...(s.answer
      ? {
          ...(s.answer.adoption ? { adoption: s.answer.adoption } : {}),
          ...(s.answer.reason ? { reason: s.answer.reason } : {}),
          ...(s.answer.response ? { response: s.answer.response } : {}),
          ...(s.answer.respondedAt ? { respondedAt: s.answer.respondedAt.toISOString() } : {}),
        }
      : {}),
    ...(s.satisfaction ? { satisfaction: s.satisfaction.value } : {}),
    ...(s.nextRound
      ? {
          nextRound: {
            round: s.nextRound.round.number,
            label: s.nextRound.round.label,
            change: s.nextRound.change,
            ...(s.nextRound.article ? { article: s.nextRound.article.number, text: s.nextRound.article.text } : {}),
          },
        }
      : {}),
  };
}
