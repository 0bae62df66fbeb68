/**
 * What typed text may contain, for every schema that takes it: invisible characters at the edges
 * of a field go (zero-width spaces, joiners, BOM), a field of nothing visible counts as empty, and
 * direction controls (U+202E and its kin), which can make a name or tag read backwards in staff
 * pages, exports and the public data, are refused in one-line fields and tags.
 */
import { z } from 'zod';

const INVISIBLE = '\\u200B\\u200C\\u200D\\u2060\\uFEFF';
const EDGES = new RegExp(`^[\\s${INVISIBLE}]+|[\\s${INVISIBLE}]+$`, 'gu');
/** Bidirectional formatting characters (embeddings, overrides, isolates, marks). */
export const BIDI_CONTROLS = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/;
/** A character one can see: not white space, a control, a format character or a blank filler. */
const VISIBLE = /[^\s\p{Cc}\p{Cf}\p{Zs}\p{Zl}\p{Zp}\u115F\u1160\u3164\uFFA0\u2800]/u;

/** `text` without white space and zero-width characters at its edges. */
export function trimInvisible(text: string): string {
  return text.replace(EDGES, '');
}

export function hasVisibleCharacter(text: string): boolean {
  return VISIBLE.test(text);
}

/** The i18n key of what is wrong with one line of text (already trimmed), or null. */
export function lineTextProblem(text: string): 'field.bidiControls' | 'field.noVisibleText' | null {
  if (BIDI_CONTROLS.test(text)) return 'field.bidiControls';
  if (text !== '' && !hasVisibleCharacter(text)) return 'field.noVisibleText';
  return null;
}

/**
 * One line of text as zod reads it: trimmed of white space and zero-width characters, no
 * direction controls, nothing invisible only; then `max` characters at most ('' when empty).
 */
export function lineText(max: number) {
  return z.string().transform((raw, ctx) => {
    const text = trimInvisible(raw);
    const problem = lineTextProblem(text);
    if (problem) {
      ctx.addIssue({ code: 'custom', message: problem });
      return z.NEVER;
    }
    return text;
  }).pipe(z.string().max(max, 'field.tooLong'));
}
