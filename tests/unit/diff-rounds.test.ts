/**
 * The 修改对照表 on the real pairs of ../shared/data/laws and the sample drafts: which articles
 * changed, and the highlighted characters.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compareArticles, tallyChanges, type DiffEntry } from '../../src/server/drafts/diff-rounds';
import { parseLegalText } from '../../src/server/drafts/parse-legal-text';
import { lawFile } from '../support/shared-fixtures';

function articles(url: URL) {
  const r = parseLegalText(readFileSync(url));
  if (!r.ok) throw new Error(url.pathname);
  return r.text.articles;
}
const law = (name: string) => articles(lawFile(name));
const sample = (slug: string, n: number) => articles(new URL(`../../content/drafts/${slug}/round-${n}.md`, import.meta.url));

const changed = (entries: DiffEntry[], kind: DiffEntry['change']) =>
  entries.filter((e) => e.change === kind).map((e) => `${e.from?.number ?? ''}>${e.to?.number ?? ''}`);
const inserted = (e: DiffEntry) => e.segments!.filter((s) => s.op === 'insert').map((s) => s.text).join('');
const deleted = (e: DiffEntry) => e.segments!.filter((s) => s.op === 'delete').map((s) => s.text).join('');

describe('compareArticles on 停车条例 2021 → 2024', () => {
  const entries = compareArticles(law('beijing-tingche-2021.md'), law('beijing-tingche-2024.md'));

  it('shows exactly the real changes: one amendment and two source fixes among 43 articles', () => {
    expect(entries).toHaveLength(43);
    expect(tallyChanges(entries)).toEqual({ unchanged: 40, renumbered: 0, modified: 3, added: 0, removed: 0 });
    expect(changed(entries, 'modified')).toEqual(['23>23', '29>29', '39>39']);
  });

  it('highlights only the changed characters', () => {
    const [a23, a29, a39] = entries.filter((e) => e.change === 'modified');
    expect([deleted(a23), inserted(a23)]).toEqual(['', '元']);
    expect([deleted(a39), inserted(a39)]).toEqual(['', '中华人民共和国治安管理处罚法']);
    expect(inserted(a29)).toContain('依法共同决定');
    expect(deleted(a29)).toContain('过半数');
    expect(a29.from!.label).toBe('第二十九条');
  });

  it('rebuilds both texts from the segments', () => {
    for (const e of entries.filter((x) => x.segments)) {
      const from = e.segments!.filter((s) => s.op !== 'insert').map((s) => s.text).join('');
      const to = e.segments!.filter((s) => s.op !== 'delete').map((s) => s.text).join('');
      expect(to).toBe(e.to!.text);
      expect(from.replace(/\s/g, '')).toBe(e.from!.text.replace(/\s/g, ''));
    }
  });
});

describe('compareArticles on 立法法 2015 → 2023', () => {
  const entries = compareArticles(law('lifafa-2015.md'), law('lifafa-2023.md'));
  it('matches renumbered, inserted, removed and split articles', () => {
    const tally = tallyChanges(entries);
    expect(tally).toEqual({ unchanged: 2, renumbered: 61, modified: 42, added: 15, removed: 1 });
    expect(changed(entries, 'added')).toHaveLength(15);
    expect(entries.filter((e) => e.via === 'split').map((e) => `${e.from!.number}>${e.to!.number}`)).toEqual(['72>80', '72>81']);
    // Every new article appears once, in order.
    expect(entries.filter((e) => e.to && e.via !== 'merged').map((e) => e.to!.number)).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
  });
});

describe('compareArticles on the 接诉即办 sample rounds', () => {
  it('1 → 2: a merge, an added and a removed article, modifications, renumbering', () => {
    const entries = compareArticles(sample('jiesu-jiban', 1), sample('jiesu-jiban', 2));
    expect(entries.filter((e) => e.via === 'merged').map((e) => `${e.from!.number}>${e.to!.number}`)).toEqual(['6>6', '7>6']);
    expect(changed(entries, 'added')).toEqual(['>7']);
    expect(changed(entries, 'removed')).toEqual(['10>']);
    expect(changed(entries, 'modified').filter((x) => !['6>6', '7>6'].includes(x))).toEqual(['1>1', '12>11', '15>14', '23>22']);
    expect(entries.find((e) => e.from?.number === 11)!.change).toBe('renumbered');
  });

  it('2 → 3: a split, an inserted article, added paragraphs', () => {
    const entries = compareArticles(sample('jiesu-jiban', 2), sample('jiesu-jiban', 3));
    expect(entries.filter((e) => e.via === 'split').map((e) => `${e.from!.number}>${e.to!.number}`)).toEqual(['18>18', '18>19']);
    expect(changed(entries, 'added')).toEqual(['>21']);
    expect(changed(entries, 'removed')).toEqual([]);
    expect(changed(entries, 'modified').filter((x) => !x.startsWith('18>'))).toEqual(['9>9', '17>17', '30>32']);
    const a9 = entries.find((e) => e.to?.number === 9)!;
    expect(inserted(a9)).toContain('恶意');
  });
});

describe('compareArticles on synthetic edits', () => {
  const a = (number: number, text: string) => ({ number, text });
  it('counts whitespace-only changes as unchanged and reports a renumbered article', () => {
    const entries = compareArticles(
      [a(1, '本条例自公布之日起施行。'), a(2, '市人民政府应当加强领导。')],
      [a(1, '本条例自 公布之日起施行。 '), a(2, '新增的条文内容，与其他条文都不相同。'), a(3, '市人民政府应当加强领导。')],
    );
    expect(entries.map((e) => e.change)).toEqual(['unchanged', 'added', 'renumbered']);
    expect(entries[0].segments).toBeUndefined();
  });
  it('handles an empty side', () => {
    expect(compareArticles([], [a(1, '第一条的内容')]).map((e) => e.change)).toEqual(['added']);
    expect(compareArticles([a(1, '第一条的内容')], []).map((e) => e.change)).toEqual(['removed']);
  });
});
