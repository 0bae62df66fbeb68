/**
 * Computing a round's themes (decision 028): the `themes` job, in a lane of its own. A full
 * computation reads the round's visible comments, takes one representative per campaign group and
 * article, clusters the representatives per article (cluster.ts) and stores the themes, each comment's
 * theme, each article's vocabulary and the run, in one transaction. A theme that persists (half or
 * more of its comments in one new cluster, by Jaccard) keeps its id and its staff label. A refresh
 * assigns only the comments that arrived since to the nearest theme (or 其他独立意见), and computes
 * in full when many arrived. Submission never waits on any of this: a periodic task enqueues the
 * refresh of rounds already computed that have new comments.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { getDb, type DbOrTx } from '../../db/client';
import { rowsOf } from '../../db/rows';
import { pgArray } from '../../db/pg-literals';
import { cosine, vectorOf, THRESHOLD, type Vocabulary } from './cluster';
import { withWorker } from '../workers/run-worker';
import type { AnalysisEvent, AnalysisMethods } from '../workers/analysis.worker';
import { pickQuotes } from './quotes';
import { timeSlicer } from './yield';

export interface RunSummary {
  mode: 'full' | 'incremental' | 'unchanged';
  comments: number;
  themes: number;
  durationMs: number;
}

interface Row {
  id: string;
  receipt: string;
  body: string;
  article: number;
  group_id: string | null;
  created_at: Date | string;
  /** created_at as PostgreSQL prints it (microseconds kept: the key of the next page); read by readRound only. */
  at_key?: string;
}

const PERSON = sql`coalesce(c.user_id::text, 'c:' || lower(c.contact), c.id::text)`;
/** A refresh computes in full once the comments added since the last full computation exceed this share. */
const FULL_SHARE = 0.2;
const FULL_MIN = 200;
/** Comments committed a little after later ones (a long transaction) are still picked up. */
const LATE_WINDOW = sql`interval '10 minutes'`;

/** Rows read a page at a time: PGlite runs a query in-process, and one query of 100,000 bodies would hold the event loop. */
const PAGE = 1_000;
/** Bodies sent to the analysis worker per message: each structured clone is short, so this thread never stalls on one. */
const SEND = 2_000;

/**
 * The round's visible comments, oldest first, read in pages of PAGE (keyset on created_at, id) and
 * handed to `onPage` one page at a time: nothing keeps the whole round on this thread.
 */
async function readRound(roundId: string, db: DbOrTx, onPage: (page: Row[]) => Promise<void>): Promise<void> {
  let after: { at: string; id: string } | null = null;
  for (;;) {
    const page: Row[] = rowsOf<Row>(await db.execute(sql`
      select c.id, c.receipt, c.body, coalesce(c.article_number, 0) as article, c.group_id, c.created_at, c.created_at::text as at_key
      from comments c where c.round_id = ${roundId} and c.hidden_at is null
        ${after ? sql`and (c.created_at, c.id) > (${after.at}::timestamptz, ${after.id}::uuid)` : sql``}
      order by c.created_at, c.id limit ${PAGE}`));
    await onPage(page);
    if (page.length < PAGE) return;
    const last = page[page.length - 1];
    after = { at: last.at_key!, id: last.id };
  }
}

interface NewTheme {
  id: string;
  article: number;
  other: boolean;
  autoLabel: string;
  label: string | null;
  labelledBy: string | null;
  keyPhrases: string[];
  centroid: Record<string, number>;
  quotes: { receipt: string; text: string }[];
  commentIds: string[];
}

/** Quotes: up to three distinct texts, nearest the centroid first. */
function quotesOf(reps: Row[]): { receipt: string; text: string }[] {
  return pickQuotes(reps.map((r) => r.body)).map((q) => ({ receipt: reps[q.at].receipt, text: q.text }));
}

/**
 * Computes the themes of a round in full and stores them (replacing the last computation; labels
 * kept where a theme persists). `onProgress` gets 0..1 and may throw to stop.
 *
 * The comments are read a page at a time and the bodies of each article's representatives (one
 * per campaign group and article, the group's first comment) go straight to the analysis worker
 * (workers/run-worker.ts), which segments them while the next page is read, and clusters each
 * article when all are in. This thread keeps only ids and receipts: a round's bodies never live
 * on it, so its garbage collections stay short while it serves requests.
 */
export async function computeRoundThemes(roundId: string, db: DbOrTx = getDb(), opts: { onProgress?: (f: number) => Promise<void> | void } = {}): Promise<RunSummary> {
  const started = Date.now();
  const slice = timeSlicer();
  const [{ n: expected }] = rowsOf<{ n: number }>(await db.execute(sql`
    select count(*)::int as n from comments where round_id = ${roundId} and hidden_at is null`));
  // Per article: each representative's receipt and the ids of the comments it stands for.
  const byArticle = new Map<number, { receipts: string[]; members: string[][] }>();
  const repOf = new Map<string, number>();
  let through = 0;
  let count = 0;
  let segmented = 0;
  const built: NewTheme[] = [];
  const sets: { article: number; idf: Record<string, number>; defaultIdf: number }[] = [];
  const onEvent = async (e: unknown) => {
    const event = e as AnalysisEvent;
    if ('segmented' in event) {
      segmented += event.segmented;
      await opts.onProgress?.(0.5 * segmented / Math.max(1, expected));
    }
  };
  await withWorker<AnalysisMethods, void>('analysis', async (worker) => {
    const sending: Promise<unknown>[] = [];
    await readRound(roundId, db, async (page) => {
      const fresh = new Map<number, string[]>();
      for (const r of page) {
        count++;
        through = Math.max(through, new Date(r.created_at).getTime());
        const article = Number(r.article);
        const a = byArticle.get(article) ?? { receipts: [], members: [] };
        byArticle.set(article, a);
        const key = r.group_id ? `${article}:${r.group_id}` : null;
        const at = key ? repOf.get(key) : undefined;
        if (at !== undefined) a.members[at].push(r.id);
        else {
          if (key) repOf.set(key, a.receipts.length);
          a.receipts.push(r.receipt);
          a.members.push([r.id]);
          const bodies = fresh.get(article) ?? [];
          fresh.set(article, bodies);
          bodies.push(r.body);
        }
        await slice();
      }
      // Sent without waiting: the worker segments this page while the next is read (calls run in order).
      for (const [article, bodies] of fresh) {
        const call = worker.call('addDocs', article, bodies);
        call.catch(() => undefined); // a failure is thrown by the Promise.all below, never left unhandled meanwhile
        sending.push(call);
      }
      if (sending.length > 64) await Promise.all(sending.splice(0));
    });
    await Promise.all(sending);
    let finished = 0;
    const reps = [...byArticle.values()].reduce((s, a) => s + a.receipts.length, 0);
    for (const [article, { receipts, members }] of [...byArticle].sort((x, y) => x[0] - y[0])) {
      const result = await worker.call('cluster', article, members.map((m) => m.length));
      sets.push({ article, ...result.vocab });
      const quotes = (qs: { at: number; text: string }[]) => qs.map((q) => ({ receipt: receipts[q.at], text: q.text }));
      for (const t of result.themes) {
        await slice();
        built.push({
          id: '', article, other: false, autoLabel: t.keyPhrases.slice(0, 3).join('、'), label: null, labelledBy: null,
          keyPhrases: t.keyPhrases, centroid: t.centroid, quotes: quotes(t.quotes), commentIds: t.members.flatMap((d) => members[d]),
        });
      }
      if (result.other) {
        built.push({
          id: '', article, other: true, autoLabel: '', label: null, labelledBy: null, keyPhrases: [], centroid: {},
          quotes: quotes(result.other.quotes), commentIds: result.other.members.flatMap((d) => members[d]),
        });
      }
      finished += receipts.length;
      await opts.onProgress?.(0.5 + 0.4 * finished / Math.max(1, reps));
    }
  }, onEvent);
  await keepPersistingThemes(roundId, built, db, slice);
  await db.transaction(async (tx) => {
    await tx.execute(sql`delete from theme_comments where round_id = ${roundId}`);
    await tx.execute(sql`delete from themes where round_id = ${roundId} and not (id = any(${pgArray(built.map((b) => b.id))}::uuid[]))`);
    for (const b of built) await upsertTheme(tx, roundId, b);
    await insertMembership(tx, roundId, built.flatMap((b) => b.commentIds.map((c) => [c, b.id] as const)), slice);
    await tx.execute(sql`delete from theme_sets where round_id = ${roundId}`);
    for (const s of sets) {
      await slice();
      await tx.execute(sql`insert into theme_sets (round_id, article_number, idf, default_idf)
        values (${roundId}, ${s.article}, ${JSON.stringify(s.idf)}::jsonb, ${s.defaultIdf})`);
    }
    await recount(tx, roundId);
    const durationMs = Date.now() - started;
    await tx.execute(sql`insert into theme_runs (round_id, mode, through, full_at, finished_at, duration_ms, comments, added_since_full)
      values (${roundId}, 'full', ${new Date(through || started).toISOString()}::timestamptz, now(), now(), ${durationMs}, ${count}, 0)
      on conflict (round_id) do update set mode = 'full', through = excluded.through, full_at = now(), finished_at = now(),
        duration_ms = excluded.duration_ms, comments = excluded.comments, added_since_full = 0`);
  });
  return { mode: 'full', comments: count, themes: built.filter((b) => !b.other).length, durationMs: Date.now() - started };
}

/** Gives each new theme the id (and staff label) of the old theme it continues, or a new id. */
async function keepPersistingThemes(roundId: string, built: NewTheme[], db: DbOrTx, slice: () => Promise<void> | void): Promise<void> {
  const old = rowsOf<{ comment_id: string; theme_id: string }>(await db.execute(sql`
    select tc.comment_id, tc.theme_id from theme_comments tc where tc.round_id = ${roundId}`));
  const themes = rowsOf<{ id: string; article_number: number; other: boolean; label: string | null; labelled_by: string | null }>(await db.execute(sql`
    select id, article_number, other, label, labelled_by from themes where round_id = ${roundId}`));
  const oldOf = new Map<string, string>();
  const oldSize = new Map<string, number>();
  for (const r of old) {
    oldOf.set(r.comment_id, r.theme_id);
    oldSize.set(r.theme_id, (oldSize.get(r.theme_id) ?? 0) + 1);
    await slice();
  }
  const byId = new Map(themes.map((t) => [t.id, t]));
  const taken = new Set<string>();
  // Biggest first: they claim their predecessor before a fragment could.
  for (const b of [...built].sort((x, y) => y.commentIds.length - x.commentIds.length)) {
    let id: string | undefined;
    if (b.other) id = themes.find((t) => t.other && Number(t.article_number) === b.article && !taken.has(t.id))?.id;
    else {
      const overlap = new Map<string, number>();
      await slice();
      for (const c of b.commentIds) {
        const o = oldOf.get(c);
        if (o) overlap.set(o, (overlap.get(o) ?? 0) + 1);
      }
      let best = 0;
      for (const [o, k] of overlap) {
        const t = byId.get(o);
        if (!t || t.other || taken.has(o)) continue;
        const jaccard = k / (b.commentIds.length + (oldSize.get(o) ?? 0) - k);
        if (jaccard >= 0.5 && jaccard > best) {
          best = jaccard;
          id = o;
        }
      }
    }
    if (id) {
      taken.add(id);
      b.label = byId.get(id)!.label;
      b.labelledBy = byId.get(id)!.labelled_by;
    }
    b.id = id ?? randomUUID();
  }
}

async function upsertTheme(tx: DbOrTx, roundId: string, b: NewTheme): Promise<void> {
  await tx.execute(sql`insert into themes (id, round_id, article_number, other, auto_label, label, labelled_by, key_phrases, centroid, quotes)
    values (${b.id}, ${roundId}, ${b.article}, ${b.other}, ${b.autoLabel}, ${b.label}, ${b.labelledBy},
      ${pgArray(b.keyPhrases)}::text[], ${JSON.stringify(b.centroid)}::jsonb, ${JSON.stringify(b.quotes)}::jsonb)
    on conflict (id) do update set auto_label = excluded.auto_label, key_phrases = excluded.key_phrases,
      centroid = excluded.centroid, quotes = excluded.quotes, article_number = excluded.article_number, other = excluded.other`);
}

async function insertMembership(tx: DbOrTx, roundId: string, pairs: (readonly [string, string])[], slice: () => Promise<void> | void): Promise<void> {
  for (let i = 0; i < pairs.length; i += 5_000) {
    await slice();
    const chunk = pairs.slice(i, i + 5_000);
    await tx.execute(sql`insert into theme_comments (comment_id, theme_id, round_id)
      select c, t, ${roundId}::uuid from unnest(${pgArray(chunk.map((p) => p[0]))}::uuid[], ${pgArray(chunk.map((p) => p[1]))}::uuid[]) as x(c, t)
      on conflict (comment_id) do update set theme_id = excluded.theme_id`);
  }
}

/** Comments and people (a person once however many comments: account, else contact) per theme of a round. */
async function recount(tx: DbOrTx, roundId: string): Promise<void> {
  await tx.execute(sql`
    update themes t set comments = coalesce(x.n, 0), people = coalesce(x.p, 0)
    from themes t2 left join (
      select tc.theme_id, count(*)::int as n, count(distinct ${PERSON})::int as p
      from theme_comments tc join comments c on c.id = tc.comment_id
      where tc.round_id = ${roundId} and c.hidden_at is null group by tc.theme_id
    ) x on x.theme_id = t2.id
    where t.id = t2.id and t2.round_id = ${roundId}`);
}

/**
 * Brings a computed round's themes up to date: the comments that arrived since the last run go to
 * the nearest theme of their article (cosine ≥ THRESHOLD against the stored centroid, with the
 * stored vocabulary), a campaign copy to its group's theme, the rest to 其他独立意见. Computes in full
 * when the round was never computed, an article has no vocabulary yet, or many comments arrived.
 */
export async function refreshRoundThemes(roundId: string, db: DbOrTx = getDb(), opts: { onProgress?: (f: number) => Promise<void> | void } = {}): Promise<RunSummary> {
  const started = Date.now();
  const slice = timeSlicer();
  const [run] = rowsOf<{ through: Date | string; comments: number; added_since_full: number }>(await db.execute(sql`
    select through, comments, added_since_full from theme_runs where round_id = ${roundId}`));
  if (!run) return computeRoundThemes(roundId, db, opts);
  const fresh = rowsOf<Row>(await db.execute(sql`
    select c.id, c.receipt, c.body, coalesce(c.article_number, 0) as article, c.group_id, c.created_at
    from comments c
    where c.round_id = ${roundId} and c.hidden_at is null and c.created_at > ${new Date(run.through).toISOString()}::timestamptz - ${LATE_WINDOW}
      and not exists (select 1 from theme_comments tc where tc.comment_id = c.id)
    order by c.created_at, c.id`));
  if (!fresh.length) return { mode: 'unchanged', comments: 0, themes: 0, durationMs: Date.now() - started };
  const added = Number(run.added_since_full) + fresh.length;
  if (added > Math.max(FULL_MIN, FULL_SHARE * Number(run.comments))) return computeRoundThemes(roundId, db, opts);
  const articles = [...new Set(fresh.map((r) => Number(r.article)))];
  const sets = rowsOf<{ article_number: number; idf: Record<string, number>; default_idf: number }>(await db.execute(sql`
    select article_number, idf, default_idf from theme_sets where round_id = ${roundId} and article_number = any(${pgArray(articles)}::int[])`));
  if (sets.length < articles.length) return computeRoundThemes(roundId, db, opts);
  const vocabOf = new Map(sets.map((s) => [Number(s.article_number), { idf: new Map(Object.entries(s.idf)), defaultIdf: Number(s.default_idf) } as Vocabulary]));
  const themes = rowsOf<{ id: string; article_number: number; other: boolean; centroid: Record<string, number>; map?: Map<string, number> }>(await db.execute(sql`
    select id, article_number, other, centroid from themes where round_id = ${roundId} and article_number = any(${pgArray(articles)}::int[])`));
  const groupTheme = new Map(rowsOf<{ group_id: string; article: number; theme_id: string }>(await db.execute(sql`
    select distinct on (c.group_id, coalesce(c.article_number, 0)) c.group_id, coalesce(c.article_number, 0) as article, tc.theme_id
    from theme_comments tc join comments c on c.id = tc.comment_id
    where tc.round_id = ${roundId} and c.group_id is not null`)).map((r) => [`${r.article}:${r.group_id}`, r.theme_id]));
  // The new comments' terms, from the analysis worker (jieba never loads on this thread).
  const termsOfFresh: [string, number][][] = [];
  await withWorker<AnalysisMethods, void>('analysis', async (worker) => {
    for (let k = 0; k < fresh.length; k += SEND) {
      for (const t of await worker.call('terms', fresh.slice(k, k + SEND).map((r) => r.body))) termsOfFresh.push(t);
      await slice();
    }
  });
  const pairs: [string, string][] = [];
  const newOthers: NewTheme[] = [];
  let i = 0;
  for (const r of fresh) {
    const article = Number(r.article);
    const key = r.group_id ? `${article}:${r.group_id}` : null;
    let theme = key ? groupTheme.get(key) : undefined;
    if (!theme) {
      const v = vectorOf(new Map(termsOfFresh[i]), vocabOf.get(article)!);
      let best = THRESHOLD;
      for (const t of themes) {
        if (t.other || Number(t.article_number) !== article) continue;
        const s = cosine(v, (t.map ??= new Map(Object.entries(t.centroid))));
        if (s >= best) {
          best = s;
          theme = t.id;
        }
      }
    }
    if (!theme) {
      let other = themes.find((t) => t.other && Number(t.article_number) === article)?.id;
      if (!other) {
        other = randomUUID();
        themes.push({ id: other, article_number: article, other: true, centroid: {} });
        newOthers.push({ id: other, article, other: true, autoLabel: '', label: null, labelledBy: null, keyPhrases: [], centroid: {}, quotes: quotesOf([r]), commentIds: [] });
      }
      theme = other;
    }
    if (key) groupTheme.set(key, theme);
    pairs.push([r.id, theme]);
    if (++i % 500 === 0) await opts.onProgress?.(i / fresh.length);
    await slice();
  }
  const through = fresh.reduce((m, r) => Math.max(m, new Date(r.created_at).getTime()), new Date(run.through).getTime());
  await db.transaction(async (tx) => {
    for (const b of newOthers) await upsertTheme(tx, roundId, b);
    await insertMembership(tx, roundId, pairs, slice);
    await recount(tx, roundId);
    await tx.execute(sql`update theme_runs set mode = 'incremental', through = ${new Date(through).toISOString()}::timestamptz, finished_at = now(),
      duration_ms = ${Date.now() - started}, comments = comments + ${fresh.length}, added_since_full = ${added} where round_id = ${roundId}`);
  });
  return { mode: 'incremental', comments: fresh.length, themes: 0, durationMs: Date.now() - started };
}
