/**
 * Seeds a fresh PGlite dir for the themes e2e: a draft `e2e-zhuti` (the themes fixture's
 * electric-bicycle text) with an open round, a staff account and the fixture's comments on 第二条
 * (the campaign copies in one comment group). Themes are not computed: the spec presses the button.
 */
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { withDatabase } from '../../src/cli/run-cli';
import { publishVersion } from '../../src/server/drafts/publish-version';
import { createUser } from '../../src/server/auth/users';
import { createUserSchema } from '../../src/server/auth/schemas';
import { systemActor } from '../../src/server/audit';
import { commentGroups, comments } from '../../src/db/schema';

const fixture = JSON.parse(readFileSync('tests/fixtures/themes/article-comments.json', 'utf8')) as { draft: string; comments: Array<{ body: string; campaign?: boolean; contact?: string }> };

await withDatabase(async ({ db }) => {
  const now = Date.now();
  const { draftId, roundId } = await publishVersion({
    slug: 'e2e-zhuti', roundNumber: 1, code: 'EZ', title: '电动自行车管理条例（草案）', label: '一审稿', text: fixture.draft,
    opensAt: new Date(now - 86400_000), closesAt: new Date(now + 20 * 86400_000),
  }, systemActor, db);
  await createUser(createUserSchema.parse({ role: 'staff', account: 'zhuti@example.cn', password: 'Kaimen-e2e-Passw0rd!', name: '归纳员' }), systemActor, db);
  const [group] = await db.insert(commentGroups).values({ roundId, confirmed: true }).returning();
  await db.insert(comments).values(fixture.comments.map((c, i) => ({
    receipt: `EZ-${randomUUID().slice(0, 8)}`, lookupHash: 'x', idempotencyKey: randomUUID(), draftId, roundId,
    articleNumber: 2, body: c.body, channel: 'web' as const, fingerprint: randomUUID(), groupId: c.campaign ? group.id : null,
    contact: c.contact ?? null, createdAt: new Date(now - 3600_000 + i * 1000),
  })));
  console.log(JSON.stringify({ ok: true }));
});
