/**
 * Themes clustering (src/server/themes/) on the labelled fixtures tests/fixtures/themes: the four
 * arguments of article-comments.json, each in varied wording, come out as four separate themes; the
 * campaign group is one document; the English and the lone comments are kept, not dropped; key
 * phrases are readable; quotes carry no contact; the drafted 主要意见 counts people, biggest first.
 * Quality on labelled-arguments.json (three articles, fourteen arguments, three of them of three
 * comments, short comments): each argument one theme (one split allowed), no two merged, purity
 * 100 %, the three-comment minorities each a theme of their own (decision 028, addendum).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PART_WEIGHT, termsOf, weightedTermsOf } from '../../src/server/themes/segment';
import { buildVocabulary, clusterDocs, keyPhrasesOf, type Cluster } from '../../src/server/themes/cluster';
import { themeQuality } from '../../src/server/themes/theme-quality';
import { quoteText } from '../../src/server/themes/quotes';
import { draftPointsText } from '../../src/server/themes/draft-points';
import type { ThemeView } from '../../src/server/themes/read-themes';

interface FixtureComment { argument: string | null; body: string; campaign?: boolean; english?: boolean; contact?: string }
const fixture = JSON.parse(readFileSync('tests/fixtures/themes/article-comments.json', 'utf8')) as { comments: FixtureComment[] };

describe('segmentation', () => {
  it('keeps Chinese words and English words, drops stop words, punctuation and digits', () => {
    const terms = termsOf('我认为电动自行车的限速太低了！I think the parking fees are too high, 2025年。');
    expect(terms).toContain('限速');
    expect(terms).toContain('自行车');
    expect(terms).toContain('parking');
    expect(terms).toContain('fee');
    expect(terms).not.toContain('认为');
    expect(terms).not.toContain('the');
    expect(terms.some((x) => /\d/.test(x))).toBe(false);
  });
});

describe('weighted terms for themes', () => {
  it('counts a compound once and the words inside it at a fraction, and drops the frame of a letter', () => {
    const terms = weightedTermsOf('强烈要求延长上班时间，很多居民反映上班时间太短。');
    expect(terms.get('上班时间')).toBe(2);
    expect(terms.get('上班')).toBe(2 * PART_WEIGHT);
    expect(terms.get('延长')).toBe(1);
    for (const frame of ['强烈', '要求', '强烈要求', '反映', '很多']) expect(terms.has(frame), frame).toBe(false);
  });

  it('keeps English words, folded to a crude stem', () => {
    const terms = weightedTermsOf('Parking fees are too high near metro stations');
    expect([...terms.keys()]).toEqual(expect.arrayContaining(['parking', 'fee', 'high', 'metro', 'station']));
  });
});

describe('clustering the labelled fixture', async () => {
  // One document per campaign group, as compute-themes.ts does.
  const campaign = fixture.comments.filter((c) => c.campaign);
  const docs = fixture.comments.filter((c) => !c.campaign).concat(campaign[0]);
  const terms = docs.map((c) => weightedTermsOf(c.body));
  const vocab = buildVocabulary(terms);
  const clusters = await clusterDocs(docs.map((c, i) => ({ terms: terms[i], weight: c.campaign ? campaign.length : 1 })), vocab);
  const argumentsOf = (members: number[]) => members.map((m) => docs[m].argument);

  it('puts each argument in a theme of its own, and no theme mixes two arguments', () => {
    const themes = clusters.filter((c) => c.members.length >= 2);
    const majority = new Map<string, number>();
    for (const arg of ['speed', 'charging', 'helmet', 'plate']) {
      const holding = themes.map((c, i) => ({ i, n: argumentsOf(c.members).filter((a) => a === arg).length })).sort((a, b) => b.n - a.n)[0];
      expect(holding.n, arg).toBeGreaterThanOrEqual(4);
      majority.set(arg, holding.i);
    }
    expect(new Set(majority.values()).size).toBe(4);
    for (const c of themes) expect(new Set(argumentsOf(c.members)).size, argumentsOf(c.members).join(',')).toBe(1);
  });

  it('counts the campaign group once in its theme, weighing its copies', () => {
    const withCampaign = clusters.find((c) => c.members.some((m) => docs[m].campaign))!;
    expect(argumentsOf(withCampaign.members).every((a) => a === 'charging')).toBe(true);
    expect(withCampaign.members.filter((m) => docs[m].campaign)).toHaveLength(1);
    // The biggest theme by comments comes first: the campaign's 8 copies plus the 6 other comments.
    expect(clusters[0]).toBe(withCampaign);
  });

  it('keeps the English comment and the lone arguments, each alone', () => {
    const english = docs.findIndex((c) => c.english);
    expect(terms[english].size).toBeGreaterThan(3);
    const holding = clusters.find((c) => c.members.includes(english))!;
    expect(holding.members).toEqual([english]);
    const lone = docs.map((c, i) => (c.argument === null ? i : -1)).filter((i) => i >= 0);
    for (const i of lone) expect(clusters.find((c) => c.members.includes(i))!.members).toHaveLength(1);
  });

  it('names themes by readable key phrases', () => {
    const speed = clusters.find((c) => argumentsOf(c.members).filter((a) => a === 'speed').length >= 4)!;
    expect(speed.keyPhrases.slice(0, 3).join('、')).toContain('限速');
    const helmet = clusters.find((c) => argumentsOf(c.members).filter((a) => a === 'helmet').length >= 4)!;
    expect(helmet.keyPhrases).toContain('头盔');
  });
});

interface LabelledComment { article: number; argument: string | null; body: string }
const labelled = JSON.parse(readFileSync('tests/fixtures/themes/labelled-arguments.json', 'utf8')) as { comments: LabelledComment[] };

describe('quality on the labelled arguments (three articles, fourteen arguments)', async () => {
  // Clustered per article, as compute-themes.ts does; a theme is a cluster of two or more comments.
  const themes: { article: number; labels: (string | null)[]; cluster: Cluster }[] = [];
  for (const article of [...new Set(labelled.comments.map((c) => c.article))]) {
    const docs = labelled.comments.filter((c) => c.article === article);
    const terms = docs.map((c) => weightedTermsOf(c.body));
    for (const cluster of await clusterDocs(docs.map((_, i) => ({ terms: terms[i], weight: 1 })), buildVocabulary(terms))) {
      if (cluster.members.length >= 2) themes.push({ article, labels: cluster.members.map((m) => docs[m].argument), cluster });
    }
  }
  const quality = themeQuality(themes, labelled.comments.map((c) => c.argument));
  const args = [...new Set(labelled.comments.map((c) => c.argument).filter((a): a is string => a !== null))];
  const countOf = (arg: string) => labelled.comments.filter((c) => c.argument === arg).length;

  it('puts each argument in one theme (one split in all), never two arguments in one', () => {
    expect(quality.arguments).toBe(14);
    expect(quality.mergedArguments).toEqual([]);
    expect(quality.purity).toBe(1);
    expect(quality.themes).toBeLessThanOrEqual(15);
    for (const arg of args) {
      const own = themes.filter((t) => t.labels.filter((l) => l === arg).length * 2 > t.labels.length);
      expect(own.length, arg).toBeGreaterThanOrEqual(1);
      expect(own.length, arg).toBeLessThanOrEqual(2);
    }
    expect(themes.filter((t) => new Set(t.labels.filter(Boolean)).size > 1)).toEqual([]);
  });

  it('keeps most of every argument together, short comments too', () => {
    expect(quality.largestShare).toBeGreaterThanOrEqual(0.9);
    // Eight comments on the speed limit, two of them one short clause, in a single theme.
    expect(Math.max(...themes.map((t) => t.labels.filter((l) => l === 'ebike:speed').length))).toBe(countOf('ebike:speed'));
    expect(Math.max(...themes.map((t) => t.labels.filter((l) => l === 'park:price').length))).toBe(countOf('park:price'));
  });

  it('shows each minority of three comments as a theme of its own, not in 其他 or another theme', () => {
    for (const arg of ['ebike:transition', 'dog:guide', 'park:fire']) {
      expect(countOf(arg)).toBe(3);
      const theme = themes.find((t) => t.labels.filter((l) => l === arg).length === 3);
      expect(theme, arg).toBeDefined();
      expect(theme!.labels.filter((l) => l !== null && l !== arg), arg).toEqual([]);
    }
  });

  it('keeps two arguments that share words apart (登记 and 收费: the fee, and guide dogs exempt from it)', () => {
    const fee = themes.find((t) => t.labels.includes('dog:fee'))!;
    expect(fee.labels).not.toContain('dog:guide');
    expect(fee.cluster.keyPhrases.join('、')).toMatch(/登记费|费用/);
  });
});

describe('theme quality figures', () => {
  it('measures purity, the largest share, splits and merges', () => {
    const q = themeQuality(
      [{ labels: ['a', 'a', 'a', 'b'] }, { labels: ['a', 'a'] }, { labels: ['b', null, null] }, { labels: [null, null] }],
      ['a', 'a', 'a', 'a', 'a', 'a', 'b', 'b', 'c', null, null, null, null],
    );
    expect(q.themes).toBe(4);
    expect(q.arguments).toBe(3);
    expect(q.purity).toBeCloseTo(6 / 7);
    // a: 3 of 6 in its largest theme; b: 1 of 2; c: none.
    expect(q.largestShare).toBeCloseTo((3 / 6 + 1 / 2 + 0) / 3);
    expect(q.themesPerArgument).toBeCloseTo(2 / 3);
    expect(q.loneThemes).toBe(2);
    expect(q.mergedArguments).toEqual([]);
    expect(themeQuality([{ labels: ['a', 'a', 'b', 'b', 'b'] }], ['a', 'a', 'b', 'b', 'b']).mergedArguments).toEqual(['a']);
  });
});

describe('key phrases, quotes and the drafted text', () => {
  it('prefers the longer word over the words inside it', () => {
    expect(keyPhrasesOf(new Map([['自行', 0.5], ['自行车', 0.4], ['限速', 0.3], ['行车', 0.2]]))).toEqual(['自行车', '限速']);
  });

  it('takes contacts out of quotes and keeps them short', () => {
    expect(quoteText('请联系我 13912345678 或 a.b@example.com，身份证 11010519491231002X')).toBe('请联系我 *** 或 ***，身份证 ***');
    expect([...quoteText('长'.repeat(500))]).toHaveLength(160);
  });

  it('drafts "N 人次建议……；M 人次认为……；另有 K 人次提出其他意见。", biggest first, staff labels as they are', () => {
    const theme = (people: number, text: string, extra: Partial<ThemeView> = {}): ThemeView => ({
      id: String(people), article: 2, other: false, label: 'x', autoLabel: 'x', labelEdited: false, keyPhrases: [], comments: people, people,
      quotes: [{ receipt: 'R', text }], ...extra,
    });
    const text = draftPointsText([
      theme(5, '我认为限速十五公里太低了，外卖骑手送不完单。'),
      theme(12, '尊敬的人大常委会：建议先建成集中充电设施，再禁止楼道充电。望采纳！'),
      theme(3, '头盔', { label: '儿童头盔标准', labelEdited: true }),
      theme(4, '', { other: true }),
    ]);
    expect(text).toBe('12 人次建议先建成集中充电设施，再禁止楼道充电；5 人次认为限速十五公里太低了，外卖骑手送不完单；3 人次提出“儿童头盔标准”；另有 4 人次提出其他意见。');
    expect(draftPointsText([])).toBe('');
  });
});
