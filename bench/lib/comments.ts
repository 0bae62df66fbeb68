/**
 * Comment texts for the submission benchmarks. `citizenComment` is the realistic mix: distinct
 * comments composed of a quote from the draft, a concern, a place and a request with its own
 * numbers — like the online comments of the 接诉即办 consultation — and 5 % copies of three
 * campaign letters. `draftWindow` is the stress case: windows of the draft's own text, most of
 * which overlap an earlier one enough to be near-duplicates (they join groups, and wait for each
 * other: two near-identical comments are never inserted in one batch).
 */
import { readFileSync } from 'node:fs';

const CORPUS = readFileSync(new URL('../../content/drafts/jiesu-jiban/round-3.md', import.meta.url), 'utf8')
  .replace(/<!--[\s\S]*?-->|[#\s]/g, '');

/** How citizens open a comment (the import bench's letters use them too). */
export const OPENERS = ['建议', '我认为', '希望', '关于这一条，', '作为社区居民，我建议', '这一条应当', '本人是退休教师，', '我们小区的居民反映，'];

/** Stress: a window of the draft's text (40–160 characters) with a citizen's framing. */
export function draftWindow(n: number): string {
  const length = 40 + (n * 37) % 120;
  const start = (n * 7919) % Math.max(1, CORPUS.length - length);
  return `${OPENERS[n % OPENERS.length]}${CORPUS.slice(start, start + length)}（${n}）`;
}

const CONCERNS = [
  '工单办理时限过长，群众等不起', '回访流于形式，电话打来只问满不满意', '夜间和节假日热线难以接通', '老年人不会使用手机应用反映问题',
  '物业和社区之间互相推诿', '老旧小区停车位严重不足', '施工噪音扰民长期得不到解决', '考核只看满意率导致基层弄虚作假',
  '同一问题反复派单，责任单位不明确', '诉求人的个人信息存在泄露风险', '农村地区网络信号差无法在线反映', '外卖电动车乱停放影响通行',
  '餐饮油烟直排扰民', '供暖不达标却投诉无门', '学校周边交通拥堵存在安全隐患', '残疾人出行无障碍设施缺失',
  '小区垃圾分类点设置不合理', '群租房安全隐患突出', '菜市场拆除后买菜不便', '公园健身器材年久失修',
  '企业反映的营商环境问题答复空泛', '疫情后社区服务站人手不足', '工单被退回后没有任何说明', '街道答复只有套话没有结果',
];
const PLACES = ['东城区', '西城区', '朝阳区', '海淀区', '丰台区', '石景山区', '门头沟区', '房山区', '通州区', '顺义区', '昌平区', '大兴区', '怀柔区', '平谷区', '密云区', '延庆区'];
const WHERE = ['某街道', '某社区', '某小区', '某村', '某商圈', '某学校附近'];
const ASKS = [
  (k: number) => `建议明确${k % 5 + 3}个工作日内答复，逾期要向诉求人说明理由。`,
  (k: number) => `建议每${['月', '季度', '半年'][k % 3]}向社会公开各单位的办理数据和排名。`,
  (k: number) => `建议每个街道配备不少于${k % 4 + 2}名专职回访人员。`,
  (k: number) => `建议对连续${k % 3 + 2}次不满意的工单由上级部门督办。`,
  (k: number) => `建议保留电话和窗口渠道，方便${['老年人', '残疾人', '外来务工人员'][k % 3]}反映问题。`,
  (k: number) => `建议把诉求人的评价作为考核依据之一，权重不低于${k % 4 * 10 + 30}%。`,
  (k: number) => `建议在${k % 12 + 1}月份前出台配套的实施细则。`,
  (k: number) => `建议明确由${['区政府', '街道办事处', '行业主管部门'][k % 3]}牵头，避免推诿。`,
  (k: number) => `建议对恶意重复投诉的情形作出规定，但不得限制正当诉求。`,
  (k: number) => `建议建立${['周', '月', '季'][k % 3]}调度机制，及时发现共性问题。`,
];
const CLOSERS = ['请予考虑。', '谢谢！', '希望采纳。', '', '以上意见供参考。'];
const CAMPAIGN = [
  '强烈建议在第十条中明确规定，承办单位应当在接到诉求后二十四小时内与诉求人取得联系，并在七个工作日内办结，逾期未办结的应当说明理由并告知诉求人办理进度。',
  '建议在条例中明确：12345热线工单办理结果必须回访诉求人，不满意的要重新办理，不得以“已解释”代替解决。',
  '希望增加关于老旧小区加装电梯的规定，政府应当给予补贴并简化审批，由街道负责协调低层住户。',
];

/** murmur3's finaliser: a well-spread 32-bit hash of n for each field's choice. */
function mix(n: number, seed: number): number {
  let h = (Math.imul(n, 0x9e3779b1) ^ seed) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * The realistic mix: the n-th comment, distinct (it names the commenter's building, from n), or
 * (every 20th) a copy of a campaign letter.
 */
export function citizenComment(n: number): string {
  if (n % 20 === 7) return CAMPAIGN[(n / 20 | 0) % CAMPAIGN.length];
  const choose = <T>(list: readonly T[], seed: number) => list[mix(n, seed) % list.length];
  const quoteLength = 8 + (mix(n, 1) % 9);
  const start = mix(n, 2) % Math.max(1, CORPUS.length - quoteLength);
  return `${choose(OPENERS, 3)}关于“${CORPUS.slice(start, start + quoteLength)}”，${choose(PLACES, 4)}${choose(WHERE, 5)}` +
    `${choose(CONCERNS, 6)}（我住${mix(n, 7) % 40 + 1}号楼${n % 997 + 1}室）。${choose(ASKS, 8)(mix(n, 9))}${choose(CLOSERS, 10)}`;
}
