/**
 * Tags: a coding frame per draft (hierarchical tags created by staff) and free tags shared by
 * every draft (draft_id null). Staff tag one comment or a selection; the API names tags by
 * their text and creates a free tag for a name it does not know.
 */
import { and, asc, eq, inArray, isNull, or, sql } from 'drizzle-orm';
import { getDb, type DbOrTx, type Tx } from '../../db/client';
import { commentTags, comments, tags } from '../../db/schema';
import { recordAudit, type Actor } from '../audit';
import { AppError } from '../errors';
import { isUuid } from '../params';
import { tagCreateSchema } from './schemas';
import { parseOrFail } from '../validation';
import { uuidArray } from './target';

export type Tag = typeof tags.$inferSelect;
export interface TagNode extends Tag {
  depth: number;
  /** "住房 / 漏雨": the names from the root. */
  path: string;
}

/** The tags usable on `draftId` (its frame, then the free tags), in tree order with depth and path. */
export async function listTags(draftId: string | null, db: DbOrTx = getDb()): Promise<TagNode[]> {
  const scope = draftId ? or(eq(tags.draftId, draftId), isNull(tags.draftId)) : isNull(tags.draftId);
  const rows = await db.select().from(tags).where(scope).orderBy(asc(tags.name));
  return flattenTree(rows);
}

/** Orders tags depth-first (frame tags before free tags) and computes depth and path. */
export function flattenTree(rows: readonly Tag[]): TagNode[] {
  const children = new Map<string | null, Tag[]>();
  const ids = new Set(rows.map((r) => r.id));
  for (const r of rows) {
    const parent = r.parentId && ids.has(r.parentId) ? r.parentId : null;
    children.set(parent, [...(children.get(parent) ?? []), r]);
  }
  const out: TagNode[] = [];
  const walk = (parent: string | null, depth: number, prefix: string) => {
    const list = [...(children.get(parent) ?? [])].sort((a, b) => Number(a.draftId === null) - Number(b.draftId === null) || a.name.localeCompare(b.name, 'zh-CN'));
    for (const t of list) {
      const path = prefix ? `${prefix} / ${t.name}` : t.name;
      out.push({ ...t, depth, path });
      walk(t.id, depth + 1, path);
    }
  };
  walk(null, 0, '');
  return out;
}

/** Creates a tag in a draft's frame (or a free tag); the parent must be in the same frame. Audited. */
export async function createTag(input: unknown, actor: Actor, db: DbOrTx = getDb()): Promise<Tag> {
  const t = parseOrFail(tagCreateSchema, input);
  return db.transaction(async (tx) => {
    if (t.parentId) {
      const [parent] = await tx.select().from(tags).where(eq(tags.id, t.parentId));
      if (!parent || (parent.draftId ?? null) !== (t.draftId ?? null)) {
        throw new AppError('ValidationFailed', {}, [{ field: 'parentId', key: 'review.tagParentInvalid' }]);
      }
    }
    const [existing] = await tx.select().from(tags).where(and(
      t.draftId ? eq(tags.draftId, t.draftId) : isNull(tags.draftId),
      t.parentId ? eq(tags.parentId, t.parentId) : isNull(tags.parentId),
      eq(tags.name, t.name),
    ));
    if (existing) throw new AppError('ValidationFailed', {}, [{ field: 'name', key: 'review.tagExists' }]);
    const [row] = await tx.insert(tags).values({ name: t.name, parentId: t.parentId ?? null, draftId: t.draftId ?? null }).returning();
    await recordAudit(tx, actor, { action: 'tag.create', objectType: 'tag', objectId: row.id, after: { name: row.name, parentId: row.parentId, draftId: row.draftId } });
    return row;
  });
}

/** Finds tags by id, or by name (the draft's frame first, then free tags), creating free tags for unknown names. */
async function resolveTags(tx: Tx, draftIds: string[], names: readonly string[]): Promise<Tag[]> {
  const out: Tag[] = [];
  for (const raw of new Set(names.map((n) => n.trim()).filter(Boolean))) {
    const byId = isUuid(raw) ? await tx.select().from(tags).where(eq(tags.id, raw)) : [];
    if (byId[0]) {
      if (byId[0].draftId && !draftIds.every((d) => d === byId[0].draftId)) {
        throw new AppError('ValidationFailed', {}, [{ field: 'tags', key: 'review.tagOtherDraft' }]);
      }
      out.push(byId[0]);
      continue;
    }
    const candidates = await tx.select().from(tags).where(and(eq(tags.name, raw), draftIds.length === 1 ? or(eq(tags.draftId, draftIds[0]), isNull(tags.draftId)) : isNull(tags.draftId)));
    const found = candidates.find((c) => c.draftId !== null) ?? candidates[0];
    if (found) {
      out.push(found);
      continue;
    }
    const [created] = await tx.insert(tags).values({ name: raw, draftId: null, parentId: null })
      .onConflictDoNothing().returning();
    out.push(created ?? (await tx.select().from(tags).where(and(eq(tags.name, raw), isNull(tags.draftId), isNull(tags.parentId))))[0]);
  }
  return out;
}

/**
 * Adds tags (ids or names) to the comments `ids`; with `replace`, the comments keep only these.
 * One insert for the whole selection; one audit event. Returns the resolved tags.
 */
export async function tagComments(
  ids: readonly string[], tagRefs: readonly string[], actor: Actor,
  opts: { replace?: boolean; remove?: boolean } = {}, db: DbOrTx = getDb(),
): Promise<Tag[]> {
  if (!ids.length) throw new AppError('ValidationFailed', {}, [{ field: 'ids', key: 'review.selectionEmpty' }]);
  return db.transaction(async (tx) => {
    const targets = await tx.select({ id: comments.id, draftId: comments.draftId }).from(comments).where(sql`${comments.id} = any(${uuidArray(ids)})`);
    if (targets.length !== new Set(ids).size) throw new AppError('CommentNotFound');
    const draftIds = [...new Set(targets.map((t) => t.draftId))];
    const resolved = await resolveTags(tx, draftIds, tagRefs);
    const tagIds = resolved.map((t) => t.id);
    const before = await tx.select({ commentId: commentTags.commentId, tagId: commentTags.tagId }).from(commentTags).where(inArray(commentTags.commentId, [...ids]));
    if (opts.replace) await tx.delete(commentTags).where(inArray(commentTags.commentId, [...ids]));
    if (opts.remove) {
      if (tagIds.length) await tx.delete(commentTags).where(and(inArray(commentTags.commentId, [...ids]), inArray(commentTags.tagId, tagIds)));
    } else if (tagIds.length) {
      const rows = ids.flatMap((commentId) => tagIds.map((tagId) => ({ commentId, tagId })));
      for (let i = 0; i < rows.length; i += 5000) await tx.insert(commentTags).values(rows.slice(i, i + 5000)).onConflictDoNothing();
    }
    await recordAudit(tx, actor, {
      action: opts.remove ? 'comment.untag' : 'comment.tag',
      objectType: ids.length === 1 ? 'comment' : 'comment_selection',
      objectId: ids.length === 1 ? ids[0] : `${ids.length}`,
      before: { tags: before.length <= 200 ? before : before.length },
      after: { ids, tags: resolved.map((t) => t.name), replace: !!opts.replace },
    });
    return resolved;
  });
}

/** The tags of one comment, with their paths. */
export async function tagsOfComment(commentId: string, db: DbOrTx = getDb()): Promise<Array<{ id: string; name: string; draftId: string | null }>> {
  return db.select({ id: tags.id, name: tags.name, draftId: tags.draftId }).from(commentTags)
    .innerJoin(tags, eq(tags.id, commentTags.tagId)).where(eq(commentTags.commentId, commentId)).orderBy(asc(tags.name));
}
