/**
 * A small consultation for the report tests: a draft with two rounds (round 1 closed, round 2
 * changing 第二条), stations, tags, a campaign group and comments covering every channel, adoption
 * status, hidden comments, consent to publish names, contacts and formula-looking text.
 */
import { randomUUID } from 'node:crypto';
import { comments, commentGroups, commentTags, stations, tags, users } from '../../src/db/schema';
import type { DbOrTx } from '../../src/db/client';
import { publishVersion } from '../../src/server/drafts/publish-version';

const day = 86400_000;

export const ROUND1 = `# 示例管理条例

第一条 为了规范示例管理，制定本条例。

第二条 本条例适用于本市行政区域内的示例管理活动。

第三条 市人民政府负责示例管理工作。

第四条 违反本条例规定的，依法处理。
`;

export const ROUND2 = `# 示例管理条例

第一条 为了规范示例管理，制定本条例。

第二条 本条例适用于本市行政区域内的示例管理及相关服务活动。

第三条 市人民政府负责示例管理工作。

第四条 违反本条例规定的，依法处理。
`;

export interface SeedComment {
  article: number | null;
  body: string;
  channel?: 'web' | 'kiosk' | 'station_qr' | 'deputy' | 'letter' | 'api';
  district?: string | null;
  occupation?: string | null;
  name?: string | null;
  publishName?: boolean;
  contact?: string | null;
  adoption?: 'adopted' | 'partially_adopted' | 'not_adopted' | 'already_provided' | 'out_of_scope' | 'pending' | null;
  reason?: string | null;
  response?: string | null;
  responded?: boolean;
  hidden?: boolean;
  satisfaction?: 'satisfied' | 'basically_satisfied' | 'not_satisfied' | null;
  group?: 'campaign';
  tags?: string[];
  userId?: string | null;
  voices?: number;
}

export const seedComments: SeedComment[] = [
  { article: null, body: '建议整体上加强公众参与。', channel: 'web', district: '东城区', occupation: '教师', name: '张三', publishName: true, contact: '13800000001', adoption: 'adopted', response: '已在第二条中体现。', responded: true, satisfaction: 'satisfied', tags: ['公众参与'] },
  { article: 2, body: '适用范围应包括相关服务活动。', channel: 'kiosk', district: '东城区', occupation: '退休', name: '李四', publishName: false, contact: 'lisi@example.com', adoption: 'adopted', response: '采纳，已修改第二条。', responded: true, satisfaction: 'basically_satisfied', tags: ['适用范围'] },
  { article: 2, body: '=HYPERLINK("http://evil.example","点我")', channel: 'web', district: '西城区', occupation: '工程师', name: '王五', publishName: true, adoption: 'not_adopted', reason: '与本条无关。', response: '感谢关注。', responded: true, satisfaction: 'not_satisfied', tags: ['适用范围'] },
  { article: 2, body: '+建议明确范围', channel: 'station_qr', district: '西城区', occupation: '工程师', adoption: 'partially_adopted', reason: '部分内容已有规定。', response: '部分采纳。', responded: true },
  { article: 3, body: '政府职责应当细化到区。', channel: 'deputy', district: '朝阳区', occupation: '律师', name: '赵六', publishName: true, contact: '13800000004', adoption: 'already_provided', reason: '第五条已有规定。', response: '已有规定。', responded: true, voices: 5, tags: ['职责分工'] },
  { article: 3, body: '请增加区级职责。', channel: 'letter', district: '朝阳区', occupation: null, adoption: 'pending', tags: ['职责分工'] },
  { article: 4, body: '处罚标准太轻。', channel: 'web', district: null, occupation: '学生', adoption: 'out_of_scope', reason: '属于上位法规定。', response: '不属于本条例调整范围。', responded: false },
  { article: 4, body: '统一诉求：加大处罚力度。', channel: 'web', district: '海淀区', occupation: '职员', group: 'campaign', adoption: 'not_adopted', reason: '处罚幅度由上位法确定。', response: '未采纳。', responded: true },
  { article: 4, body: '统一诉求：加大处罚力度。', channel: 'web', district: '海淀区', occupation: '职员', group: 'campaign', adoption: 'not_adopted', reason: '处罚幅度由上位法确定。', response: '未采纳。', responded: true },
  { article: 4, body: '统一诉求：加大处罚力度。', channel: 'web', district: '海淀区', occupation: '职员', group: 'campaign', adoption: 'not_adopted', reason: '处罚幅度由上位法确定。', response: '未采纳。', responded: true },
  { article: 4, body: '这是一条被屏蔽的广告。', channel: 'web', district: '海淀区', occupation: '职员', name: '广告商', publishName: true, contact: '13900000000', hidden: true },
  { article: 1, body: '@立法目的应写明保障权益', channel: 'api', district: '东城区', occupation: '教师', name: '张三', publishName: true, contact: '13800000001', adoption: null },
];

export interface Seeded {
  draftId: string;
  round1: string;
  round2: string;
  slug: string;
  ids: string[];
  staffId: string;
  adminId: string;
}

/** Publishes the two rounds and inserts the comments; round 1 closed 10 days ago. */
export async function seedReportFixture(db: DbOrTx, slug = 'shili', now = new Date()): Promise<Seeded> {
  const r1 = await publishVersion({ slug, code: 'SL', title: '示例管理条例（草案）', roundNumber: 1, label: '一审稿', opensAt: new Date(now.getTime() - 40 * day), closesAt: new Date(now.getTime() - 10 * day), text: ROUND1 }, undefined, db);
  const r2 = await publishVersion({ slug, roundNumber: 2, label: '二审稿', opensAt: new Date(now.getTime() - 2 * day), closesAt: new Date(now.getTime() + 20 * day), text: ROUND2 }, undefined, db);
  const { ids, staffId, adminId } = await insertSeedComments(db, r1.draftId, r1.roundId, now);
  return { draftId: r1.draftId, round1: r1.roundId, round2: r2.roundId, slug, ids, staffId, adminId };
}

/** Inserts the seed comments (with a staff and an admin user, a station, tags and a campaign) into a round. */
export async function insertSeedComments(db: DbOrTx, draftId: string, roundId: string, now = new Date()): Promise<{ ids: string[]; staffId: string; adminId: string }> {
  const [staff] = await db.insert(users).values({ email: `staff-${randomUUID()}@example.com`, passwordHash: 'x', role: 'staff', name: '工作人员' }).returning();
  const [admin] = await db.insert(users).values({ email: `admin-${randomUUID()}@example.com`, passwordHash: 'x', role: 'admin', name: '管理员' }).returning();
  const [station] = await db.insert(stations).values({ code: `S${randomUUID().slice(0, 6)}`, name: '东华门代表联络站', type: 'liaison_station', district: '东城区' }).returning();
  const [group] = await db.insert(commentGroups).values({ roundId, fingerprint: 'campaign', confirmed: true, label: '加大处罚力度' }).returning();
  const tagIds = new Map<string, string>();
  for (const name of ['公众参与', '适用范围', '职责分工']) {
    const [tag] = await db.insert(tags).values({ draftId: draftId, name }).returning();
    tagIds.set(name, tag.id);
  }
  const ids: string[] = [];
  let i = 0;
  for (const c of seedComments) {
    i += 1;
    const created = new Date(now.getTime() - 30 * day + i * 3600_000);
    const [row] = await db.insert(comments).values({
      receipt: `RT-${roundId.slice(0, 8)}-${String(i).padStart(4, '0')}`,
      lookupHash: 'x',
      idempotencyKey: randomUUID(),
      draftId: draftId,
      roundId: roundId,
      articleNumber: c.article,
      body: c.body,
      name: c.name ?? null,
      publishName: c.publishName ?? false,
      district: c.district ?? null,
      occupation: c.occupation ?? null,
      contact: c.contact ?? null,
      channel: c.channel ?? 'web',
      stationId: c.channel === 'station_qr' || c.channel === 'deputy' ? station.id : null,
      voices: c.voices ?? 1,
      fingerprint: c.group === 'campaign' ? 'campaign' : `fp${i}`,
      groupId: c.group === 'campaign' ? group.id : null,
      status: c.responded ? 'answered' : c.adoption ? 'under_review' : 'received',
      adoption: c.adoption ?? null,
      reason: c.reason ?? null,
      response: c.response ?? null,
      decidedAt: c.adoption ? new Date(created.getTime() + day) : null,
      decidedBy: c.adoption ? staff.id : null,
      respondedAt: c.responded ? new Date(created.getTime() + 2 * day) : null,
      hiddenAt: c.hidden ? new Date(created.getTime() + 3600_000) : null,
      hiddenReason: c.hidden ? '广告' : null,
      satisfaction: c.satisfaction ?? null,
      userId: c.userId ?? null,
      createdAt: created,
    }).returning({ id: comments.id });
    ids.push(row.id);
    for (const tag of c.tags ?? []) await db.insert(commentTags).values({ commentId: row.id, tagId: tagIds.get(tag)! });
  }
  return { ids, staffId: staff.id, adminId: admin.id };
}
