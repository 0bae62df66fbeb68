/**
 * Themes clustering (src/server/themes/) on the labelled fixture tests/fixtures/themes: the four
 * arguments, each in varied wording, come out as four separate themes; the campaign group is one
 * document; the English and the lone comments are kept, not dropped; key phrases are readable;
 * quotes carry no contact; the drafted 主要意见 counts people, biggest first.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { termsOf } from '../../src/server/themes/segment';
import { buildVocabulary, clusterDocs, keyPhrasesOf } from '../../src/server/themes/cluster';
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

describe('clustering the labelled fixture', async () => {
  // One document per campaign group, as compute-themes.ts does.
  const campaign = fixture.comments.filter((c) => c.campaign);
  const docs = fixture.comments.filter((c) => !c.campaign).concat(campaign[0]);
  const terms = docs.map((c) => termsOf(c.body));
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
    expect(terms[english].length).toBeGreaterThan(3);
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
