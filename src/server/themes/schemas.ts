/** Validation of the themes inputs: the API's `article` query, a label edit and the page's forms. Messages are i18n keys. */
import { z } from 'zod';
import { lineText } from '../text-rules';
import { uuid } from '../params';

export const LABEL_MAX = 60;

/** ?article=K (an article number), `general` or absent (总体意见), or `all`. */
export const themesQuerySchema = z.object({
  article: z.union([z.literal('all'), z.literal('general'), z.coerce.number().int().min(0).max(10000)]).optional(),
});

/** The themes page's forms: a label (empty: back to the key phrases) or a refresh. */
export const themesForm = z.discriminatedUnion('op', [
  z.object({ op: z.literal('label'), theme: uuid, label: lineText(LABEL_MAX) }),
  z.object({ op: z.literal('refresh') }),
]);
export type ThemesFormInput = z.infer<typeof themesForm>;
