/**
 * Reading a round's themes (the staff page, the API and the drafted 主要意见), renaming a theme and
 * asking for a computation. Themes are derived data made by the `themes` job (compute-themes.ts);
 * these use cases never segment or cluster, so they load no dictionary.
 */
import { sql } from 'drizzle-orm';
import { getDb, type DbOrTx } from '../../db/client';
import { rowsOf } from '../../db/rows';
import { recordAudit } from '../audit';
import { AppError } from '../errors';
import { requirePermission } from '../auth/permissions';
import type { SessionUser } from '../auth/session-user';
import { loadReportScope, type ReportScope } from '../reports/adoption-report';
import { kickJobRunner } from '../jobs/runner';
import { t, type Locale } from '../../i18n';
import { enqueueThemes, pendingThemesJob, THEMES_JOB, THEMES_LANE } from './themes-job';

export interface ThemeView {
  id: string;
  /** 0: 总体意见. */
  article: number;
  /** The bucket of 其他独立意见: comments sharing their argument with no other. */
  other: boolean;
  /** The staff label, else the key phrases' label (other: 其他独立意见). */
  label: string;
  autoLabel: string;
  labelEdited: boolean;
  keyPhrases: string[];
  comments: number;
  people: number;
  quotes: { receipt: string; text: string }[];
}

export interface ThemesStatus {
  /** The last computation, or null when the round was never computed. */
  run: { mode: string; finishedAt: Date; fullAt: Date; durationMs: number; comments: number } | null;
  /** A queued or running job. */
  pending: { id: string; status: string } | null;
  /** The last job that failed after the last run, with its error. */
  failed: { error: string | null; at: Date | null } | null;
  /** Visible comments of the round not yet in a theme. */
  waiting: number;
}

export type ArticleSelector = number | 'all';

/** The themes of a round's article (0: 总体意见) or of every article, biggest first, 其他独立意见 last. Needs comment:read. */
export async function loadThemes(
  slug: string, round: number, article: ArticleSelector, user: SessionUser | null, db: DbOrTx = getDb(), locale: Locale = 'zh-CN',
): Promise<{ scope: ReportScope; themes: ThemeView[] }> {
  requirePermission(user, 'comment:read');
  const scope = await loadReportScope(slug, round, db);
  const rows = rowsOf<{ id: string; article_number: number; other: boolean; auto_label: string; label: string | null; key_phrases: string[] | string; comments: number; people: number; quotes: unknown }>(await db.execute(sql`
    select id, article_number, other, auto_label, label, key_phrases, comments, people, quotes from themes
    where round_id = ${scope.round.id} and comments > 0 ${article === 'all' ? sql`` : sql`and article_number = ${article}`}
    order by article_number, other, people desc, comments desc, id`));
  const themes = rows.map((r): ThemeView => {
    const autoLabel = r.other ? t(locale, 'themes.other') : r.auto_label;
    return {
      id: r.id, article: Number(r.article_number), other: Boolean(r.other),
      label: r.label ?? autoLabel, autoLabel, labelEdited: r.label !== null,
      keyPhrases: Array.isArray(r.key_phrases) ? r.key_phrases : parsePgArray(String(r.key_phrases)),
      comments: Number(r.comments), people: Number(r.people),
      quotes: (typeof r.quotes === 'string' ? JSON.parse(r.quotes) : r.quotes) as ThemeView['quotes'],
    };
  });
  return { scope, themes };
}

/** A text[] as some drivers return it ('{a,b}'). */
function parsePgArray(s: string): string[] {
  const inner = s.replace(/^\{|\}$/g, '');
  return inner ? inner.split(',').map((x) => x.replace(/^"|"$/g, '')) : [];
}

/** Where the round's themes stand: the last run, a job queued or running, a failure, comments waiting. */
export async function themesStatus(roundId: string, db: DbOrTx = getDb()): Promise<ThemesStatus> {
  const [[run], pending, [failed], [waiting]] = await Promise.all([
    db.execute(sql`select mode, finished_at, full_at, duration_ms, comments, through from theme_runs where round_id = ${roundId}`).then((r) => rowsOf<Record<string, unknown>>(r)),
    pendingThemesJob(roundId, db),
    db.execute(sql`select j.error, j.finished_at from jobs j where j.kind = ${THEMES_JOB} and j.status = 'failed' and j.payload->>'roundId' = ${roundId}
      and j.finished_at > coalesce((select finished_at from theme_runs where round_id = ${roundId}), '-infinity') order by j.finished_at desc limit 1`).then((r) => rowsOf<Record<string, unknown>>(r)),
    db.execute(sql`select count(*)::int as n from comments c where c.round_id = ${roundId} and c.hidden_at is null
      and not exists (select 1 from theme_comments tc where tc.comment_id = c.id)`).then((r) => rowsOf<{ n: number }>(r)),
  ]);
  return {
    run: run ? { mode: String(run.mode), finishedAt: new Date(String(run.finished_at)), fullAt: new Date(String(run.full_at)), durationMs: Number(run.duration_ms), comments: Number(run.comments) } : null,
    pending: pending ? { id: pending.id, status: pending.status } : null,
    failed: failed ? { error: (failed.error as string | null) ?? null, at: failed.finished_at ? new Date(String(failed.finished_at)) : null } : null,
    waiting: Number(waiting?.n ?? 0),
  };
}

/**
 * Sets a theme's label (empty: back to its key phrases). The label stays while the theme persists
 * across recomputations. Needs comment:tag. Throws NotFound for a theme not of this round. Audited (theme.label).
 */
export async function labelTheme(
  input: { slug: string; round: number; theme: string; label: string }, user: SessionUser | null, ip: string | null = null, db: DbOrTx = getDb(),
): Promise<void> {
  const who = requirePermission(user, 'comment:tag');
  const scope = await loadReportScope(input.slug, input.round, db);
  await db.transaction(async (tx) => {
    const [row] = rowsOf<{ label: string | null; auto_label: string; article_number: number }>(await tx.execute(sql`
      select label, auto_label, article_number from themes where id = ${input.theme} and round_id = ${scope.round.id} for update`));
    if (!row) throw new AppError('NotFound');
    const label = input.label === '' ? null : input.label;
    if (label === row.label) return;
    await tx.execute(sql`update themes set label = ${label}, labelled_by = ${label === null ? null : who.id} where id = ${input.theme}`);
    await recordAudit(tx, { id: who.id, kind: who.via === 'token' ? 'token' : 'user', ip }, {
      action: 'theme.label', objectType: 'round', objectId: scope.round.id,
      before: { article: Number(row.article_number), label: row.label ?? row.auto_label }, after: { article: Number(row.article_number), label: label ?? row.auto_label },
    });
  });
}

/** Queues a full computation of the round's themes (the refresh button). Needs comment:tag. Returns the job's id. */
export async function requestThemes(slug: string, round: number, user: SessionUser | null, db: DbOrTx = getDb()): Promise<string> {
  const who = requirePermission(user, 'comment:tag');
  const scope = await loadReportScope(slug, round, db);
  const id = await enqueueThemes(scope.round.id, 'full', who.id, db);
  kickJobRunner(THEMES_LANE);
  return id;
}
