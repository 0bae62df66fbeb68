/**
 * Validation for stations, kiosks and deputies' entry: one zod schema per input, shared by the
 * admin pages, the kiosk API, the CLI commands and the tests. Messages are i18n keys.
 */
import { z } from 'zod';
import { hasVisibleCharacter, lineText, trimInvisible } from '../text-rules';
import { date, kioskKey } from '../params';

export const stationTypes = ['deputies_home', 'liaison_station', 'contact_point'] as const;
export type StationType = (typeof stationTypes)[number];

const trimmed = (max: number) => lineText(max);
const optionalText = (max: number) =>
  z.preprocess((v) => (typeof v === 'string' && trimInvisible(v) === '' ? undefined : v), trimmed(max).optional());
const required = (max: number) => trimmed(max).pipe(z.string().min(1, { message: 'field.required' }));

/** A station code: letters, digits and dashes, e.g. DC-JNK-01. Stored upper-case. */
export const stationCode = z
  .string()
  .trim()
  .min(1, { message: 'field.required', abort: true })
  .max(40, { message: 'field.tooLong', abort: true })
  .regex(/^[A-Za-z0-9][A-Za-z0-9-]*$/, { message: 'station.codeFormat' })
  .transform((v) => v.toUpperCase());

/** Accepts the type's code or its Chinese name (代表之家, 代表联络站, 基层立法联系点). */
export const stationTypeInput = z.preprocess((v) => {
  if (typeof v !== 'string') return v;
  const s = v.trim();
  const byName: Record<string, StationType> = { 代表之家: 'deputies_home', 代表联络站: 'liaison_station', 基层立法联系点: 'contact_point' };
  return byName[s] ?? s;
}, z.enum(stationTypes, { message: 'station.typeInvalid' }));

export const stationInput = z.object({
  code: stationCode,
  name: required(100),
  type: stationTypeInput,
  district: required(40),
  street: optionalText(60),
  address: optionalText(200),
});
export type StationInput = z.infer<typeof stationInput>;

/** Resident details, all optional; contact is personal information (PIPL). */
const residentFields = {
  name: optionalText(40),
  district: optionalText(40),
  contact: optionalText(100),
};

const body = z.string().transform(trimInvisible)
  .pipe(z.string().min(5, { message: 'field.tooShort' }).max(5000, { message: 'field.tooLong' }).refine(hasVisibleCharacter, { message: 'field.noVisibleText' }));
const articleNumber = z.preprocess(
  (v) => (v === '' || v === null || v === undefined || v === 'general' ? undefined : typeof v === 'string' ? Number(v) : v),
  z.number({ message: 'field.invalid' }).int({ message: 'field.invalid' }).min(1, { message: 'field.invalid' }).max(10000, { message: 'field.invalid' }).optional(),
);

/** The idempotency key a kiosk makes for each submission: 16 to 64 URL-safe characters. */
export { kioskKey };

/** What a kiosk sends for one resident's comment. */
export const kioskCommentInput = z.object({
  draft: z.string().trim().min(1, { message: 'field.required' }).max(100),
  round: z.number().int().min(1).max(9).optional(),
  article: articleNumber,
  body,
  ...residentFields,
  idempotencyKey: kioskKey,
});
export type KioskCommentInput = z.infer<typeof kioskCommentInput>;

/** One comment heard in person, as a deputy enters it. */
export const deputyEntryRow = z.object({
  article: articleNumber,
  body,
  ...residentFields,
  voices: z.preprocess(
    (v) => (v === '' || v === undefined || v === null ? 1 : typeof v === 'string' ? Number(v) : v),
    z.number({ message: 'field.invalid' }).int({ message: 'field.invalid' }).min(1, { message: 'deputy.voicesRange' }).max(100000, { message: 'deputy.voicesRange' }),
  ),
});
export type DeputyEntryRow = z.infer<typeof deputyEntryRow>;

export const deputySheetInput = z.object({
  draft: z.string().trim().min(1, { message: 'field.required' }).max(100),
  stationCode: stationCode.optional(),
  /** The deputy's own comment, not a resident's. */
  byDeputy: z.boolean().default(false),
  /** One key per sheet: entering the same sheet twice stores it once. */
  idempotencyKey: kioskKey,
  rows: z.array(deputyEntryRow).min(1, { message: 'deputy.sheetEmpty' }).max(200, { message: 'deputy.sheetTooLong' }),
});
export type DeputySheetInput = z.infer<typeof deputySheetInput>;

export const enrollmentCodeInput = z.object({
  code: z.string().trim().min(1, { message: 'field.required' }).max(20, { message: 'field.tooLong' }),
});

/** The forms of one station's admin page (/admin/stations/{code}). */
export const stationAdminForm = z.discriminatedUnion('intent', [
  z.object({ intent: z.literal('update') }).catchall(z.string()),
  z.object({ intent: z.literal('addDeputy'), email: z.string().trim().min(1, { message: 'field.required' }).max(200) }),
  z.object({ intent: z.literal('removeDeputy'), userId: z.uuid() }),
  z.object({ intent: z.literal('enroll'), label: z.string().trim().max(60, { message: 'field.tooLong' }) }),
  z.object({ intent: z.literal('revoke'), kioskId: z.uuid() }),
]);

/** Enrolling or revoking a kiosk (/admin/kiosks). */
export const kioskAdminForm = z.discriminatedUnion('intent', [
  z.object({ intent: z.literal('enroll'), stationId: z.uuid({ message: 'kiosks.field.chooseStation' }), label: z.string().trim().max(60, { message: 'field.tooLong' }) }),
  z.object({ intent: z.literal('revoke'), kioskId: z.uuid() }),
]);

/** The query of a deputy's feedback sheet (/deputy/feedback): the comments, or a day's. */
export const deputyFeedbackQuery = z.object({ ids: z.string().max(4000).optional(), day: date.optional() });

/** The station import form (/admin/stations/import): a CSV file, or CSV text pasted. */
export const stationImportForm = z.object({
  file: z.instanceof(File).optional(),
  csv: z.string().default(''),
});
