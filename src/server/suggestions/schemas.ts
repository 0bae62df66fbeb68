/** Request shapes of tag suggestions (API and the staff pages' forms). */
import { z } from 'zod';
import { lineText } from '../text-rules';

/** POST /api/v1/staff/comments/{id}/suggestions: accept or reject the suggestion of one tag (its name or id). */
export const suggestionDecisionSchema = z.object({
  tag: lineText(40).pipe(z.string().min(1, 'field.required')),
  accept: z.boolean({ error: 'suggestions.acceptRequired' }),
}).strict();

/** The round's bulk accept: every suggestion at or above this confidence. */
export const bulkAcceptSchema = z.object({
  threshold: z.coerce.number({ error: 'suggestions.thresholdInvalid' }).min(0.5, 'suggestions.thresholdInvalid').max(1, 'suggestions.thresholdInvalid'),
});

/** The round's suggestions page: accept every suggestion at or above `threshold`, or train again now. */
export const bulkAcceptFormSchema = bulkAcceptSchema.extend({
  action: z.enum(['accept', 'retrain'], { error: 'review.actionUnknown' }),
});
