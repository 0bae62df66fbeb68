/**
 * Seeds a fresh PGlite dir for the tag suggestions e2e: a draft `e2e-biaoqian` with an open round,
 * a staff account, the 440 comments of tests/fixtures/tag-suggestions/comments.json, the first 200
 * tagged as labelled, and the round's classifier trained (as the `tag-suggestions` job does).
 * Prints the ids of two untagged comments with a suggestion of confidence ≥ 0.9, and its tag.
 */
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { withDatabase } from '../../src/cli/run-cli';
import { publishVersion } from '../../src/server/drafts/publish-version';
import { createUser } from '../../src/server/auth/users';
import { createUserSchema } from '../../src/server/auth/schemas';
import { systemActor } from '../../src/server/audit';
import { comments } from '../../src/db/schema';
import { rowsOf } from '../../src/db/rows';
import { tagComments } from '../../src/server/review/tags';
import { trainRoundSuggestions } from '../../src/server/suggestions/train-suggestions';

const fixture = JSON.parse(readFileSync('tests/fixtures/tag-suggestions/comments.json', 'utf8')) as Array<{ body: string; tags: string[]; article: number }>;

await withDatabase(async ({ db }) => {
  const now = Date.now();
  const { draftId, roundId } = await publishVersion({
    slug: 'e2e-biaoqian', roundNumber: 1, code: 'EB', text: readFileSync('content/drafts/wuye-guanli/round-1.md', 'utf8'),
    opensAt: new Date(now - 86400_000), closesAt: new Date(now + 20 * 86400_000),
  }, systemActor, db);
  const staff = await createUser(createUserSchema.parse({ role: 'staff', account: 'biaoqian@example.cn', password: 'Kaimen-e2e-Passw0rd!', name: '标注员' }), systemActor, db);
  const rows = fixture.map((c, i) => ({
    receipt: `EB-${randomUUID().slice(0, 8)}`, lookupHash: 'x', idempotencyKey: randomUUID(), draftId, roundId,
    articleNumber: c.article, body: c.body, channel: 'web' as const, fingerprint: randomUUID(), createdAt: new Date(now - 3600_000 + i * 1000),
  }));
  const inserted = await db.insert(comments).values(rows).returning({ id: comments.id, idem: comments.idempotencyKey });
  const idOf = new Map(inserted.map((r) => [r.idem, r.id]));
  const ids = rows.map((r) => idOf.get(r.idempotencyKey)!);
  const byTag = new Map<string, string[]>();
  fixture.slice(0, 200).forEach((c, i) => c.tags.forEach((t) => byTag.set(t, [...(byTag.get(t) ?? []), ids[i]])));
  for (const [tag, list] of byTag) await tagComments(list, [tag], { id: staff.id, kind: 'user' }, {}, db);
  await trainRoundSuggestions(roundId, db);
  const top = rowsOf<{ comment_id: string; name: string }>(await db.execute(sql`
    select distinct on (s.comment_id) s.comment_id, t.name from tag_suggestions s join tags t on t.id = s.tag_id
    where s.round_id = ${roundId}::uuid and s.confidence >= 0.9 order by s.comment_id, s.confidence desc limit 2`));
  console.log(JSON.stringify({ accept: top[0].comment_id, acceptTag: top[0].name, reject: top[1].comment_id, rejectTag: top[1].name }));
});
