/**
 * Publishes the text of one round of a draft: parses it, creates the draft and the round if
 * they are new, stores the immutable version and its provisions, and links every article to
 * its ancestor in the previous round (lineage) so that it keeps its identity across rounds.
 *
 * Publishing is when the draft's followers are told the round is open for comment
 * (messages/follows.ts notifyFollowers, in the same transaction), with its closing time — also
 * when its opening is still ahead (kept simple: one notice per round, at publication; the draft
 * page shows when it opens). A version replaced later does not notify again (dedupe per round).
 */
import { and, asc, count, eq, gt, inArray, lt } from 'drizzle-orm';
import { sha256 } from '@oslojs/crypto/sha2';
import { encodeHexLowerCase } from '@oslojs/encoding';
import { randomUUID } from 'node:crypto';
import { comments, drafts, provisions, rounds, versions } from '../../db/schema';
import { getDb, type DbOrTx, type Tx } from '../../db/client';
import { AppError } from '../errors';
import { t } from '../../i18n';
import { recordAudit, systemActor, type Actor } from '../audit';
import { describeProblem, parseLegalText, type LegalText, type ParseCounts } from './parse-legal-text';
import { formatChineseNumeral } from './chinese-numerals';
import { assignLineage } from './lineage';
import { notifyFollowers, roundUrl } from '../messages/follows';
import { messagesQueued } from '../messages/outbox';

export interface PublishVersionInput {
  slug: string;
  roundNumber: number;
  text: string | Uint8Array;
  title?: string;
  code?: string;
  summary?: string;
  label?: string;
  opensAt?: Date;
  closesAt?: Date;
  noteMd?: string;
}

export interface PublishVersionResult {
  draftId: string;
  roundId: string;
  versionId: string;
  /** False when the same text was already published for this round (a no-op). */
  created: boolean;
  counts: ParseCounts;
  warnings: string[];
}

const DAY = 86400_000;

/** Parses `text`, or throws LegalTextInvalid naming the lines. */
export function parseOrThrow(text: string | Uint8Array): { doc: LegalText; counts: ParseCounts; warnings: string[] } {
  const result = parseLegalText(text);
  if (!result.ok) {
    const detail = result.errors.slice(0, 5).map((p) => describeProblem(p)).join('；');
    throw new AppError('LegalTextInvalid', { detail });
  }
  return { doc: result.text, counts: result.counts, warnings: result.warnings.map((p) => describeProblem(p)) };
}

/** The default label of round n: 一审稿, 二审稿 … */
export function defaultRoundLabel(n: number): string {
  return `${formatChineseNumeral(n)}审稿`;
}

/** A receipt prefix from a slug: initials of its parts, upper-case (jiesu-jiban → JJ). */
function codeFromSlug(slug: string): string {
  const parts = slug.split(/[-_]/).filter(Boolean);
  const letters = parts.length >= 2 ? parts.map((p) => p[0]).join('') : slug.slice(0, 2);
  return letters.toUpperCase().replace(/[^A-Z]/g, 'X').slice(0, 4).padEnd(2, 'X');
}

async function uniqueCode(tx: Tx, wanted: string): Promise<string> {
  const taken = new Set((await tx.select({ code: drafts.code }).from(drafts)).map((r) => r.code));
  if (!taken.has(wanted)) return wanted;
  for (const c of 'ABCDEFGHJKLMNPQRSTUVWXYZ') {
    const candidate = (wanted.slice(0, 3) + c).slice(0, 4);
    if (!taken.has(candidate)) return candidate;
  }
  throw new AppError('Conflict');
}

/**
 * Publishes round `roundNumber` of draft `slug`. Re-publishing the same text is a no-op; a
 * different text replaces the version only while the round has no comments (else
 * VersionConflict). Throws LegalTextInvalid when the text does not parse. Writes an audit event.
 */
export async function publishVersion(
  input: PublishVersionInput,
  actor: Actor = systemActor,
  db: DbOrTx = getDb(),
): Promise<PublishVersionResult> {
  const { doc, counts, warnings } = parseOrThrow(input.text);
  const source = typeof input.text === 'string' ? input.text : new TextDecoder().decode(input.text);
  const digest = encodeHexLowerCase(sha256(new TextEncoder().encode(source)));

  let notified = 0;
  const result = await db.transaction(async (tx) => {
    let [draft] = await tx.select().from(drafts).where(eq(drafts.slug, input.slug)).for('update');
    if (!draft) {
      const code = await uniqueCode(tx, input.code ?? codeFromSlug(input.slug));
      [draft] = await tx
        .insert(drafts)
        .values({ slug: input.slug, title: input.title ?? doc.title, code, summary: input.summary ?? null })
        .returning();
      await recordAudit(tx, actor, { action: 'draft.create', objectType: 'draft', objectId: draft.id, after: { slug: draft.slug, title: draft.title, code } });
    }

    let [round] = await tx.select().from(rounds).where(and(eq(rounds.draftId, draft.id), eq(rounds.number, input.roundNumber)));
    if (round) {
      const [existing] = await tx.select().from(versions).where(eq(versions.roundId, round.id));
      if (existing?.sourceSha256 === digest) {
        return { draftId: draft.id, roundId: round.id, versionId: existing.id, created: false, counts, warnings };
      }
      if (existing) {
        const [{ n }] = await tx.select({ n: count() }).from(comments).where(eq(comments.roundId, round.id));
        if (Number(n) > 0) throw new AppError('VersionConflict');
        await tx.delete(provisions).where(eq(provisions.versionId, existing.id));
        await tx.delete(versions).where(eq(versions.id, existing.id));
      }
      const changes = {
        ...(input.label ? { label: input.label } : {}),
        ...(input.opensAt ? { opensAt: input.opensAt } : {}),
        ...(input.closesAt ? { closesAt: input.closesAt } : {}),
        ...(input.noteMd !== undefined ? { noteMd: input.noteMd } : {}),
      };
      if (Object.keys(changes).length) [round] = await tx.update(rounds).set(changes).where(eq(rounds.id, round.id)).returning();
    } else {
      const opensAt = input.opensAt ?? new Date();
      const closesAt = input.closesAt ?? new Date(opensAt.getTime() + 30 * DAY);
      if (closesAt <= opensAt) throw new AppError('ValidationFailed', {}, [{ field: 'closes', key: 'field.invalid' }]);
      [round] = await tx
        .insert(rounds)
        .values({
          draftId: draft.id,
          number: input.roundNumber,
          label: input.label ?? defaultRoundLabel(input.roundNumber),
          opensAt,
          closesAt,
          noteMd: input.noteMd ?? null,
        })
        .returning();
    }

    const [version] = await tx
      .insert(versions)
      .values({ roundId: round.id, title: doc.title, preamble: doc.preamble, sourceText: source, sourceSha256: digest, counts: { ...counts } })
      .returning();

    const previous = await previousArticles(tx, draft.id, input.roundNumber);
    const lineage = assignLineage(previous, doc.articles);
    await insertProvisions(tx, version.id, doc, lineage);

    await recordAudit(tx, actor, {
      action: 'version.publish',
      objectType: 'round',
      objectId: round.id,
      after: { slug: draft.slug, round: round.number, sha256: digest, counts },
    });
    await closeEarlierRounds(tx, draft.id, round, actor);
    notified = await notifyFollowers(tx, draft.id, {
      kind: 'round-opened', roundId: round.id, round: round.label, closesAt: round.closesAt, url: roundUrl(draft.slug, round.number),
    });
    return { draftId: draft.id, roundId: round.id, versionId: version.id, created: true, counts, warnings };
  });
  if (notified) messagesQueued();
  return result;
}

/**
 * One open round per draft: a round whose period runs past the opening of `round` (a later
 * round) ends when it opens, with the reason shown on the draft page, and an audit event. Every
 * channel then finds the same open round (comments/comment-target.ts).
 */
async function closeEarlierRounds(tx: Tx, draftId: string, round: typeof rounds.$inferSelect, actor: Actor): Promise<void> {
  const overlapping = await tx.select().from(rounds).where(and(
    eq(rounds.draftId, draftId), lt(rounds.number, round.number), gt(rounds.closesAt, round.opensAt), lt(rounds.opensAt, round.opensAt)));
  for (const earlier of overlapping) {
    const closedEarlyReason = t('zh-CN', 'rounds.closedByNext', { label: round.label });
    await tx.update(rounds).set({ closesAt: round.opensAt, closedEarlyReason }).where(eq(rounds.id, earlier.id));
    await recordAudit(tx, actor, {
      action: 'round.close', objectType: 'round', objectId: earlier.id,
      before: { closesAt: earlier.closesAt }, after: { closesAt: round.opensAt, reason: closedEarlyReason },
    });
  }
}

/** The articles of the nearest earlier round that has a version, with their lineage ids. */
async function previousArticles(tx: Tx, draftId: string, roundNumber: number) {
  const earlier = await tx
    .select({ versionId: versions.id, number: rounds.number })
    .from(rounds)
    .innerJoin(versions, eq(versions.roundId, rounds.id))
    .where(eq(rounds.draftId, draftId))
    .orderBy(asc(rounds.number));
  const prev = earlier.filter((r) => r.number < roundNumber).pop();
  if (!prev) return [];
  return tx
    .select({ number: provisions.number, text: provisions.text, lineageId: provisions.lineageId })
    .from(provisions)
    .where(and(eq(provisions.versionId, prev.versionId), inArray(provisions.kind, ['article'])))
    .orderBy(asc(provisions.seq));
}

async function insertProvisions(tx: Tx, versionId: string, doc: LegalText, lineage: Map<number, string>) {
  type Row = typeof provisions.$inferInsert;
  const rows: Row[] = [];
  let seq = 0;
  const chapterIds = new Map<number, string>();
  const sectionIds = new Map<string, string>();
  const push = (row: Omit<Row, 'versionId' | 'seq'>) => {
    const full = { ...row, id: row.id ?? randomUUID(), versionId, seq: seq++ };
    rows.push(full);
    return full.id as string;
  };
  const emitted = new Set<string>();
  for (const a of doc.articles) {
    // Chapters and sections are emitted just before their first article (reading order).
    if (a.chapter !== undefined && !emitted.has(`c${a.chapter}`)) {
      const c = doc.chapters.find((x) => x.number === a.chapter)!;
      chapterIds.set(c.number, push({ kind: 'chapter', number: c.number, label: c.label, title: c.title, text: '', chapterNumber: c.number }));
      emitted.add(`c${a.chapter}`);
    }
    if (a.chapter !== undefined && a.section !== undefined && !emitted.has(`s${a.chapter}.${a.section}`)) {
      const c = doc.chapters.find((x) => x.number === a.chapter)!;
      const s = c.sections.find((x) => x.number === a.section)!;
      sectionIds.set(`${c.number}.${s.number}`, push({
        kind: 'section', parentId: chapterIds.get(c.number), number: s.number, label: s.label, title: s.title, text: '',
        chapterNumber: c.number, sectionNumber: s.number,
      }));
      emitted.add(`s${a.chapter}.${a.section}`);
    }
    const parentId = a.section !== undefined ? sectionIds.get(`${a.chapter}.${a.section}`) : a.chapter !== undefined ? chapterIds.get(a.chapter) : undefined;
    const articleId = push({
      kind: 'article', parentId, number: a.number, label: a.label, title: a.caption ?? null, text: a.text,
      lineageId: lineage.get(a.number) ?? randomUUID(), chapterNumber: a.chapter ?? null, sectionNumber: a.section ?? null,
    });
    a.paragraphs.forEach((p, pi) => {
      const paragraphId = push({ kind: 'paragraph', parentId: articleId, number: pi + 1, text: p.text });
      p.items.forEach((item, ii) => push({ kind: 'item', parentId: paragraphId, number: ii + 1, text: item }));
    });
  }
  for (let i = 0; i < rows.length; i += 500) await tx.insert(provisions).values(rows.slice(i, i + 500));
}
