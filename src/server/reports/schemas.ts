/**
 * The staff report form of a round (/staff/drafts/{slug}/rounds/{n}): publish or withdraw the
 * public feedback page, or export the comments in one of the report formats; and the form of one
 * article's 主要意见 on the round's points page (/staff/drafts/{slug}/rounds/{n}/points).
 */
import { z } from 'zod';
import { reportFormats } from './report-export';
import { wellFormedText } from '../params';
import { hasVisibleCharacter, trimInvisible } from '../text-rules';

// A checkbox: present when ticked.
const checkbox = z.string().optional().transform((v) => v !== undefined);

export const roundReportForm = z.discriminatedUnion('action', [
  // acknowledge: "仍然公布" despite comments still unanswered or undecided (feedback.ts).
  z.object({ action: z.literal('publish'), acknowledge: checkbox }),
  z.object({ action: z.literal('unpublish') }),
  z.object({
    action: z.literal('export'),
    format: z.enum(reportFormats),
    fullContacts: checkbox,
    purpose: z.string().default(''),
  }),
]);

/** The most characters of one article's 主要意见. */
export const POINTS_MAX = 5000;

/**
 * One article's 主要意见 (article 0: 总体意见): `save` keeps it as a draft (empty text removes
 * it), `confirm` saves and confirms it. `base` is the saved version the writer started from
 * (its updated_at in ms, '' when there was none), so a change by someone else in between is
 * refused instead of overwritten.
 */
export const articlePointsForm = z.object({
  article: z.string().regex(/^\d{1,5}$/, 'field.invalid').transform(Number),
  text: wellFormedText.transform((v) => trimInvisible(v.replace(/\r\n?/g, '\n')))
    .pipe(z.string().max(POINTS_MAX, 'field.tooLong').refine((v) => v === '' || hasVisibleCharacter(v), 'field.noVisibleText')),
  base: z.string().regex(/^\d{0,15}$/, 'field.invalid').default(''),
  action: z.enum(['save', 'confirm']),
}).superRefine((v, ctx) => {
  if (v.action === 'confirm' && v.text === '') ctx.addIssue({ code: 'custom', path: ['text'], message: 'points.field.required' });
});
export type ArticlePointsInput = z.output<typeof articlePointsForm>;
