/**
 * The real pairs, verified by hand against the texts:
 *
 * 北京市机动车停车条例 2021 → 2024 (43 → 43 articles): 40 unchanged, 3 modified, nothing renumbered,
 * added or removed. 第二十九条 is the substantive amendment (居住小区 parking fees: "应当经专有部分…过半数的
 * 业主同意" → "应当由业主依法共同决定"); 第二十三条 ("五千以上" → "五千元以上") and 第三十九条 (the empty
 * "依照《》" → "依照《中华人民共和国治安管理处罚法》") are fixes of the source text.
 *
 * 立法法 2015 → 2023 (105 → 120 articles): 2 unchanged (第一条, 第二条), 61 renumbered with the same text
 * (58 identical up to whitespace, 3 differing only in a half-width ":" — old 45→48, 65→72, 95→106),
 * 40 modified (incl. old 13 → new 16, extended by a paragraph, Dice 0.496), 1 split (old 72 → new 80 + 81),
 * 1 removed (old 第三条, rewritten as new 3 and 4 with too little text in common), 15 added
 * (new 3, 4, 8, 9, 55, 68, 70, 71, 79, 83, 90, 111, 115, 116, 118).
 * Check: 2 + 61 + 40 + 2 + 15 = 120 new, 2 + 61 + 40 + 1 + 1 = 105 old.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  matchArticles,
  normalizeArticleText,
  textSimilarity,
  toPublicChanges,
  type ArticleMatch,
} from '../../src/server/drafts/match-articles';
import { parseLegalText, type LegalArticle } from '../../src/server/drafts/parse-legal-text';
import { formatArticleLabel } from '../../src/server/drafts/chinese-numerals';
import { lawsDir } from '../support/shared-fixtures';


function articlesOf(name: string): LegalArticle[] {
  const r = parseLegalText(readFileSync(new URL(name, lawsDir)));
  if (!r.ok) throw new Error(name);
  return r.text.articles;
}

function tally(matches: ArticleMatch[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of matches) out[m.change] = (out[m.change] ?? 0) + 1;
  return out;
}

/** Compact form: "m29>29", "a>3", "r6>7", "s72>80+81", "x3>" for removed. */
function brief(m: ArticleMatch): string {
  const code = m.change === 'removed' ? 'x' : m.change[0];
  return `${code}${m.from.map((a) => a.number).join('+')}>${m.to.map((a) => a.number).join('+')}`;
}

function art(number: number, text: string): LegalArticle {
  return { number, label: formatArticleLabel(number), paragraphs: [{ text, items: [] }], text, line: number };
}

describe('matchArticles on real amendments', () => {
  it('停车条例 2021 → 2024: exactly 第二十三条, 第二十九条 and 第三十九条 changed', () => {
    const matches = matchArticles(articlesOf('beijing-tingche-2021.md'), articlesOf('beijing-tingche-2024.md'));
    expect(tally(matches)).toEqual({ unchanged: 40, modified: 3 });
    expect(matches.filter((m) => m.change === 'modified').map(brief)).toEqual(['m23>23', 'm29>29', 'm39>39']);
    expect(matches.map((m) => m.to[0].number)).toEqual(Array.from({ length: 43 }, (_, i) => i + 1));
    const a29 = matches[28];
    expect(a29.similarity).toBeGreaterThan(0.6);
    expect(a29.similarity).toBeLessThan(0.8);
    expect(a29.to[0].text).toContain('应当由业主依法共同决定');
  });

  it('立法法 2015 → 2023: renumbering, insertions, a split and a rewrite', () => {
    const matches = matchArticles(articlesOf('lifafa-2015.md'), articlesOf('lifafa-2023.md'));
    expect(tally(matches)).toEqual({ unchanged: 2, renumbered: 61, modified: 40, split: 1, removed: 1, added: 15 });
    expect(matches.filter((m) => m.change === 'added').map((m) => m.to[0].number)).toEqual([
      3, 4, 8, 9, 55, 68, 70, 71, 79, 83, 90, 111, 115, 116, 118,
    ]);
    const list = matches.map(brief);
    expect(list.slice(0, 8)).toEqual(['u1>1', 'u2>2', 'x3>', 'a>3', 'a>4', 'm4>5', 'm5>6', 'r6>7']);
    expect(list).toContain('m13>16');
    expect(list).toContain('s72>80+81');
    expect(list).toContain('r45>48');
    expect(list.at(-1)).toBe('r105>120');
    expect(matches.some((m) => m.moved)).toBe(false);
    // Every old and every new article appears exactly once.
    expect(matches.flatMap((m) => m.from.map((a) => a.number)).sort((x, y) => x - y)).toEqual(range(1, 105));
    expect(matches.flatMap((m) => m.to.map((a) => a.number))).toEqual(range(1, 120));
  });

  it('exposes the public shape', () => {
    const { articles } = toPublicChanges(matchArticles(articlesOf('lifafa-2015.md'), articlesOf('lifafa-2023.md')));
    expect(articles).toHaveLength(121);
    expect(articles[2]).toEqual({ change: 'removed', from: { number: 3, text: expect.stringMatching(/^立法应当遵循宪法/) }, similarity: 0 });
    const split = articles.filter((a) => a.via === 'split');
    expect(split.map((a) => [a.change, a.from?.number, a.to?.number])).toEqual([
      ['modified', 72, 80],
      ['modified', 72, 81],
    ]);
  });
});

describe('matchArticles on synthetic versions', () => {
  const base = [
    art(1, '为了规范停车秩序，根据有关法律，结合本市实际，制定本条例。'),
    art(2, '本市行政区域内机动车停车设施的规划、建设和管理，适用本条例。'),
    art(3, '市交通主管部门负责本市停车管理工作，区停车管理部门负责本区停车管理。'),
    art(4, '违反本条例规定的，由有关部门依法予以处罚；构成犯罪的，依法追究刑事责任。'),
    art(5, '本条例自公布之日起施行。'),
  ];

  it('treats whitespace and full/half-width punctuation as no change', () => {
    const to = base.map((a) => art(a.number, a.text.replace(/，/g, ', ').replace(/；/g, ';\u3000')));
    expect(matchArticles(base, to).map((m) => m.change)).toEqual(Array(5).fill('unchanged'));
    expect(normalizeArticleText('甲， 乙（丙）：“丁”〈戊〉')).toBe('甲,乙(丙):"丁"<戊>');
  });

  it('finds an insertion with the following articles renumbered, and a modification', () => {
    const to = [
      base[0],
      art(2, '本条例所称停车设施，是指为机动车提供停放服务的场所。'),
      art(3, base[1].text),
      art(4, base[2].text.replace('负责本区', '负责本行政区域内的')),
      art(5, base[3].text),
      art(6, base[4].text),
    ];
    expect(matchArticles(base, to).map(brief)).toEqual(['u1>1', 'a>2', 'r2>3', 'm3>4', 'r4>5', 'r5>6']);
  });

  it('places a removed article where it was', () => {
    const to = [base[0], base[1], art(3, base[3].text), art(4, base[4].text)];
    expect(matchArticles(base, to).map(brief)).toEqual(['u1>1', 'u2>2', 'x3>', 'r4>3', 'r5>4']);
    expect(matchArticles(base, base.slice(1).map((a, i) => art(i + 1, a.text))).map(brief)).toEqual([
      'x1>',
      'r2>1',
      'r3>2',
      'r4>3',
      'r5>4',
    ]);
  });

  it('detects a moved article', () => {
    const to = [base[0], art(2, base[3].text), art(3, base[1].text), art(4, base[2].text), base[4]];
    const matches = matchArticles(base, to);
    expect(matches.map(brief)).toEqual(['u1>1', 'r4>2', 'r2>3', 'r3>4', 'u5>5']);
    expect(matches.map((m) => m.moved)).toEqual([false, true, false, false, false]);
  });

  it('detects a split and a merge', () => {
    const long = art(
      3,
      '市交通主管部门负责本市停车管理工作，组织编制停车设施专项规划。区停车管理部门负责本区停车管理，组织实施道路停车收费。',
    );
    const from = [base[0], base[1], long, art(4, base[4].text)];
    const to = [
      base[0],
      base[1],
      art(3, '市交通主管部门负责本市停车管理工作，组织编制停车设施专项规划。'),
      art(4, '区停车管理部门负责本区停车管理，组织实施道路停车收费。'),
      art(5, base[4].text),
    ];
    const split = matchArticles(from, to);
    expect(split.map(brief)).toEqual(['u1>1', 'u2>2', 's3>3+4', 'r4>5']);
    const merged = matchArticles(to, from);
    expect(merged.map(brief)).toEqual(['u1>1', 'u2>2', 'm3+4>3', 'r5>4']);
    expect(merged[2].change).toBe('merged');
    expect(toPublicChanges(merged).articles.filter((a) => a.via === 'merged').map((a) => a.from?.number)).toEqual([3, 4]);
  });

  it('handles empty versions', () => {
    expect(matchArticles([], [])).toEqual([]);
    expect(matchArticles(base, []).map((m) => m.change)).toEqual(Array(5).fill('removed'));
    expect(matchArticles([], base).map((m) => m.change)).toEqual(Array(5).fill('added'));
  });

  it('scores similarity between 0 and 1', () => {
    expect(textSimilarity('甲乙丙丁', '甲乙 丙丁')).toBe(1);
    expect(textSimilarity('甲乙丙丁', '戊己庚辛')).toBe(0);
    const s = textSimilarity('甲乙丙丁戊', '甲乙丙丁己');
    expect(s).toBeGreaterThan(0.5);
    expect(s).toBeLessThan(1);
  });
});

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
