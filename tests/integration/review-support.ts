/** Fixtures for the review workspace tests: a published draft, staff users, comments. */
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Db } from '../../src/db/client';
import { drafts, users } from '../../src/db/schema';
import { publishVersion } from '../../src/server/drafts/publish-version';
import { submitComment } from '../../src/server/comments/submit-comment';
import type { Actor } from '../../src/server/audit';

export async function publishSample(db: Db, slug = 'tingche', round = 1, sample = 'tingche') {
  const text = readFileSync(`content/drafts/${sample}/round-${round}.md`, 'utf8');
  const opensAt = new Date(Date.now() - 3600_000);
  return publishVersion({ slug, roundNumber: round, text, opensAt, closesAt: new Date(Date.now() + 30 * 86400_000) }, undefined, db);
}

export async function createStaff(db: Db, name: string, role: 'staff' | 'admin' = 'staff'): Promise<Actor & { id: string }> {
  const [u] = await db.insert(users).values({ email: `${name}-${randomUUID().slice(0, 6)}@example.com`, passwordHash: 'x', role, name }).returning();
  return { id: u.id, kind: 'user' };
}

export async function comment(db: Db, slug: string, body: string, extra: Record<string, unknown> = {}, ctx: Record<string, unknown> = {}) {
  const r = await submitComment(slug, { body, ...extra }, ctx, db);
  return r.commentId;
}

export async function requireApproval(db: Db, slug: string, on = true) {
  await db.update(drafts).set({ requireApproval: on }).where(eq(drafts.slug, slug));
}
