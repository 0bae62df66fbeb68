/**
 * Duplicate and campaign groups, after grouping at submission (grouping.ts) has proposed them:
 * staff confirm a group, split comments out of it, merge groups, or group a selection by hand.
 * Every change is audited in its transaction.
 */
import { sql, type SQL } from 'drizzle-orm';
import { t, type Locale } from '../../i18n';
import { getDb, type DbOrTx } from '../../db/client';
import { recordAudit, type Actor } from '../audit';
import { AppError } from '../errors';
import { uuidArray } from './target';
import { rowsOf } from '../../db/rows';

export interface GroupSummary {
  id: string;
  roundId: string;
  label: string | null;
  confirmed: boolean;
  exact: boolean;
  size: number;
  voices: number;
  sample: string;
  /** The text its name comes from when it has no label: its earliest comment that is not hidden (groupDisplayName). */
  nameSample: string | null;
  decided: number;
  answered: number;
}

/** How long a name taken from a group's text may be, in characters. */
const NAME_CHARS = 30;

/**
 * The text a group without a label is named by, for a query's select list: the start of its earliest
 * comment that is not hidden (a hidden comment never names anything).
 */
export function groupSampleSql(groupId: SQL): SQL {
  return sql`(select left(body, 200) from comments where group_id = ${groupId} and hidden_at is null order by created_at, id limit 1)`;
}

/**
 * A group's name wherever it is shown (staff pages, DOCX, XLSX, CSV): the label staff gave it, else
 * the first sentence of its text trimmed to about 30 characters, else 未命名意见组.
 */
export function groupDisplayName(label: string | null | undefined, sample: string | null | undefined, locale: Locale): string {
  if (label?.trim()) return label.trim();
  const sentence = (sample ?? '')
    .split(/[。！？!?；;\n\r]/)
    .map((part) => part.replace(/\s+/g, ' ').trim())
    .find((part) => /[\p{L}\p{N}]/u.test(part));
  if (!sentence) return t(locale, 'groups.unlabelled');
  const chars = Array.from(sentence);
  return chars.length > NAME_CHARS ? `${chars.slice(0, NAME_CHARS - 1).join('')}…` : sentence;
}

/** The groups of a round (or every round), largest first, with a sample text and progress. */
export async function listGroups(opts: { roundId?: string; id?: string; limit?: number } = {}, db: DbOrTx = getDb()): Promise<GroupSummary[]> {
  const where = opts.id ? sql`where g.id = ${opts.id}::uuid` : opts.roundId ? sql`where g.round_id = ${opts.roundId}::uuid` : sql``;
  const rows = rowsOf<Record<string, unknown>>(await db.execute(sql`
    select g.id, g.round_id, g.label, g.confirmed, g.fingerprint is not null as exact,
           s.size, s.voices, s.decided, s.answered,
           (select left(body, 140) from comments where group_id = g.id order by created_at limit 1) as sample,
           ${groupSampleSql(sql`g.id`)} as name_sample
    from comment_groups g
    join lateral (
      select count(*)::int as size, coalesce(sum(voices), 0)::int as voices,
             count(adoption)::int as decided, count(*) filter (where status = 'answered')::int as answered
      from comments where group_id = g.id
    ) s on true
    ${where}
    order by s.size desc, g.created_at desc
    limit ${opts.limit ?? 100}`));
  return rows.filter((r) => Number(r.size) > 0).map((r) => ({
    id: String(r.id), roundId: String(r.round_id), label: (r.label as string | null) ?? null, confirmed: Boolean(r.confirmed),
    exact: Boolean(r.exact), size: Number(r.size), voices: Number(r.voices), sample: String(r.sample ?? ''),
    nameSample: (r.name_sample as string | null) ?? null,
    decided: Number(r.decided), answered: Number(r.answered),
  }));
}

/** One group with its summary, or NotFound. */
export async function getGroup(id: string, db: DbOrTx = getDb()): Promise<GroupSummary> {
  // Only this group's counts: a round may hold thousands of groups.
  const [found] = await listGroups({ id, limit: 1 }, db);
  if (!found) throw new AppError('NotFound');
  return found;
}

/** Marks a group as checked by staff, optionally with a label ("物业费计价方式倡议"). */
export async function confirmGroup(id: string, label: string | null, actor: Actor, db: DbOrTx = getDb()): Promise<void> {
  await db.transaction(async (tx) => {
    const before = rowsOf<{ confirmed: boolean; label: string | null }>(await tx.execute(sql`
      select confirmed, label from comment_groups where id = ${id}::uuid for update`));
    if (!before.length) throw new AppError('NotFound');
    const nextLabel = label?.trim() ? label.trim().slice(0, 80) : before[0].label;
    await tx.execute(sql`update comment_groups set confirmed = true, label = ${nextLabel} where id = ${id}::uuid`);
    await recordAudit(tx, actor, { action: 'group.confirm', objectType: 'comment_group', objectId: id, before: before[0], after: { confirmed: true, label: nextLabel } });
  });
}

/**
 * Names a group (the label shown everywhere instead of the name taken from its text); a blank
 * label goes back to that name. Does not confirm the group. Audited as group.rename.
 */
export async function renameGroup(id: string, label: string | null | undefined, actor: Actor, db: DbOrTx = getDb()): Promise<void> {
  await db.transaction(async (tx) => {
    const before = rowsOf<{ label: string | null }>(await tx.execute(sql`select label from comment_groups where id = ${id}::uuid for update`));
    if (!before.length) throw new AppError('NotFound');
    const next = label?.trim() ? label.trim().slice(0, 80) : null;
    if (next === before[0].label) return;
    await tx.execute(sql`update comment_groups set label = ${next} where id = ${id}::uuid`);
    await recordAudit(tx, actor, { action: 'group.rename', objectType: 'comment_group', objectId: id, before: before[0], after: { label: next } });
  });
}

/**
 * Merges the ticked groups into `target`, or into the largest of them (the earliest on a tie) when
 * none is chosen (mergeGroups). Throws ValidationFailed (field groups) for fewer than two groups.
 */
export async function mergeSelectedGroups(groups: readonly string[], target: string | undefined, actor: Actor, db: DbOrTx = getDb()): Promise<{ target: string; moved: number }> {
  const chosen = [...new Set(target ? [target, ...groups] : groups)];
  if (chosen.length < 2) throw new AppError('ValidationFailed', {}, [{ field: 'groups', key: 'groups.mergeNeedsTwo' }]);
  const survivor = target ?? rowsOf<{ id: string }>(await db.execute(sql`
    select g.id from comment_groups g left join comments c on c.group_id = g.id
    where g.id = any(${uuidArray(chosen)}) group by g.id, g.created_at order by count(c.id) desc, g.created_at, g.id limit 1`))[0]?.id;
  if (!survivor) throw new AppError('NotFound');
  return { target: survivor, moved: await mergeGroups(survivor, chosen, actor, db) };
}

/**
 * Takes comments out of their group. Two or more split comments of one round form a new
 * confirmed group of their own; a single one stands alone. Returns the new group id, if any.
 * With `from`, every comment must be a member of that group (ValidationFailed, field ids).
 */
export async function splitGroup(ids: readonly string[], actor: Actor, db: DbOrTx = getDb(), opts: { from?: string } = {}): Promise<string | null> {
  if (!ids.length) throw new AppError('ValidationFailed', {}, [{ field: 'ids', key: 'review.selectionEmpty' }]);
  return db.transaction(async (tx) => {
    const rows = rowsOf<{ id: string; group_id: string | null; round_id: string }>(await tx.execute(sql`
      select id, group_id, round_id from comments where id = any(${uuidArray(ids)}) for update`));
    if (rows.length !== new Set(ids).size) throw new AppError('CommentNotFound');
    if (opts.from && rows.some((r) => r.group_id !== opts.from)) throw new AppError('ValidationFailed', {}, [{ field: 'ids', key: 'groups.notMembers' }]);
    const rounds = new Set(rows.map((r) => r.round_id));
    let newGroup: string | null = null;
    if (rows.length >= 2 && rounds.size === 1) {
      newGroup = rowsOf<{ id: string }>(await tx.execute(sql`
        insert into comment_groups (round_id, confirmed) values (${rows[0].round_id}::uuid, true) returning id`))[0].id;
    }
    await tx.execute(sql`update comments set group_id = ${newGroup}::uuid where id = any(${uuidArray(ids)})`);
    await recordAudit(tx, actor, {
      action: 'group.split', objectType: 'comment_selection', objectId: `${ids.length}`,
      before: { groups: [...new Set(rows.map((r) => r.group_id))] }, after: { ids: [...ids], groupId: newGroup },
    });
    return newGroup;
  });
}

/** Moves every member of the `sources` groups into `targetId` (all in one round) and deletes the emptied groups. */
export async function mergeGroups(targetId: string, sources: readonly string[], actor: Actor, db: DbOrTx = getDb()): Promise<number> {
  const others = sources.filter((s) => s !== targetId);
  if (!others.length) throw new AppError('ValidationFailed', {}, [{ field: 'sources', key: 'review.selectionEmpty' }]);
  return db.transaction(async (tx) => {
    const groups = rowsOf<{ id: string; round_id: string }>(await tx.execute(sql`
      select id, round_id from comment_groups where id = any(${uuidArray([targetId, ...others])}) for update`));
    if (groups.length !== others.length + 1) throw new AppError('NotFound');
    if (new Set(groups.map((g) => g.round_id)).size > 1) throw new AppError('ValidationFailed', {}, [{ field: 'sources', key: 'review.groupRoundsDiffer' }]);
    const moved = rowsOf<{ id: string }>(await tx.execute(sql`
      update comments set group_id = ${targetId}::uuid where group_id = any(${uuidArray(others)}) returning id`));
    await tx.execute(sql`delete from comment_groups where id = any(${uuidArray(others)})`);
    await tx.execute(sql`update comment_groups set confirmed = true where id = ${targetId}::uuid`);
    await recordAudit(tx, actor, {
      action: 'group.merge', objectType: 'comment_group', objectId: targetId,
      before: { groups: others }, after: { ids: moved.map((m) => m.id), groupId: targetId },
    });
    return moved.length;
  });
}

/**
 * Puts a selection of comments (one round) into one confirmed group: the group most of them
 * already belong to, or a new one. Returns the group id.
 */
export async function groupSelection(ids: readonly string[], actor: Actor, db: DbOrTx = getDb()): Promise<string> {
  if (ids.length < 2) throw new AppError('ValidationFailed', {}, [{ field: 'ids', key: 'review.groupNeedsTwo' }]);
  return db.transaction(async (tx) => {
    const rows = rowsOf<{ id: string; group_id: string | null; round_id: string }>(await tx.execute(sql`
      select id, group_id, round_id from comments where id = any(${uuidArray(ids)}) for update`));
    if (rows.length !== new Set(ids).size) throw new AppError('CommentNotFound');
    if (new Set(rows.map((r) => r.round_id)).size > 1) throw new AppError('ValidationFailed', {}, [{ field: 'ids', key: 'review.groupRoundsDiffer' }]);
    const counts = new Map<string, number>();
    for (const r of rows) if (r.group_id) counts.set(r.group_id, (counts.get(r.group_id) ?? 0) + 1);
    let groupId = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
    if (!groupId) {
      groupId = rowsOf<{ id: string }>(await tx.execute(sql`
        insert into comment_groups (round_id, confirmed) values (${rows[0].round_id}::uuid, true) returning id`))[0].id;
    } else {
      await tx.execute(sql`update comment_groups set confirmed = true where id = ${groupId}::uuid`);
    }
    await tx.execute(sql`update comments set group_id = ${groupId}::uuid where id = any(${uuidArray(ids)})`);
    await recordAudit(tx, actor, {
      action: 'group.create', objectType: 'comment_group', objectId: groupId,
      before: { groups: [...new Set(rows.map((r) => r.group_id))] }, after: { ids: [...ids], groupId },
    });
    return groupId;
  });
}

/**
 * Adds comments of one round to group `groupId`, or to a new confirmed group when it is null
 * (a bulk "group" action fills one group batch by batch). Throws ValidationFailed when the
 * comments span rounds or the group is of another round. Returns the group id. Audited as
 * group.add.
 */
export async function addToGroup(groupId: string | null, ids: readonly string[], actor: Actor, db: DbOrTx = getDb()): Promise<string> {
  if (!ids.length) throw new AppError('ValidationFailed', {}, [{ field: 'ids', key: 'review.selectionEmpty' }]);
  return db.transaction(async (tx) => {
    const rows = rowsOf<{ id: string; group_id: string | null; round_id: string }>(await tx.execute(sql`
      select id, group_id, round_id from comments where id = any(${uuidArray(ids)}) for update`));
    if (rows.length !== new Set(ids).size) throw new AppError('CommentNotFound');
    const rounds = new Set(rows.map((r) => r.round_id));
    let group = groupId;
    if (group) {
      const g = rowsOf<{ round_id: string }>(await tx.execute(sql`select round_id from comment_groups where id = ${group}::uuid for update`));
      if (!g.length) throw new AppError('NotFound');
      rounds.add(g[0].round_id);
    }
    if (rounds.size > 1) throw new AppError('ValidationFailed', {}, [{ field: 'ids', key: 'review.groupRoundsDiffer' }]);
    if (!group) {
      group = rowsOf<{ id: string }>(await tx.execute(sql`
        insert into comment_groups (round_id, confirmed) values (${rows[0].round_id}::uuid, true) returning id`))[0].id;
    }
    await tx.execute(sql`update comments set group_id = ${group}::uuid where id = any(${uuidArray(ids)})`);
    await recordAudit(tx, actor, {
      action: 'group.add', objectType: 'comment_group', objectId: group,
      before: { groups: [...new Set(rows.map((r) => r.group_id))] }, after: { ids: [...ids], groupId: group },
    });
    return group;
  });
}
