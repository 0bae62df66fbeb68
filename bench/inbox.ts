/**
 * Bench: the staff inbox on real PostgreSQL with many seeded comments (issue 7).
 *   npx tsx bench/inbox.ts            # 100,000 comments
 *   npx tsx bench/inbox.ts --full     # 1,000,000 comments
 * Creates a fresh database `kaimen_bench_inbox` (DATABASE_URL's server, default
 * postgres://postgres@127.0.0.1:5432/postgres), seeds drafts, stations, staff, tags and comments
 * with multi-row INSERTs (bigrams, fingerprints and MinHash signatures computed as at
 * submission), then measures through the domain functions the pages and the API call:
 * the inbox's first page under each single filter, two-character searches, a bulk decision on a
 * 10,000-comment group, and grouping per submission; `select 1` is the raw baseline.
 * Appends the figures to bench/RESULTS.md (BENCH_NO_WRITE=1 to skip).
 */
import { readFileSync } from 'node:fs';
import { appendResults } from './lib/results';
import { cpus, totalmem } from 'node:os';
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { createDatabase, migrateDatabase, setDatabase, type Db } from '../src/db/client';
import { publishVersion } from '../src/server/drafts/publish-version';
import { bigramKeysOf, fingerprintOf } from '../src/server/grouping/text-features';
import { nearDuplicateFeatures, planGroup } from '../src/server/grouping/grouping';
import { encodeCursor, listInbox } from '../src/server/review/inbox';
import { decideAdoption } from '../src/server/review/decide';
import type { InboxFilters } from '../src/server/review/schemas';

const full = process.argv.includes('--full');
const N = full ? 1_000_000 : Number(process.env.COMMENTS ?? 100_000);
const base = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const NAME = 'kaimen_bench_inbox';
const GROUP = 10_000;

const topics = [
  '小区停车难，晚上回家找不到车位', '楼顶漏雨多年没人修', '物业费收费标准不透明', '物业公司服务质量差', '电梯经常故障，维修基金使用难',
  '夜间施工噪音扰民', '垃圾分类投放点太远', '老旧小区加装电梯协调难', '业主委员会成立难', '公共收益去向不明',
  '地下车库漏雨积水', '停车收费太高', '占用消防通道停车', '充电桩安装被物业阻拦', '外墙保温层脱落有安全隐患',
  '接诉即办回访太频繁', '热线电话总是占线', '诉求办理结果不满意', '街道响应速度慢', '建议公开办理时限',
  '建议明确物业退出交接程序', '建议增加社区停车资源共享', '建议规定维修时限', '建议加大对违法行为的处罚力度', '建议听取居民意见',
];
const fillers = ['我认为', '希望', '请尽快', '另外', '同时', '特别是', '目前', '建议', '我们小区', '很多居民反映'];
const districts = ['东城区', '西城区', '朝阳区', '海淀区', '丰台区', '石景山区', '通州区', '昌平区', '大兴区', '顺义区', '房山区', '门头沟区', '平谷区', '怀柔区', '密云区', '延庆区'];
const channels = ['web', 'web', 'web', 'kiosk', 'deputy', 'station_qr', 'letter', 'api'] as const;
const statuses = ['received', 'received', 'received', 'under_review', 'answered'] as const;
const adoptions = [null, null, null, 'adopted', 'partially_adopted', 'not_adopted', 'already_provided', 'out_of_scope', 'pending'] as const;

let seed = 42;
const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
const pick = <T>(a: readonly T[]): T => a[Math.floor(rand() * a.length)];

function body(): string {
  const parts = [pick(fillers)];
  const n = 2 + Math.floor(rand() * 3);
  for (let i = 0; i < n; i++) parts.push(pick(topics));
  parts.push(`（第${1 + Math.floor(rand() * 999)}号）`);
  return parts.join('，') + '。';
}

async function freshDatabase(): Promise<string> {
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`drop database if exists ${NAME} with (force)`);
  await admin.query(`create database ${NAME}`);
  await admin.end();
  const u = new URL(base);
  u.pathname = `/${NAME}`;
  return u.toString();
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
async function timed<T>(into: number[], fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const out = await fn();
  into.push(performance.now() - t0);
  return out;
}
async function time(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function main() {
  const url = await freshDatabase();
  const database = await createDatabase({ databaseUrl: url, poolMax: 4 });
  await migrateDatabase(database);
  setDatabase(database);
  const db: Db = database.db;
  const t0 = performance.now();

  // Drafts and rounds from the sample texts.
  const samples = [['jiesu-jiban', 3], ['tingche', 2], ['wuye-guanli', 1], ['lifafa', 2]] as const;
  const rounds: Array<{ draftId: string; roundId: string; articles: number }> = [];
  for (const [slug, n] of samples) {
    for (let r = 1; r <= n; r++) {
      const res = await publishVersion({ slug, roundNumber: r, text: readFileSync(`content/drafts/${slug}/round-${r}.md`, 'utf8'), opensAt: new Date(Date.now() - 40 * 86400_000), closesAt: new Date(Date.now() + 40 * 86400_000) }, undefined, db);
      rounds.push({ draftId: res.draftId, roundId: res.roundId, articles: res.counts.articles });
    }
  }
  const stationIds: string[] = [];
  for (let i = 0; i < 200; i++) {
    const r = await db.execute(sql`insert into stations (code, name, type, district) values (${`ST${i}`}, ${`第${i}代表联络站`}, 'liaison_station', ${pick(districts)}) returning id`);
    stationIds.push((r.rows[0] as { id: string }).id);
  }
  const staffIds: string[] = [];
  for (let i = 0; i < 3; i++) {
    const r = await db.execute(sql`insert into users (email, password_hash, role, name) values (${`staff${i}@bench`}, 'x', 'staff', ${`工作人员${i}`}) returning id`);
    staffIds.push((r.rows[0] as { id: string }).id);
  }
  const tagIds: string[] = [];
  for (let i = 0; i < 30; i++) {
    const r = await db.execute(sql`insert into tags (draft_id, name) values (${rounds[0].draftId}::uuid, ${`标签${i}`}) returning id`);
    tagIds.push((r.rows[0] as { id: string }).id);
  }

  // The 10,000-comment campaign group, in the busiest round.
  const campaignRound = rounds[0];
  const groupId = (await db.execute(sql`insert into comment_groups (round_id, fingerprint, confirmed) values (${campaignRound.roundId}::uuid, ${fingerprintOf('坚决支持第十条，建议老旧小区优先建设停车设施！')}, true) returning id`)).rows[0] as { id: string };

  // Comments, 2,000 a statement.
  const startAt = Date.now() - 40 * 86400_000;
  const campaignText = '坚决支持第十条，建议老旧小区优先建设停车设施！';
  const campaignFeatures = nearDuplicateFeatures(campaignText);
  const raw = new pg.Pool({ connectionString: url, max: 1 });
  const BATCH = 2000;
  const step = Math.floor(N / GROUP);
  const tagRows: string[][] = [];
  for (let done = 0; done < N; done += BATCH) {
    const cols: Record<string, unknown[]> = { id: [], receipt: [], draft: [], round: [], article: [], body: [], district: [], channel: [], station: [], status: [], adoption: [], bigrams: [], fp: [], minhash: [], lsh: [], group: [], assignee: [], created: [], hidden: [] };
    for (let i = done; i < Math.min(N, done + BATCH); i++) {
      const inCampaign = i % step === 0 && i / step < GROUP;
      const r = inCampaign ? campaignRound : rounds[Math.floor(rand() * rounds.length)];
      const text = inCampaign ? campaignText : body();
      const f = inCampaign ? campaignFeatures : nearDuplicateFeatures(text);
      const status = pick(statuses);
      const id = randomUUID();
      cols.id.push(id);
      cols.receipt.push(`B${i}`);
      cols.draft.push(r.draftId);
      cols.round.push(r.roundId);
      cols.article.push(rand() < 0.15 ? null : 1 + Math.floor(rand() * r.articles));
      cols.body.push(text);
      cols.district.push(pick(districts));
      const ch = pick(channels);
      cols.channel.push(ch);
      cols.station.push(ch === 'deputy' || ch === 'kiosk' || ch === 'station_qr' ? pick(stationIds) : null);
      cols.status.push(status);
      cols.adoption.push(status === 'received' ? null : pick(adoptions));
      cols.bigrams.push(`{${bigramKeysOf(text).join(',')}}`);
      cols.fp.push(fingerprintOf(text));
      cols.minhash.push(f.minhash ? `{${f.minhash.join(',')}}` : null);
      cols.lsh.push(!inCampaign && f.lshBands ? `{${f.lshBands.join(',')}}` : null);
      cols.group.push(inCampaign ? groupId.id : null);
      cols.assignee.push(rand() < 0.3 ? pick(staffIds) : null);
      cols.created.push(new Date(startAt + (i / N) * 40 * 86400_000).toISOString());
      cols.hidden.push(rand() < 0.005 ? new Date().toISOString() : null);
      if (rand() < 0.2) tagRows.push([id, pick(tagIds)]);
    }
    const c = cols;
    await raw.query(`
      with u as (
        select * from unnest($1::uuid[], $2::text[], $3::uuid[], $4::uuid[], $5::int[], $6::text[], $7::text[], $8::text[], $9::uuid[], $10::text[],
          $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::uuid[], $17::uuid[], $18::timestamptz[], $19::timestamptz[])
          as u(id, receipt, draft, round, article, body, district, channel, station, status, adoption, bigrams, fp, minhash, lsh, grp, assignee, created, hidden)
      ), ins as (
        insert into comments (id, receipt, lookup_hash, idempotency_key, draft_id, round_id, article_number, body, district, channel, station_id,
          status, adoption, bigrams, fingerprint, minhash, group_id, assignee_id, created_at, hidden_at, hidden_reason)
        select u.id, u.receipt, 'x', u.receipt, u.draft, u.round, u.article, u.body, u.district, u.channel::channel, u.station,
          u.status::comment_status, u.adoption::adoption, u.bigrams::int[], u.fp, u.minhash::int[], u.grp, u.assignee,
          u.created, u.hidden, case when u.hidden is not null then 'spam' end
        from u
      )
      -- The band index: the first comment with a key keeps it (what submission does one at a time).
      insert into lsh_buckets (round_id, band_key, comment_id)
      select distinct on (u.round, k) u.round, k, u.id from u, unnest(u.lsh::int[]) as k
      order by u.round, k, u.created
      on conflict do nothing`,
    [c.id, c.receipt, c.draft, c.round, c.article, c.body, c.district, c.channel, c.station, c.status, c.adoption, c.bigrams, c.fp, c.minhash, c.lsh, c.group, c.assignee, c.created, c.hidden]);
    if ((done / BATCH) % 50 === 0) console.log(`seeded ${done + BATCH} comments, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
  for (let i = 0; i < tagRows.length; i += 5000) {
    const chunk = tagRows.slice(i, i + 5000);
    await raw.query('insert into comment_tags (comment_id, tag_id) select * from unnest($1::uuid[], $2::uuid[]) on conflict do nothing', [chunk.map((r) => r[0]), chunk.map((r) => r[1])]);
  }
  await raw.end();
  await db.execute(sql`vacuum analyze`);
  const seedSeconds = (performance.now() - t0) / 1000;
  console.log(`seeded ${N} comments in ${seedSeconds.toFixed(0)} s`);

  // Measurements.
  const viewer = { id: staffIds[0] };
  const RUNS = Number(process.env.RUNS ?? 30);
  const measure = async (make: (i: number) => InboxFilters) => {
    const xs: number[] = [];
    await listInbox(make(0), viewer, db); // warm
    for (let i = 0; i < RUNS; i++) xs.push(await time(() => listInbox(make(i), viewer, db)));
    return xs;
  };
  const slugs = samples.map((s) => s[0]);
  const cases: Array<[string, (i: number) => InboxFilters]> = [
    ['no filter', () => ({})],
    ['draft', (i) => ({ draft: slugs[i % slugs.length] })],
    ['draft + round', (i) => ({ draft: 'jiesu-jiban', round: 1 + (i % 3) })],
    ['draft + round + article', (i) => ({ draft: 'jiesu-jiban', round: 1, article: 1 + (i % 20) })],
    ['channel', (i) => ({ channel: channels[i % channels.length] })],
    ['station', (i) => ({ station: `ST${i % 200}` })],
    ['district', (i) => ({ district: districts[i % districts.length] })],
    ['status', (i) => ({ status: statuses[i % statuses.length] })],
    ['adoption', (i) => ({ adoption: (['adopted', 'not_adopted', 'pending', 'none'] as const)[i % 4] })],
    ['tag', (i) => ({ tag: tagIds[i % tagIds.length] })],
    ['assignee', (i) => ({ assignee: staffIds[i % 3] })],
    ['campaign (10,000 group)', () => ({ campaign: groupId.id })],
    ['date range (one day)', (i) => ({ from: new Date(startAt + (i % 39) * 86400_000 + 86400_000).toISOString().slice(0, 10), to: new Date(startAt + (i % 39) * 86400_000 + 86400_000).toISOString().slice(0, 10) })],
    ['hidden only', () => ({ hidden: 'only' })],
    // A page starting mid-range: the cursor as the inbox writes it (opaque base64url JSON, review/inbox.ts encodeCursor).
    ['second page (cursor), no filter', () => ({ cursor: encodeCursor(new Date(startAt + 20 * 86400_000), 'ffffffff-ffff-ffff-ffff-ffffffffffff') })],
  ];
  const searches: Array<[string, (i: number) => InboxFilters]> = [
    ['search 漏雨 (two characters)', () => ({ q: '漏雨' })],
    ['search 物业 (two characters)', () => ({ q: '物业' })],
    ['search 停车 (two characters)', () => ({ q: '停车' })],
    ['search 噪音 (two characters)', () => ({ q: '噪音' })],
    ['search 热线 within a draft', () => ({ q: '热线', draft: 'jiesu-jiban' })],
    ['search 外墙保温 (four characters)', () => ({ q: '外墙保温' })],
    ['search 龙井 (absent term)', () => ({ q: '龙井' })],
  ];
  // The cursor the first page hands out must open the second page (what a client does), with no overlap.
  const first = await listInbox({}, viewer, db);
  const second = first.nextCursor ? await listInbox({ cursor: first.nextCursor }, viewer, db) : null;
  if (!second?.items.length || second.items.some((r) => first.items.some((f) => f.id === r.id))) throw new Error('the inbox cursor did not open a second page');
  const rows: string[] = [];
  const baseline: number[] = [];
  for (let i = 0; i < RUNS; i++) baseline.push(await time(() => db.execute(sql`select 1`)));
  rows.push(`| baseline: select 1 | ${pct(baseline, 50).toFixed(1)} | ${pct(baseline, 95).toFixed(1)} |`);
  for (const [name, make] of [...cases, ...searches]) {
    const xs = await measure(make);
    rows.push(`| ${name} | ${pct(xs, 50).toFixed(1)} | ${pct(xs, 95).toFixed(1)} |`);
    console.log(rows.at(-1));
  }

  // Grouping per submission: what submitComment adds to its transaction — planGroup (MinHash of
  // the body, the exact and near lookups, a group created when a founder is matched) and the band
  // keys entered in the band index by the INSERT — measured as the whole transaction with grouping
  // minus the same transaction with an INSERT alone, over fresh comments.
  const planCosts: number[] = [];
  const groupingCosts: number[] = [];
  const plainCosts: number[] = [];
  for (let i = 0; i < 400; i++) {
    const text = i % 4 === 0 ? campaignText : body();
    const r = rounds[i % rounds.length];
    const grouped = i % 2 === 0;
    const t = await time(() => db.transaction(async (tx) => {
      const id = randomUUID();
      const plan = grouped ? await timed(planCosts, () => planGroup(tx, { roundId: r.roundId, fingerprint: fingerprintOf(text) }, nearDuplicateFeatures(text))) : null;
      await tx.execute(sql`
        with ins as (
          insert into comments (id, receipt, lookup_hash, idempotency_key, draft_id, round_id, body, channel, bigrams, fingerprint, group_id, minhash)
          values (${id}::uuid, ${`G${i}`}, 'x', ${`G${i}`}, ${r.draftId}::uuid, ${r.roundId}::uuid, ${text}, 'web',
            ${`{${bigramKeysOf(text).join(',')}}`}::int[], ${fingerprintOf(text)}, ${plan?.groupId ?? null}::uuid,
            ${plan?.minhash ? `{${plan.minhash.join(',')}}` : null}::int[])
          returning id, round_id)
        insert into lsh_buckets (round_id, band_key, comment_id)
        select ins.round_id, k, ins.id from ins, unnest(${plan?.lshBands ? `{${plan.lshBands.join(',')}}` : null}::int[]) as k
        order by k on conflict do nothing`);
    }));
    (grouped ? groupingCosts : plainCosts).push(t);
  }

  // Bulk decision on the 10,000-comment group.
  const bulk = await time(() => decideAdoption({ groupId: groupId.id }, { adoption: 'adopted', response: '您的意见已采纳。', publish: true }, { id: staffIds[0], kind: 'user' }, db));
  const members = Number(((await db.execute(sql`select count(*)::int as n from comments where group_id = ${groupId.id}::uuid and adoption = 'adopted'`)).rows[0] as { n: number }).n);

  const section = [
    `## ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC — staff inbox (issue 7)`,
    '',
    `${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GB, Node ${process.version}, PostgreSQL (local cluster), ${N.toLocaleString('en')} seeded comments over ${rounds.length} rounds of ${samples.length} drafts, seeded in ${seedSeconds.toFixed(0)} s. ` +
      `Measured through the domain functions the inbox page and the staff API call (listInbox: the page query plus its lookups of names, group sizes and tags), ${RUNS} runs each with varying filter values, sequential, after one warm-up. Other engineers' work was running on the same 2 cores.`,
    '',
    '| inbox first page (50 rows) | p50 ms | p95 ms |',
    '| --- | ---: | ---: |',
    ...rows,
    '',
    `Grouping at submission (planGroup: MinHash of the body, the exact lookup, the band-index lookup of at most 16 candidates; then the band keys entered with the INSERT), 200 submissions each way, alternating: ` +
      `the whole insert transaction with grouping p50 ${pct(groupingCosts, 50).toFixed(2)} ms, p95 ${pct(groupingCosts, 95).toFixed(2)} ms; without grouping (baseline) p50 ${pct(plainCosts, 50).toFixed(2)} ms, p95 ${pct(plainCosts, 95).toFixed(2)} ms; ` +
      `**grouping adds ${(pct(groupingCosts, 50) - pct(plainCosts, 50)).toFixed(2)} ms at p50, ${(pct(groupingCosts, 95) - pct(plainCosts, 95)).toFixed(2)} ms at p95** (target ≤ 2 ms).`,
    '',
    `planGroup alone (the lookups, measured inside those transactions): p50 ${pct(planCosts, 50).toFixed(2)} ms, p95 ${pct(planCosts, 95).toFixed(2)} ms.`,
    '',
    `Bulk decision (adopted + response + publish) on the ${GROUP.toLocaleString('en')}-comment campaign group, one UPDATE and one audit event: ${(bulk / 1000).toFixed(2)} s (${members} members now adopted).`,
    '',
  ].join('\n');
  appendResults(section);
  console.log(section);
  setDatabase(undefined);
  await database.close();
}

await main();
