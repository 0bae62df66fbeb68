/**
 * The one catalogue of errors domain code may throw. Names are permanent (clients read
 * `error.code`); each carries an HTTP status and an i18n message key. Boundaries (actions, API
 * routes, pages) map them once with `toErrorBody`.
 */
import type { MessageKey } from '../i18n';
import { t, type Locale } from '../i18n';

export const errorCatalogue = {
  BadRequest: { status: 400, key: 'error.badRequest' },
  ValidationFailed: { status: 400, key: 'error.validationFailed' },
  MalformedJson: { status: 400, key: 'error.malformedJson' },
  UnsupportedMediaType: { status: 415, key: 'error.unsupportedMediaType' },
  PayloadTooLarge: { status: 413, key: 'error.payloadTooLarge' },
  Unauthenticated: { status: 401, key: 'error.unauthenticated' },
  InvalidCredentials: { status: 401, key: 'error.invalidCredentials' },
  CodeInvalid: { status: 400, key: 'error.codeInvalid' },
  SessionExpired: { status: 401, key: 'error.sessionExpired' },
  Forbidden: { status: 403, key: 'error.forbidden' },
  CrossOriginRefused: { status: 403, key: 'error.crossOrigin' },
  NotFound: { status: 404, key: 'error.notFound' },
  DraftNotFound: { status: 404, key: 'error.draftNotFound' },
  RoundNotFound: { status: 404, key: 'error.roundNotFound' },
  ArticleNotFound: { status: 404, key: 'error.articleNotFound' },
  ReceiptNotFound: { status: 404, key: 'error.receiptNotFound' },
  CommentNotFound: { status: 404, key: 'error.commentNotFound' },
  SuggestionNotFound: { status: 404, key: 'error.suggestionNotFound' },
  StationNotFound: { status: 404, key: 'error.stationNotFound' },
  UserNotFound: { status: 404, key: 'error.userNotFound' },
  SetupLinkInvalid: { status: 404, key: 'error.setupLinkInvalid' },
  MethodNotAllowed: { status: 405, key: 'error.methodNotAllowed' },
  Conflict: { status: 409, key: 'error.conflict' },
  AccountExists: { status: 409, key: 'error.accountExists' },
  VersionConflict: { status: 409, key: 'error.versionConflict' },
  AlreadyRated: { status: 409, key: 'error.alreadyRated' },
  CommentNotAnswered: { status: 409, key: 'error.commentNotAnswered' },
  ConsultationClosed: { status: 409, key: 'error.consultationClosed' },
  ConsultationNotOpen: { status: 409, key: 'error.consultationNotOpen' },
  LegalTextInvalid: { status: 422, key: 'error.legalTextInvalid' },
  ReasonRequired: { status: 422, key: 'error.reasonRequired' },
  ApprovalRequired: { status: 409, key: 'error.approvalRequired' },
  SelfApprovalRefused: { status: 403, key: 'error.selfApprovalRefused' },
  NothingToApprove: { status: 409, key: 'error.nothingToApprove' },
  NothingToPublish: { status: 409, key: 'error.nothingToPublish' },
  FeedbackNotPublished: { status: 404, key: 'error.feedbackNotPublished' },
  RoundStillOpen: { status: 409, key: 'error.roundStillOpen' },
  // ── feedback: 主要意见 and the publish guard ──
  FeedbackPointsMissing: { status: 409, key: 'error.feedbackPointsMissing' },
  FeedbackUnfinished: { status: 409, key: 'error.feedbackUnfinished' },
  PointsChanged: { status: 409, key: 'error.pointsChanged' },
  ExportNotReady: { status: 409, key: 'error.exportNotReady' },
  ExportFileMissing: { status: 410, key: 'error.exportFileMissing' },
  RateLimited: { status: 429, key: 'error.rateLimited' },
  ServiceUnavailable: { status: 503, key: 'error.serviceUnavailable' },
  Internal: { status: 500, key: 'error.internal' },
  // ── stations and kiosks ──
  EnrollmentCodeInvalid: { status: 400, key: 'error.enrollmentCodeInvalid' },
  KioskUnauthorized: { status: 401, key: 'error.kioskUnauthorized' },
  KioskNotFound: { status: 404, key: 'error.kioskNotFound' },
} as const satisfies Record<string, { status: number; key: MessageKey }>;

export type ErrorCode = keyof typeof errorCatalogue;

/** A problem with one input field, reported back to forms and API clients. */
export interface FieldIssue {
  field: string;
  key: MessageKey;
  params?: Record<string, string | number>;
}

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    readonly params: Record<string, string | number> = {},
    readonly fields: FieldIssue[] = [],
    /** Extra response headers, e.g. Retry-After. */
    readonly headers: Record<string, string> = {},
  ) {
    super(code);
    this.name = 'AppError';
    this.status = errorCatalogue[code].status;
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError || (typeof err === 'object' && err !== null && (err as { name?: string }).name === 'AppError');
}

const unavailableCodes = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE',
  '57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006', '53300',
]);

/**
 * Turns an unknown error into a catalogue error where one fits: a database that is down or
 * restarting becomes ServiceUnavailable (503, Retry-After), so clients retry instead of
 * seeing an internal error; text the database refuses (NUL) becomes BadRequest. Anything else
 * is returned unchanged.
 */
export function normaliseError(err: unknown): unknown {
  if (isAppError(err)) return err;
  const seen = new Set<unknown>();
  for (let e: unknown = err; e && typeof e === 'object' && !seen.has(e); e = (e as { cause?: unknown }).cause) {
    seen.add(e);
    const code = (e as { code?: unknown }).code;
    const message = String((e as { message?: unknown }).message ?? '');
    // Text the database cannot store (a NUL character) in a field no validator looked at: the request is bad.
    if (code === '22021' || code === '22P05' || /invalid byte sequence for encoding "UTF8": 0x00/.test(message)) return new AppError('BadRequest');
    // Class 08 is "connection exception": pgbouncer answers 08P01 when its server went away
    // ("server conn crashed?"), cannot connect, or a client waited past query_wait_timeout.
    if ((typeof code === 'string' && (unavailableCodes.has(code) || code.startsWith('08'))) ||
      /Connection terminated|connection timeout|timeout exceeded when trying to connect|the database system is (starting up|shutting down)|terminating connection due to administrator command|server conn crashed|pgbouncer cannot connect to server|query_wait_timeout|server login has been failing/i.test(message)) {
      return new AppError('ServiceUnavailable', {}, [], { 'retry-after': '2' });
    }
  }
  return err;
}

export interface ErrorBody {
  error: {
    code: ErrorCode;
    message: string;
    fields?: Array<{ field: string; message: string }>;
  };
}

/** The JSON body for an error in `locale`; unknown errors become Internal without details. */
export function toErrorBody(err: unknown, locale: Locale = 'zh-CN'): { status: number; body: ErrorBody; headers: Record<string, string> } {
  if (!isAppError(err)) {
    return { status: 500, headers: {}, body: { error: { code: 'Internal', message: t(locale, 'error.internal') } } };
  }
  const body: ErrorBody = {
    error: { code: err.code, message: t(locale, errorCatalogue[err.code].key, err.params) },
  };
  if (err.fields.length) {
    body.error.fields = err.fields.map((f) => ({ field: f.field, message: t(locale, f.key, f.params) }));
  }
  return { status: err.status, body, headers: err.headers };
}

/** A JSON error Response, for API routes and middleware. */
export function errorResponse(err: unknown, locale: Locale = 'zh-CN'): Response {
  const { status, body, headers } = toErrorBody(err, locale);
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
  });
}
