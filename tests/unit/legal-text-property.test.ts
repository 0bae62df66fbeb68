import fc from 'fast-check';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatChineseNumeral } from '../../src/server/drafts/chinese-numerals';
import {
  articleBodyText,
  parseLegalText,
  type LegalArticle,
  type LegalChapter,
  type LegalParagraph,
  type LegalText,
} from '../../src/server/drafts/parse-legal-text';
import { renderLegalText } from '../support/render-legal-text';
import { lawsDir } from '../support/shared-fixtures';

/** Line numbers depend on the layout, so comparisons leave them out. */
function withoutLines(t: LegalText): unknown {
  return JSON.parse(JSON.stringify(t, (key: string, value: unknown) => (key === 'line' ? undefined : value)));
}

function parseOk(input: string | Uint8Array): LegalText {
  const r = parseLegalText(input);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.text;
}

// Text that cannot start a structure line: no 第, （, digit or # at the start, no padding at the ends.
const first = fc.constantFrom('本', '市', '甲', '乙', '丙', '为', '依', '法', '前', '款', '对', '“');
const inner = fc.constantFrom('本', '市', '甲', '乙', '第', '条', '款', '项', '（', '）', '一', '二', '十', '，', '。', '、', ' ', '\u3000', '1', '.', '”');
const sentence = fc
  .tuple(first, fc.string({ unit: inner, maxLength: 24 }))
  .map(([a, b]) => (a + b).replace(/[ \u3000]+$/, ''));
const name = fc.string({ unit: fc.constantFrom('总', '则', '附', '法', '律', '责', '任', '、', '和'), maxLength: 8 });

/** 项 numbered from （一）, in full-width or half-width parentheses, some with 目 lines ("1. …"). */
const items: fc.Arbitrary<string[]> = fc
  .tuple(fc.array(fc.tuple(sentence, fc.array(sentence, { maxLength: 2 })), { maxLength: 3 }), fc.boolean())
  .map(([list, half]) =>
    list.map(([text, subs], i) => {
      const n = formatChineseNumeral(i + 1);
      const marker = half ? `(${n})` : `（${n}）`;
      return [marker + text, ...subs.map((sub, k) => `${k + 1}. ${sub}`)].join('\n');
    }),
  );

const paragraph = fc.record({ text: sentence, items });
const firstParagraph = fc.oneof(paragraph, items.filter((xs) => xs.length > 0).map((xs) => ({ text: '', items: xs })));

interface ArticleDraft {
  caption?: string;
  paragraphs: LegalParagraph[];
}
const article: fc.Arbitrary<ArticleDraft> = fc
  .tuple(
    fc.option(fc.string({ unit: first, minLength: 1, maxLength: 6 }), { nil: undefined }),
    fc.option(firstParagraph, { nil: undefined, freq: 8 }),
    fc.array(paragraph, { maxLength: 3 }),
  )
  .map(([caption, head, rest]) => ({
    ...(caption !== undefined ? { caption } : {}),
    paragraphs: head ? [head, ...rest] : [],
  }));

interface ChapterDraft {
  title: string;
  lead: ArticleDraft[];
  sections: Array<{ title: string; articles: ArticleDraft[] }>;
}
const chapter: fc.Arbitrary<ChapterDraft> = fc.record({
  title: name,
  lead: fc.array(article, { maxLength: 3 }),
  sections: fc.array(fc.record({ title: name, articles: fc.array(article, { maxLength: 3 }) }), { maxLength: 3 }),
});

/** A random LegalText (with at least one article) built from the drafts, numbering everything in order. */
const legalText: fc.Arbitrary<LegalText> = fc
  .record({
    title: sentence,
    preamble: fc.array(sentence, { maxLength: 3 }),
    loose: fc.array(article, { maxLength: 4 }),
    chapters: fc.array(chapter, { maxLength: 4 }),
  })
  .map(({ title, preamble, loose, chapters }) => {
    const articles: LegalArticle[] = [];
    const add = (d: ArticleDraft, chapterNo?: number, sectionNo?: number): void => {
      const number = articles.length + 1;
      articles.push({
        number,
        label: `第${formatChineseNumeral(number)}条`,
        ...(d.caption !== undefined ? { caption: d.caption } : {}),
        ...(chapterNo !== undefined ? { chapter: chapterNo } : {}),
        ...(sectionNo !== undefined ? { section: sectionNo } : {}),
        paragraphs: d.paragraphs,
        text: articleBodyText(d.paragraphs),
        line: 0,
      });
    };
    loose.forEach((d) => add(d));
    const outChapters: LegalChapter[] = chapters.map((c, ci) => {
      c.lead.forEach((d) => add(d, ci + 1));
      return {
        number: ci + 1,
        label: `第${formatChineseNumeral(ci + 1)}章`,
        title: c.title,
        line: 0,
        sections: c.sections.map((s, si) => {
          s.articles.forEach((d) => add(d, ci + 1, si + 1));
          return { number: si + 1, label: `第${formatChineseNumeral(si + 1)}节`, title: s.title, line: 0 };
        }),
      };
    });
    return { title, preamble, chapters: outChapters, articles };
  })
  .filter((t) => t.articles.length > 0);

describe('parse ∘ render', () => {
  it('gives back any generated document', () => {
    fc.assert(
      fc.property(legalText, (doc) => {
        const md = renderLegalText(doc);
        expect(withoutLines(parseOk(md))).toEqual(withoutLines(doc));
      }),
      { numRuns: 300 },
    );
  });

  it('is stable on the real texts', () => {
    const dir = lawsDir;
    for (const file of readdirSync(dir)) {
      const once = parseOk(readFileSync(new URL(file, dir)));
      const md = renderLegalText(once);
      const twice = parseOk(md);
      expect(withoutLines(twice)).toEqual(withoutLines(once));
      expect(renderLegalText(twice)).toBe(md);
    }
  });
});

// Messy inputs: a sequence of line kinds, numbered in order, written in the varied ways real files use.
type Kind = 'chapter' | 'section' | 'article' | 'caption' | 'glued' | 'para' | 'item' | 'sub' | 'ref' | 'comment' | 'blank' | 'toc';
const kinds = fc.array(
  fc.constantFrom<Kind>('chapter', 'section', 'article', 'article', 'caption', 'glued', 'para', 'para', 'item', 'item', 'sub', 'ref', 'comment', 'blank', 'toc'),
  { minLength: 1, maxLength: 40 },
);
const styles = fc.record({ crlf: fc.boolean(), wide: fc.boolean(), markdown: fc.boolean(), trailingNewline: fc.boolean() });

function messy(list: Kind[], s: { crlf: boolean; wide: boolean; markdown: boolean; trailingNewline: boolean }): string {
  const sep = s.wide ? '\u3000' : ' ';
  let ch = 0;
  let sec = 0;
  let art = 0;
  let it = 0;
  const lines = ['# 示例条例', '2024年1月1日 通过'];
  for (const k of list) {
    if (k === 'chapter') {
      ch++;
      sec = 0;
      lines.push(`${s.markdown ? '## ' : ''}第${formatChineseNumeral(ch)}章${sep}总${sep}${sep}则`);
    } else if (k === 'section' && ch > 0) {
      sec++;
      lines.push(`${s.markdown ? '### ' : ''}第${formatChineseNumeral(sec)}节${sep}一般规定`);
    } else if (k === 'article' || k === 'caption' || k === 'glued') {
      art++;
      it = 0;
      const label = `第${formatChineseNumeral(art)}条`;
      lines.push(k === 'caption' ? `${label}(目的)本条甲。` : k === 'glued' ? `${label}为了乙。` : `${label}${sep}本市丙。`);
    } else if (k === 'item') lines.push(`（${formatChineseNumeral(++it)}）丁；`);
    else if (k === 'sub') lines.push('1. 子项');
    else if (k === 'para') {
      it = 0;
      lines.push('前款规定的事项，依照本条例办理。');
    } else if (k === 'ref') lines.push(`第${formatChineseNumeral(Math.max(1, art))}条第二款规定的除外。`);
    else if (k === 'comment') lines.push('<!-- 注释\n第九十九条 不是条文 -->');
    else if (k === 'blank') lines.push('\u200B');
    else if (k === 'toc' && lines.length === 2) {
      // A table of contents, then the first chapter it lists.
      ch++;
      lines.push('目　录', '第一章 总则', '第二章 附则', `${s.markdown ? '## ' : ''}第一章${sep}总则`);
    }
  }
  const text = lines.join(s.crlf ? '\r\n' : '\n');
  return s.trailingNewline ? text + '\n' : text;
}

describe('parse → render → parse on messy inputs', () => {
  it('is stable whenever the input parses', () => {
    fc.assert(
      fc.property(kinds, styles, (list, s) => {
        const r = parseLegalText(messy(list, s));
        if (!r.ok) {
          expect(list.filter((k) => k === 'article' || k === 'caption' || k === 'glued')).toHaveLength(0);
          return;
        }
        const md = renderLegalText(r.text);
        const again = parseLegalText(md);
        expect(again.ok).toBe(true);
        if (!again.ok) return;
        expect(withoutLines(again.text)).toEqual(withoutLines(r.text));
        expect(again.counts).toEqual(r.counts);
        expect(renderLegalText(again.text)).toBe(md);
      }),
      { numRuns: 300 },
    );
  });
});
