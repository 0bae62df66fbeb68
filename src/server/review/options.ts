/** Choices for the workspace's filter and action forms: drafts with their rounds, stations. */
import { sql } from 'drizzle-orm';
import { getDb, type DbOrTx } from '../../db/client';
import { rowsOf } from '../../db/rows';

export interface DraftOption {
  id: string;
  slug: string;
  title: string;
  requireApproval: boolean;
  rounds: Array<{ id: string; number: number; label: string; opensAt: Date; closesAt: Date; hasVersion: boolean }>;
}

/** Every draft with its rounds, newest draft first. */
export async function listDraftOptions(db: DbOrTx = getDb()): Promise<DraftOption[]> {
  const rows = rowsOf<Record<string, any>>(await db.execute(sql`
    select d.id, d.slug, d.title, d.require_approval, d.created_at, r.id as round_id, r.number, r.label, r.opens_at, r.closes_at,
           exists (select 1 from versions v where v.round_id = r.id) as has_version
    from drafts d left join rounds r on r.draft_id = d.id
    order by d.created_at desc, d.slug, r.number`));
  const out = new Map<string, DraftOption>();
  for (const r of rows) {
    const d = out.get(r.id) ?? { id: r.id, slug: r.slug, title: r.title, requireApproval: Boolean(r.require_approval), rounds: [] as DraftOption['rounds'] };
    if (r.round_id) d.rounds.push({ id: r.round_id, number: Number(r.number), label: r.label, opensAt: new Date(r.opens_at), closesAt: new Date(r.closes_at), hasVersion: Boolean(r.has_version) });
    out.set(r.id, d);
  }
  return [...out.values()];
}

/** Stations by code, for naming the station facet. */
export async function listStationOptions(db: DbOrTx = getDb()): Promise<Array<{ id: string; code: string; name: string }>> {
  return rowsOf(await db.execute(sql`select id, code, name from stations order by name limit 2000`));
}
