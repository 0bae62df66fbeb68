/**
 * Tag suggestions against a database (src/server/suggestions/): below the training minimum no
 * suggestions and the reason; trained from the round's coding (or the draft's); accept adds the tag
 * through the tagging use case (audited); reject is stored, audited, never suggested again and
 * counted as a negative; the periodic trigger; the bulk accept by confidence; the API's shape and
 * bad input.
 */
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { comments, users } from '../../src/db/schema';
import { rowsOf } from '../../src/db/rows';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { publishVersion } from '../../src/server/drafts/publish-version';
import { tagComments, tagsOfComment } from '../../src/server/review/tags';
import { trainRoundSuggestions, MIN_TAGGED } from '../../src/server/suggestions/train-suggestions';
import { acceptSuggestionsAbove, countSuggestionsAbove, decideSuggestion, pendingAcceptJob, registerAcceptJob, startAcceptSuggestionsAbove, suggestionState, suggestionsOf } from '../../src/server/suggestions/suggestions';
import { enqueueStaleSuggestions, pendingSuggestionsJob, registerSuggestionsJob, SUGGESTIONS_LANE } from '../../src/server/suggestions/suggestions-job';
import { runNextJob } from '../../src/server/jobs/runner';
import { errorResponse, isAppError } from '../../src/server/errors';
import { staffCommentResponse, suggestionDecisionResponse } from '../../src/server/api-responses';
import { GET } from '../../src/pages/api/v1/staff/comments/[id]/index';
import { POST } from '../../src/pages/api/v1/staff/comments/[id]/suggestions';
import type { SessionUser } from '../../src/server/auth/session-user';
import type { Actor } from '../../src/server/audit';

interface FixtureComment { id: number; article: number; body: string; tags: string[] }
const fixture = JSON.parse(readFileSync('tests/fixtures/tag-suggestions/comments.json', 'utf8')) as FixtureComment[];
const DRAFT_TEXT = Array.from({ length: 12 }, (_, i) => `第${'一二三四五六七八九十'[i] ?? '十'}${i >= 10 ? '一二'[i - 10] : ''}条　本条是第 ${i + 1} 条的内容。`).join('\n');
const DAY = 86_400_000;
const slug = 'tagsug';

let database: TestDatabase;
let staff: SessionUser;
let actor: Actor;
let roundId: string;
let draftId: string;
/** Fixture index → comment id. */
const ids: string[] = [];

beforeAll(async () => {
  database = await createTestDatabase({ global: true });
  const now = Date.now();
  const r = await publishVersion({ slug, code: 'TS', title: '物业管理条例（草案）', roundNumber: 1, label: '一审稿', text: `# 物业管理条例（草案）\n\n${DRAFT_TEXT}`, opensAt: new Date(now - 10 * DAY), closesAt: new Date(now + 10 * DAY) }, undefined, database.db);
  roundId = r.roundId;
  draftId = r.draftId;
  const [u] = await database.db.insert(users).values({ email: `staff-${randomUUID()}@example.com`, passwordHash: 'x', role: 'staff', name: '工作人员' }).returning();
  staff = { id: u.id, role: 'staff', name: null, email: null, phone: null, district: null, occupation: null, via: 'session' } as SessionUser;
  actor = { id: u.id, kind: 'user' };
  const rows = fixture.map((c, i) => ({
    receipt: `TS-${randomUUID().slice(0, 8)}`, lookupHash: 'x', idempotencyKey: randomUUID(), draftId, roundId,
    articleNumber: c.article, body: c.body, channel: 'web' as const, fingerprint: randomUUID(), createdAt: new Date(now - 5 * DAY + i * 1000),
  }));
  const inserted = await database.db.insert(comments).values(rows).returning({ id: comments.id, idem: comments.idempotencyKey });
  const byIdem = new Map(inserted.map((x) => [x.idem, x.id]));
  for (const row of rows) ids.push(byIdem.get(row.idempotencyKey)!);
});
afterAll(() => database?.close());

/** Tags fixture comments [from, to) with their labelled tags, one tagComments call per tag. */
async function tagFixture(from: number, to: number) {
  const byTag = new Map<string, string[]>();
  for (let i = from; i < to; i++) for (const t of fixture[i].tags) byTag.set(t, [...(byTag.get(t) ?? []), ids[i]]);
  for (const [tag, list] of byTag) await tagComments(list, [tag], actor, {}, database.db);
}
const taggedIn = (from: number, to: number) => fixture.slice(from, to).filter((c) => c.tags.length).length;

describe('below the training minimum', () => {
  it('suggests nothing and says how many are tagged', async () => {
    await tagFixture(0, 15);
    const summary = await trainRoundSuggestions(roundId, database.db, { words: false });
    expect(summary.source).toBe('none');
    expect(summary.suggestions).toBe(0);
    const state = await suggestionState(roundId, database.db);
    expect(state).toMatchObject({ source: 'none', roundTagged: taggedIn(0, 15), minTagged: MIN_TAGGED });
    expect(await suggestionsOf(ids[300], database.db)).toEqual([]);
  });
});

describe('the periodic trigger and the job', () => {
  it('queues a training when the coding changed enough, once, and the job runs it', async () => {
    await tagFixture(15, 200);
    registerSuggestionsJob();
    expect(await enqueueStaleSuggestions(database.db)).toBe(1);
    expect(await enqueueStaleSuggestions(database.db)).toBe(0);
    expect(await pendingSuggestionsJob(roundId, database.db)).not.toBeNull();
    const job = await runNextJob({ workerId: 'test', exportDir: '/tmp', lane: SUGGESTIONS_LANE, db: database.db });
    expect(job?.kind).toBe('tag-suggestions');
    const [j] = rowsOf<{ status: string }>(await database.db.execute(sql`select status from jobs where id = ${job!.id}`));
    expect(j.status).toBe('done');
    const state = await suggestionState(roundId, database.db);
    expect(state.source).toBe('round');
    expect(state.trainedOn).toBe(taggedIn(0, 200));
    expect(state.learnedTags).toHaveLength(8);
    // Nothing changed since: nothing queued.
    expect(await enqueueStaleSuggestions(database.db)).toBe(0);
  });

  it('suggests only for untagged comments, with a confidence', async () => {
    const tagged = rowsOf<{ n: number }>(await database.db.execute(sql`
      select count(*)::int as n from tag_suggestions s where exists (select 1 from comment_tags ct where ct.comment_id = s.comment_id)`));
    expect(tagged[0].n).toBe(0);
    const i = fixture.findIndex((c, k) => k >= 200 && c.tags.length === 1);
    const s = await suggestionsOf(ids[i], database.db);
    expect(s[0].tag).toBe(fixture[i].tags[0]);
    expect(s[0].confidence).toBeGreaterThan(0.5);
    expect(s[0].confidence).toBeLessThanOrEqual(1);
  });
});

describe('accepting and rejecting', () => {
  it('accept adds the tag through the tagging use case, audited, and removes the suggestion', async () => {
    const i = fixture.findIndex((c, k) => k >= 200 && c.tags.length === 1);
    const [s] = await suggestionsOf(ids[i], database.db);
    await decideSuggestion(ids[i], { tag: s.tag, accept: true }, actor, database.db);
    expect((await tagsOfComment(ids[i], database.db)).map((t) => t.name)).toContain(s.tag);
    expect((await suggestionsOf(ids[i], database.db)).map((x) => x.tag)).not.toContain(s.tag);
    const audit = rowsOf<{ action: string }>(await database.db.execute(sql`
      select action from audit_events where object_type = 'comment' and object_id = ${ids[i]} order by id desc limit 1`));
    expect(audit[0].action).toBe('comment.tag');
  });

  it('reject is stored and audited, never suggested again, and counted as a negative at the next training', async () => {
    const i = fixture.findIndex((c, k) => k >= 260 && c.tags.length === 1);
    const [s] = await suggestionsOf(ids[i], database.db);
    await decideSuggestion(ids[i], { tag: s.tagId, accept: false }, actor, database.db);
    expect((await suggestionsOf(ids[i], database.db)).map((x) => x.tag)).not.toContain(s.tag);
    const audit = rowsOf<{ action: string; after: { tags: string[] } }>(await database.db.execute(sql`
      select action, after from audit_events where object_type = 'comment' and object_id = ${ids[i]} order by id desc limit 1`));
    expect(audit[0]).toMatchObject({ action: 'comment.suggestionReject', after: { tags: [s.tag] } });
    await trainRoundSuggestions(roundId, database.db);
    expect((await suggestionsOf(ids[i], database.db)).map((x) => x.tag)).not.toContain(s.tag);
    const [run] = rowsOf<{ rejections: number }>(await database.db.execute(sql`select rejections from tag_suggestion_runs where round_id = ${roundId}`));
    expect(run.rejections).toBe(1);
    // A second decision on the same suggestion: it is gone.
    await expect(decideSuggestion(ids[i], { tag: s.tag, accept: false }, actor, database.db)).rejects.toMatchObject({ code: 'SuggestionNotFound' });
  });
});

describe('the API', () => {
  const call = async (handler: unknown, ctx: Record<string, unknown>): Promise<Response> => {
    try {
      return await (handler as (c: unknown) => Promise<Response>)({ locals: { user: staff, locale: 'zh-CN' }, ...ctx });
    } catch (err) {
      if (isAppError(err)) return errorResponse(err, 'zh-CN');
      throw err;
    }
  };
  const post = (id: string, body: string, type = 'application/json') => call(POST, {
    params: { id }, request: new Request(`http://x/api/v1/staff/comments/${id}/suggestions`, { method: 'POST', headers: { 'content-type': type }, body }),
  });

  it('GET carries suggestedTags [{ tag, confidence }]', async () => {
    const i = fixture.findIndex((c, k) => k >= 300 && c.tags.length === 1);
    const res = await call(GET, { params: { id: ids[i] } });
    expect(res.status).toBe(200);
    const body = staffCommentResponse.parse(await res.json());
    expect(body.suggestedTags[0]).toEqual({ tag: fixture[i].tags[0], confidence: expect.any(Number) });
  });

  it('POST accepts and answers the tags and the remaining suggestions', async () => {
    const i = fixture.findIndex((c, k) => k >= 320 && c.tags.length === 1);
    const [s] = await suggestionsOf(ids[i], database.db);
    const res = await post(ids[i], JSON.stringify({ tag: s.tag, accept: true }));
    expect(res.status).toBe(200);
    const body = suggestionDecisionResponse.parse(await res.json());
    expect(body.tags).toContain(s.tag);
    expect(body.suggestedTags.map((x) => x.tag)).not.toContain(s.tag);
  });

  it('refuses bad input with a clear JSON 4xx', async () => {
    const i = fixture.findIndex((c, k) => k >= 340 && c.tags.length === 1);
    const cases: Array<[string, string, number, string, string?]> = [
      [ids[i], JSON.stringify({ tag: '停车' }), 400, 'ValidationFailed'],
      [ids[i], JSON.stringify({ tag: '', accept: true }), 400, 'ValidationFailed'],
      [ids[i], JSON.stringify({ tag: '停车', accept: 'yes' }), 400, 'ValidationFailed'],
      [ids[i], JSON.stringify({ tag: '停车', accept: true, extra: 1 }), 400, 'ValidationFailed'],
      [ids[i], '{not json', 400, 'MalformedJson'],
      [ids[i], 'tag=x', 415, 'UnsupportedMediaType', 'application/x-www-form-urlencoded'],
      [ids[i], JSON.stringify({ tag: '没有这个标签', accept: true }), 404, 'SuggestionNotFound'],
      [randomUUID(), JSON.stringify({ tag: '停车', accept: true }), 404, 'CommentNotFound'],
      ['not-a-uuid', JSON.stringify({ tag: '停车', accept: true }), 404, 'CommentNotFound'],
    ];
    for (const [id, body, status, code, type] of cases) {
      const res = await post(id, body, type);
      expect([body, res.status]).toEqual([body, status]);
      const json = await res.json() as { error: { code: string; message: string } };
      expect(json.error.code).toBe(code);
      expect(json.error.message.length).toBeGreaterThan(0);
    }
  });
});

describe('bulk accept by confidence', () => {
  it('runs as a job when there are many', async () => {
    const before = await countSuggestionsAbove(roundId, 0.95, database.db);
    expect(before.suggestions).toBeGreaterThan(0);
    registerAcceptJob();
    const started = await startAcceptSuggestionsAbove(roundId, 0.95, actor, database.db, { inlineMax: 0 });
    expect(started).toMatchObject({ accepted: 0, job: expect.any(String) });
    expect(await pendingAcceptJob(roundId, database.db)).toBe(true);
    const job = await runNextJob({ workerId: 'test', exportDir: '/tmp', lane: SUGGESTIONS_LANE, db: database.db });
    expect(job?.id).toBe(started.job);
    expect((await countSuggestionsAbove(roundId, 0.95, database.db)).suggestions).toBe(0);
    expect(await pendingAcceptJob(roundId, database.db)).toBe(false);
  });

  it('counts what it would add, then adds exactly that through tagging', async () => {
    const before = await countSuggestionsAbove(roundId, 0.9, database.db);
    expect(before.suggestions).toBeGreaterThan(0);
    const accepted = await acceptSuggestionsAbove(roundId, 0.9, actor, database.db);
    expect(accepted).toBe(before.suggestions);
    expect((await countSuggestionsAbove(roundId, 0.9, database.db)).suggestions).toBe(0);
    // Precision on the fixture's labels of what was accepted (held-out comments).
    const rows = rowsOf<{ comment_id: string; name: string }>(await database.db.execute(sql`
      select ct.comment_id, t.name from comment_tags ct join tags t on t.id = ct.tag_id join comments c on c.id = ct.comment_id where c.round_id = ${roundId}`));
    const labelOf = new Map(ids.map((id, i) => [id, fixture[i].tags]));
    const heldOut = rows.filter((r) => ids.indexOf(r.comment_id) >= 200);
    const right = heldOut.filter((r) => labelOf.get(r.comment_id)!.includes(r.name)).length;
    expect(right / heldOut.length).toBeGreaterThanOrEqual(0.9);
  });
});

describe('a round with too few tagged comments of its own', () => {
  it("learns from the draft's coding", async () => {
    const now = Date.now();
    const r2 = await publishVersion({ slug, roundNumber: 2, label: '二审稿', text: `# 物业管理条例（草案）\n\n${DRAFT_TEXT}`, opensAt: new Date(now + 11 * DAY), closesAt: new Date(now + 30 * DAY) }, undefined, database.db);
    const [c] = await database.db.insert(comments).values({
      receipt: `TS-${randomUUID().slice(0, 8)}`, lookupHash: 'x', idempotencyKey: randomUUID(), draftId, roundId: r2.roundId,
      articleNumber: 1, body: '小区停车位严重不足，建议增加公共停车泊位。', channel: 'web', fingerprint: randomUUID(),
    }).returning({ id: comments.id });
    const summary = await trainRoundSuggestions(r2.roundId, database.db, { words: false });
    expect(summary).toMatchObject({ source: 'draft', roundTagged: 0 });
    expect(summary.trainedOn).toBeGreaterThanOrEqual(200);
    expect((await suggestionsOf(c.id, database.db))[0].tag).toBe('停车');
  });
});
