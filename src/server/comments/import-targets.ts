/**
 * Where each imported row goes: its draft, round, article and station, read once per import
 * (drafts, rounds with a published version, their article numbers, station codes), and the
 * period rule for letters (docs/decisions/009-bulk-import.md):
 *
 * - with `received_at` (when the letter arrived), that moment must fall in the round's period —
 *   a letter received in time is accepted even when it is transcribed after the close;
 * - a date without a time counts as the whole day (Beijing time): a letter dated on any day of
 *   the period is accepted, and stored at the later of that day's start and the opening;
 * - without `received_at`, the round must be open now, as for a web comment;
 * - `received_at` may not lie in the future; without `round`, the round is the one whose
 *   period contains that moment.
 */
import { eq } from 'drizzle-orm';
import { drafts, provisions, rounds, stations, versions } from '../../db/schema';
import type { DbOrTx } from '../../db/client';
import type { FieldIssue } from '../errors';
import { formatDateTime, parseShanghaiTime } from '../time';
import type { ImportRow } from './import-schemas';

interface RoundInfo {
  id: string;
  number: number;
  opensAt: Date;
  closesAt: Date;
  articles: Map<number, string>;
}

export interface ImportTargets {
  drafts: Map<string, { code: string; rounds: RoundInfo[] }>;
  stations: Map<string, string>;
}

/** Reads every draft, round with a version, article and station once (a few thousand rows). */
export async function loadImportTargets(db: DbOrTx): Promise<ImportTargets> {
  const roundRows = await db
    .select({ slug: drafts.slug, code: drafts.code, id: rounds.id, number: rounds.number, opensAt: rounds.opensAt, closesAt: rounds.closesAt, versionId: versions.id })
    .from(drafts)
    .innerJoin(rounds, eq(rounds.draftId, drafts.id))
    .innerJoin(versions, eq(versions.roundId, rounds.id))
    .orderBy(rounds.number);
  const articleRows = await db
    .select({ versionId: provisions.versionId, id: provisions.id, number: provisions.number })
    .from(provisions)
    .innerJoin(versions, eq(versions.id, provisions.versionId))
    .where(eq(provisions.kind, 'article'));
  const byVersion = new Map<string, Map<number, string>>();
  for (const a of articleRows) {
    let m = byVersion.get(a.versionId);
    if (!m) byVersion.set(a.versionId, (m = new Map()));
    m.set(a.number, a.id);
  }
  const result: ImportTargets = { drafts: new Map(), stations: new Map() };
  for (const r of roundRows) {
    let d = result.drafts.get(r.slug);
    if (!d) result.drafts.set(r.slug, (d = { code: r.code, rounds: [] }));
    d.rounds.push({ id: r.id, number: r.number, opensAt: r.opensAt, closesAt: r.closesAt, articles: byVersion.get(r.versionId) ?? new Map() });
  }
  for (const s of await db.select({ id: stations.id, code: stations.code }).from(stations)) result.stations.set(s.code, s.id);
  return result;
}

export interface ResolvedTarget {
  draftCode: string;
  roundId: string;
  roundNumber: number;
  articleId: string | null;
  articleNumber: number | null;
  stationId: string | null;
  /** When the comment counts as received: stored as its created_at. */
  at: Date;
}

const DAY = 86_400_000;
type Issue = Omit<FieldIssue, 'field'> & { column: string };

/** The row's target, or the issue that refuses it. */
export function resolveImportTarget(row: ImportRow, targets: ImportTargets, now: Date): ResolvedTarget | Issue {
  const draft = targets.drafts.get(row.draft);
  if (!draft) return { column: 'draft', key: 'commentImport.draftNotFound', params: { draft: row.draft } };
  const candidates = row.round === undefined ? draft.rounds : draft.rounds.filter((r) => r.number === row.round);
  if (!candidates.length) return { column: 'round', key: 'commentImport.roundNotFound', params: { draft: row.draft, round: row.round ?? '' } };

  let from = now;
  let to = new Date(now.getTime() + 1);
  if (row.received_at !== undefined) {
    const parsed = parseShanghaiTime(row.received_at);
    if (!parsed) return { column: 'received_at', key: 'commentImport.receivedAtInvalid' };
    const dateOnly = row.received_at.length === 10;
    from = parsed;
    to = new Date(parsed.getTime() + (dateOnly ? DAY : 1));
    if (from > now) return { column: 'received_at', key: 'commentImport.receivedAtFuture' };
  }
  // The round whose period overlaps [from, to); the moment is the later of `from` and the opening.
  const round = candidates.find((r) => from < r.closesAt && to > r.opensAt && (from > r.opensAt ? from : r.opensAt) <= now);
  if (!round) {
    const shown = formatDateTime(from);
    if (row.round === undefined) return { column: row.received_at ? 'received_at' : 'round', key: 'commentImport.noOpenRound', params: { at: shown, draft: row.draft } };
    const r = candidates[0];
    return { column: row.received_at ? 'received_at' : 'round', key: 'commentImport.outsidePeriod', params: { at: shown, round: r.number, opensAt: formatDateTime(r.opensAt), closesAt: formatDateTime(r.closesAt) } };
  }
  const at = from > round.opensAt ? from : round.opensAt;

  let articleId: string | null = null;
  if (row.article !== undefined) {
    articleId = round.articles.get(row.article) ?? null;
    if (!articleId) return { column: 'article', key: 'commentImport.articleNotFound', params: { round: round.number, number: row.article } };
  }
  let stationId: string | null = null;
  if (row.station !== undefined) {
    stationId = targets.stations.get(row.station) ?? null;
    if (!stationId) return { column: 'station', key: 'commentImport.stationNotFound', params: { station: row.station } };
  }
  return { draftCode: draft.code, roundId: round.id, roundNumber: round.number, articleId, articleNumber: row.article ?? null, stationId, at };
}
