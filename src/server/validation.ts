/**
 * The one mapping from zod to the error catalogue (decision 015): `parseOrFail(schema, input)`
 * returns the parsed value or throws AppError('ValidationFailed', {}, fields), one field issue per
 * field (the first problem found), named by its path ('rows.2.body'; 'form' for the whole input).
 *
 * A schema's message is an i18n key of the zh-CN dictionary (tests/unit/validation.test.ts checks
 * every key written in a schema exists); a message that is not one (zod's own English) becomes a
 * key by the kind of problem: too short, too long, missing, or invalid. Limits travel as
 * {min}/{max} and a custom issue's own `params` as they are.
 */
import type { z } from 'zod';
import type { MessageKey } from '../i18n';
import { zhCN } from '../i18n/zh-CN';
import { AppError, type FieldIssue } from './errors';

function isMessageKey(s: string): s is MessageKey {
  return Object.prototype.hasOwnProperty.call(zhCN, s);
}

function keyOf(issue: z.core.$ZodIssue): MessageKey {
  if (isMessageKey(issue.message)) return issue.message;
  if (issue.code === 'too_small') return 'field.tooShort';
  if (issue.code === 'too_big') return 'field.tooLong';
  if (issue.code === 'invalid_type') return 'field.required';
  return 'field.invalid';
}

function issuesOf(error: z.ZodError): FieldIssue[] {
  const out: FieldIssue[] = [];
  for (const issue of error.issues) {
    const field = issue.path.map(String).join('.') || 'form';
    if (out.some((f) => f.field === field)) continue;
    const params: Record<string, string | number> = { ...(issue as { params?: Record<string, string | number> }).params };
    if ('minimum' in issue && typeof issue.minimum !== 'bigint') params.min = Number(issue.minimum);
    if ('maximum' in issue && typeof issue.maximum !== 'bigint') params.max = Number(issue.maximum);
    out.push(Object.keys(params).length ? { field, key: keyOf(issue), params } : { field, key: keyOf(issue) });
  }
  return out;
}

/** `input` parsed by `schema`; throws ValidationFailed naming each wrong field with its message key. */
export function parseOrFail<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = tryParse(schema, input);
  if (!result.ok) throw new AppError('ValidationFailed', {}, result.fields);
  return result.data;
}

/** The same without throwing, for checking every row of a file before refusing it. */
export function tryParse<S extends z.ZodType>(schema: S, input: unknown): { ok: true; data: z.output<S> } | { ok: false; fields: FieldIssue[] } {
  const result = schema.safeParse(input);
  return result.success ? { ok: true, data: result.data } : { ok: false, fields: issuesOf(result.error) };
}
