/**
 * The staff report form of a round (/staff/drafts/{slug}/rounds/{n}): publish or withdraw the
 * public feedback page, or export the comments in one of the report formats.
 */
import { z } from 'zod';
import { reportFormats } from './report-export';

export const roundReportForm = z.discriminatedUnion('action', [
  z.object({ action: z.enum(['publish', 'unpublish']) }),
  z.object({
    action: z.literal('export'),
    format: z.enum(reportFormats),
    // A checkbox: present when ticked.
    fullContacts: z.string().optional().transform((v) => v !== undefined),
    purpose: z.string().default(''),
  }),
]);
