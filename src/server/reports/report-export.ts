/**
 * Exporting the adoption report: who may, in which format, directly or as a background job.
 * Rule: a round of at most DIRECT_LIMIT comments (DOCX: DIRECT_LIMIT_DOCX) is streamed in the
 * response; a larger one becomes a job (202 + Location of the job page) whose file is downloaded
 * when ready. Names and contacts only with contact:view, and masked unless the exporter chose full
 * contacts with a stated purpose and holds export:unmasked (docs/decisions/013-masked-exports.md).
 * Every export, and every download of a finished file, is an audit event that says which.
 */
import { createReadStream, createWriteStream, mkdirSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { PassThrough, Readable, type Writable } from 'node:stream';
import { and, desc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { drafts, jobs, rounds } from '../../db/schema';
import { getDb, type DbOrTx } from '../../db/client';
import { recordAudit, type Actor } from '../audit';
import { AppError } from '../errors';
import { can } from '../auth/permissions';
import { lineText } from '../text-rules';
import type { SessionUser } from '../auth/session-user';
import { t, type Locale } from '../../i18n';
import { loadReportScope, type ReportScope } from './adoption-report';
import type { Audience } from './columns';
import { writeCommentsCsv } from './export-csv';
import { writeReportDocx } from './export-docx';
import { writeReportXlsx } from './export-xlsx';
import type { ExportOptions } from './export-options';
import { enqueueJob, kickJobRunner, type Job, type JobContext } from '../jobs/runner';
import { log } from '../log';

export const reportFormats = ['docx', 'xlsx', 'csv'] as const;
export type ReportFormat = (typeof reportFormats)[number];
export const DIRECT_LIMIT = 20_000;
export const DIRECT_LIMIT_DOCX = 5_000;

export const contentTypes: Record<ReportFormat, string> = {
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  csv: 'text/csv; charset=utf-8',
};

const payloadSchema = z.object({
  slug: z.string(),
  round: z.number().int(),
  format: z.enum(reportFormats),
  audience: z.enum(['staff', 'staff-personal']),
  locale: z.enum(['zh-CN', 'en']).default('zh-CN'),
  /** Full names and contacts, chosen with `purpose`; absent in jobs queued before exports were masked. */
  unmasked: z.boolean().optional(),
  purpose: z.string().optional(),
});
export type ReportJobPayload = z.infer<typeof payloadSchema>;

/** The length a stated purpose of a full-contacts export must have, in characters. */
export const PURPOSE_MIN = 5;
export const PURPOSE_MAX = 200;

const purposeSchema = lineText(PURPOSE_MAX).pipe(z.string().refine((s) => Array.from(s).length >= PURPOSE_MIN, 'exports.purposeRequired'));

/**
 * The exporter's choice of contacts: masked unless `fullContacts`, which needs export:unmasked
 * (and contact:view, without which there is no contact column) and a purpose of PURPOSE_MIN to
 * PURPOSE_MAX characters. Throws Forbidden or ValidationFailed, each with a field message.
 */
function contactChoice(req: ExportRequest): { unmasked: boolean; purpose?: string } {
  if (!req.fullContacts) return { unmasked: false };
  if (!can(req.user, 'export:unmasked') || !can(req.user, 'contact:view')) {
    throw new AppError('Forbidden', {}, [{ field: 'fullContacts', key: 'exports.unmaskedForbidden' }]);
  }
  const purpose = purposeSchema.safeParse(req.purpose ?? '');
  if (!purpose.success) {
    const key = purpose.error.issues[0]?.message;
    const known = key === 'field.tooLong' || key === 'field.bidiControls' || key === 'field.noVisibleText';
    throw new AppError('ValidationFailed', {}, [known
      ? { field: 'purpose', key, params: { max: PURPOSE_MAX } }
      : { field: 'purpose', key: 'exports.purposeRequired', params: { min: PURPOSE_MIN } }]);
  }
  return { unmasked: true, purpose: purpose.data };
}

/** Writes one format of the report of `scope` to `out` (which it ends). Returns comment rows done. */
export function writeReport(format: ReportFormat, scope: ReportScope, audience: Exclude<Audience, 'public'>, out: Writable, opts: ExportOptions, db: DbOrTx = getDb()): Promise<number> {
  if (format === 'csv') return writeCommentsCsv(scope, audience, out, opts, db);
  if (format === 'xlsx') return writeReportXlsx(scope, audience, out, opts, db);
  return writeReportDocx(scope, audience, out, opts, db);
}

/** 北京市接诉即办工作条例（草案）-二审稿-意见采纳情况报告.docx; a file with full contacts says so in its name. */
export function reportFileName(scope: ReportScope, format: ReportFormat, unmasked = false): string {
  const title = scope.draft.title.replace(/[\\/:*?"<>|\s]+/g, '');
  return `${title}-${scope.round.label}-意见采纳情况报告${unmasked ? '-含完整联系方式' : ''}.${format}`;
}

/** A Content-Disposition that carries a Chinese file name (RFC 6266 / 5987) with an ASCII fallback. */
export function attachment(fileName: string, fallback: string): string {
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

export type ExportPlan =
  | { mode: 'direct'; scope: ReportScope; audience: Exclude<Audience, 'public'>; format: ReportFormat; unmasked: boolean }
  | { mode: 'job'; job: Job; scope: ReportScope };

export interface ExportRequest {
  slug: string;
  round: number;
  format: ReportFormat;
  user: SessionUser;
  ip?: string | null;
  locale?: Locale;
  /** Always run as a job (the export page's button), whatever the size. */
  background?: boolean;
  /** Full names and contacts instead of masked ones: needs export:unmasked and `purpose`. */
  fullContacts?: boolean;
  /** Why full contacts are needed; recorded with the job and in the audit trail. */
  purpose?: string;
}

/**
 * Checks report:export and the choice of contacts (contactChoice), decides direct or job, and
 * records the audit event (with the job in the same transaction): whether contacts are whole and,
 * if so, the stated purpose. Throws Forbidden, ValidationFailed, DraftNotFound, RoundNotFound.
 */
export async function requestReportExport(req: ExportRequest, db: DbOrTx = getDb()): Promise<ExportPlan> {
  if (!can(req.user, 'report:export')) throw new AppError('Forbidden');
  const choice = contactChoice(req);
  const scope = await loadReportScope(req.slug, req.round, db);
  const audience = can(req.user, 'contact:view') ? 'staff-personal' : 'staff';
  const { rows: [{ n }] } = await db.execute<{ n: number }>(sql`select count(*)::int as n from comments where round_id = ${scope.round.id}`);
  const limit = req.format === 'docx' ? DIRECT_LIMIT_DOCX : DIRECT_LIMIT;
  const actor: Actor = { id: req.user.id, kind: req.user.via === 'token' ? 'token' : 'user', ip: req.ip ?? null };
  const audit = (mode: string, jobId?: string) => ({
    action: 'report.export', objectType: 'round', objectId: scope.round.id,
    after: {
      draft: scope.draft.slug, round: scope.round.number, format: req.format, personal: audience === 'staff-personal',
      unmasked: choice.unmasked, ...(choice.purpose && { purpose: choice.purpose }), comments: Number(n), mode, jobId,
    },
  });
  if (!req.background && Number(n) <= limit) {
    await db.transaction(async (tx) => recordAudit(tx, actor, audit('direct')));
    return { mode: 'direct', scope, audience, format: req.format, unmasked: choice.unmasked };
  }
  const payload: ReportJobPayload = {
    slug: scope.draft.slug, round: scope.round.number, format: req.format, audience, locale: req.locale ?? 'zh-CN',
    unmasked: choice.unmasked, ...(choice.purpose && { purpose: choice.purpose }),
  };
  const job = await db.transaction(async (tx) => {
    const created = await enqueueJob('report', payload, req.user.id, tx);
    await recordAudit(tx, actor, audit('job', created.id));
    return created;
  });
  kickJobRunner();
  return { mode: 'job', job, scope };
}

/** The report streamed as a web ReadableStream (bounded memory for CSV and XLSX). */
export function streamReport(plan: Extract<ExportPlan, { mode: 'direct' }>, locale: Locale = 'zh-CN', db: DbOrTx = getDb()): ReadableStream<Uint8Array> {
  const pass = new PassThrough();
  writeReport(plan.format, plan.scope, plan.audience, pass, { locale, unmasked: plan.unmasked }, db).catch((err) => {
    log.warn(`[reports] direct export failed: ${err instanceof Error ? err.message : err}`);
    pass.destroy(err instanceof Error ? err : new Error(String(err)));
  });
  return Readable.toWeb(pass) as ReadableStream<Uint8Array>;
}

/** The `report` job: writes the file under EXPORT_DIR (a temporary name, then renamed). */
/** The `report` job: writes the export file (boot.ts registers it). */
export async function runReportJob(ctx: JobContext): Promise<{ resultPath: string }> {
  const p = payloadSchema.parse(ctx.job.payload);
  const scope = await loadReportScope(p.slug, p.round, ctx.db);
  const { rows: [{ n }] } = await ctx.db.execute<{ n: number }>(sql`select count(*)::int as n from comments where round_id = ${scope.round.id}`);
  const total = Math.max(1, Number(n));
  const resultPath = `${ctx.job.id}.${p.format}`;
  const final = resolve(ctx.exportDir, resultPath);
  const part = `${final}.${process.pid}.part`;
  mkdirSync(dirname(final), { recursive: true });
  const out = createWriteStream(part);
  try {
    await writeReport(p.format, scope, p.audience, out, {
      locale: p.locale,
      unmasked: p.unmasked === true,
      signal: ctx.signal,
      onProgress: (done) => ctx.progress((done / total) * (p.format === 'docx' ? 80 : 100)),
    }, ctx.db);
    ctx.signal.throwIfAborted();
    renameSync(part, final);
  } catch (err) {
    out.destroy();
    try { unlinkSync(part); } catch { /* already gone */ }
    throw err;
  }
  return { resultPath };
}

export interface JobView {
  id: string;
  status: string;
  progress: number;
  error: string | null;
  createdAt: Date;
  finishedAt: Date | null;
  payload: ReportJobPayload;
  /** The draft's title and the round's label (一审稿), null if the draft no longer has that slug or round. */
  draftTitle: string | null;
  roundLabel: string | null;
}

function toView(j: Job, draftTitle: string | null, roundLabel: string | null): JobView {
  return { id: j.id, status: j.status, progress: j.progress, error: j.error, createdAt: j.createdAt, finishedAt: j.finishedAt, payload: payloadSchema.parse(j.payload), draftTitle, roundLabel };
}

/** Report jobs with their draft's title and round's label (the payload names only the slug and number), in one query. */
function selectJobViews(db: DbOrTx) {
  const round = sql`case when ${jobs.payload}->>'round' ~ '^[1-9]$' then (${jobs.payload}->>'round')::int end`;
  return db
    .select({ job: jobs, draftTitle: drafts.title, roundLabel: rounds.label })
    .from(jobs)
    .leftJoin(drafts, eq(drafts.slug, sql`${jobs.payload}->>'slug'`))
    .leftJoin(rounds, and(eq(rounds.draftId, drafts.id), eq(rounds.number, round)));
}

/** What a job is called on the staff pages: 《title》一审稿 · DOCX (the slug and number if the draft is gone). */
export function exportJobName(j: JobView, locale: Locale): string {
  return t(locale, 'exports.name', {
    title: j.draftTitle ?? j.payload.slug,
    round: j.roundLabel ?? String(j.payload.round),
    format: j.payload.format.toUpperCase(),
  });
}

/** The export jobs `user` started, newest first. */
export async function listExportJobs(user: SessionUser, db: DbOrTx = getDb(), limit = 50): Promise<JobView[]> {
  if (!can(user, 'report:export')) throw new AppError('Forbidden');
  const rows = await selectJobViews(db).where(and(eq(jobs.kind, 'report'), eq(jobs.createdBy, user.id))).orderBy(desc(jobs.createdAt)).limit(limit);
  return rows.map((r) => toView(r.job, r.draftTitle, r.roundLabel));
}

/** One export job of `user`; NotFound for another person's job (its existence is not revealed). */
export async function getExportJob(id: string, user: SessionUser, db: DbOrTx = getDb()): Promise<JobView> {
  if (!can(user, 'report:export')) throw new AppError('Forbidden');
  if (!z.uuid().safeParse(id).success) throw new AppError('NotFound');
  const [row] = await selectJobViews(db).where(and(eq(jobs.id, id), eq(jobs.kind, 'report'), eq(jobs.createdBy, user.id)));
  if (!row) throw new AppError('NotFound');
  return toView(row.job, row.draftTitle, row.roundLabel);
}

/**
 * The finished file of job `id` for `user` (its creator; names and contacts still need
 * contact:view, full ones export:unmasked too): a stream, its name, type and size. Records a
 * `report.download` audit event. Throws NotFound, Forbidden, or ExportNotReady while the job runs.
 */
export async function openExportFile(id: string, user: SessionUser, exportDir: string, ip: string | null = null, db: DbOrTx = getDb()) {
  const view = await getExportJob(id, user, db);
  const personal = view.payload.audience === 'staff-personal';
  // A job queued before exports were masked says nothing about it: its file may hold full contacts.
  const mayBeFull = personal && view.payload.unmasked !== false;
  if (personal && !can(user, 'contact:view')) throw new AppError('Forbidden');
  if (mayBeFull && !can(user, 'export:unmasked')) throw new AppError('Forbidden');
  if (view.status !== 'done') throw new AppError('ExportNotReady');
  const [job] = await db.select({ resultPath: jobs.resultPath }).from(jobs).where(eq(jobs.id, id));
  // Past its retention the file is deleted and the job no longer names it (housekeeping.ts).
  if (!job?.resultPath) throw new AppError('ExportFileMissing');
  const path = resolve(exportDir, job.resultPath);
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    throw new AppError('ExportFileMissing');
  }
  const scope = await loadReportScope(view.payload.slug, view.payload.round, db);
  await db.transaction(async (tx) => recordAudit(tx, { id: user.id, kind: user.via === 'token' ? 'token' : 'user', ip }, {
    action: 'report.download', objectType: 'job', objectId: id,
    after: {
      format: view.payload.format, round: scope.round.number, draft: scope.draft.slug,
      unmasked: view.payload.unmasked === true, ...(view.payload.purpose && { purpose: view.payload.purpose }),
    },
  }));
  return {
    stream: Readable.toWeb(createReadStream(path)) as ReadableStream<Uint8Array>,
    fileName: reportFileName(scope, view.payload.format, view.payload.unmasked === true),
    contentType: contentTypes[view.payload.format],
    size,
  };
}
