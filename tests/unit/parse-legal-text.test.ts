/**
 * Expected counts were derived independently of the parser, with grep/awk on the files:
 * chapters `^## 第`, sections `^### 第`, articles `^第…条 `, items `^（`, paragraphs = non-blank lines
 * from the first article on that are neither headings nor items; the SOURCE headers agree
 * (e.g. "5 chapters, 38 articles", "6 chapters, 7 sections (ch.2: 5, ch.4: 2), 105 articles").
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  describeProblem,
  MAX_INPUT_BYTES,
  parseLegalText,
  problemKeys,
  type LegalText,
  type ParseProblem,
  type ParseResult,
} from '../../src/server/drafts/parse-legal-text';
import { previewVersion } from '../../src/server/drafts/upload-version';
import { lawsDir } from '../support/shared-fixtures';

const readLaw = (name: string): Uint8Array => readFileSync(new URL(name, lawsDir));

function parsed(input: string | Uint8Array): LegalText {
  const r = parseLegalText(input);
  if (!r.ok) throw new Error(r.errors.map((p) => describeProblem(p)).join('\n'));
  return r.text;
}

function errorsOf(input: string | Uint8Array): ParseProblem[] {
  const r = parseLegalText(input);
  if (r.ok) throw new Error('expected the input to be refused');
  return r.errors;
}

const lawCounts = {
  'beijing-jiesu-jiban-2021.md': { chapters: 5, sections: 0, articles: 38, paragraphs: 68, items: 21 },
  'beijing-tingche-2021.md': { chapters: 5, sections: 0, articles: 43, paragraphs: 84, items: 3 },
  'beijing-tingche-2024.md': { chapters: 5, sections: 0, articles: 43, paragraphs: 84, items: 3 },
  'beijing-wuye-guanli-2024.md': { chapters: 8, sections: 3, articles: 104, paragraphs: 200, items: 166 },
  'lifafa-2015.md': { chapters: 6, sections: 7, articles: 105, paragraphs: 188, items: 39 },
  'lifafa-2023.md': { chapters: 6, sections: 7, articles: 120, paragraphs: 210, items: 39 },
} as const;

describe('parseLegalText on the real texts in shared/data/laws', () => {
  it.each(Object.entries(lawCounts))('%s has the expected counts and no warnings', (name, counts) => {
    const r: ParseResult = parseLegalText(readLaw(name));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.counts).toEqual(counts);
    expect(r.warnings).toEqual([]);
    expect(r.text.articles.map((a) => a.number)).toEqual(Array.from({ length: counts.articles }, (_, i) => i + 1));
  });

  it('接诉即办条例: title, adoption line, padded chapter titles, first, last and item articles', () => {
    const t = parsed(readLaw('beijing-jiesu-jiban-2021.md'));
    expect(t.title).toBe('北京市接诉即办工作条例');
    expect(t.preamble).toEqual(['2021年9月24日 北京市第十五届人民代表大会常务委员会第三十三次会议通过']);
    expect(t.chapters.map((c) => `${c.label} ${c.title}`)).toEqual([
      '第一章 总则',
      '第二章 诉求办理',
      '第三章 主动治理',
      '第四章 保障监督',
      '第五章 附则',
    ]);
    const first = t.articles[0];
    expect(first).toMatchObject({ number: 1, label: '第一条', chapter: 1, line: 11 });
    expect(first.text).toBe(
      '为了巩固深化本市党建引领基层治理改革，提升为民服务水平，规范接诉即办工作，根据有关法律、行政法规，结合本市实际，制定本条例。',
    );
    const last = t.articles[37];
    expect(last).toMatchObject({ number: 38, label: '第三十八条', chapter: 5, line: 195, text: '本条例自公布之日起施行。' });
    const a12 = t.articles[11];
    expect(a12.paragraphs.map((p) => p.items.length)).toEqual([2, 0, 0]);
    expect(a12.paragraphs[0].text).toBe('市民热线服务工作机构应当按照以下流程派单：');
    expect(a12.paragraphs[0].items[1]).toBe(
      '（二）无法直接派单至具体承办单位，但能够确定诉求所属行政区域的，派单至区人民政府协调办理。区人民政府应当组织相关单位推动诉求解决。',
    );
    expect(a12.paragraphs[2].text).toBe(
      '承办单位对职责、管辖等有异议的，可以向市民热线服务工作机构提出；市政务服务部门应当建立派单异议审核机制，协调解决派单异议。',
    );
    expect(a12.text.split('\n')).toHaveLength(5);
  });

  it('物业管理条例: sections in chapter 4 only, items then a 前款 paragraph, zero-width blank lines', () => {
    const t = parsed(readLaw('beijing-wuye-guanli-2024.md'));
    expect(t.chapters.map((c) => c.sections.length)).toEqual([0, 0, 0, 3, 0, 0, 0, 0]);
    expect(t.chapters[3].title).toBe('业主、业主组织和物业管理委员会');
    expect(t.chapters[3].sections.map((s) => `${s.label} ${s.title}`)).toEqual([
      '第一节 业主和业主大会',
      '第二节 业主委员会',
      '第三节 物业管理委员会',
    ]);
    const a32 = t.articles[31];
    expect(a32).toMatchObject({ number: 32, chapter: 4, section: 1 });
    expect(a32.paragraphs.map((p) => p.items.length)).toEqual([6, 0, 0, 0]);
    expect(a32.paragraphs[1].text).toBe(
      '前款规定的业主大会议事规则，至少应当包括业主大会的议事方式、表决程序，业主委员会的组成、任期、罢免和递补等事项，并不得违反法律法规的强制性规定。',
    );
    expect(a32.paragraphs[3].text).toBe('筹备组应当自成立之日起六十日内，组织召开首次业主大会会议。');
    const a6 = t.articles[5];
    expect(a6.paragraphs.map((p) => p.items.length)).toEqual([8, 6, 0]);
    expect(t.articles[103]).toMatchObject({ label: '第一百零四条', chapter: 8, text: '本条例自2020年5月1日起施行。' });
    expect(t.articles.filter((a) => a.section !== undefined)).toHaveLength(t.articles.filter((a) => a.chapter === 4).length);
  });

  it('立法法 2023: 第一百二十条, sections of chapters 2 and 4, three adoption lines', () => {
    const t = parsed(readLaw('lifafa-2023.md'));
    expect(t.preamble).toHaveLength(3);
    expect(t.preamble[1]).toMatch(/第一次修正$/);
    expect(t.chapters.map((c) => c.sections.length)).toEqual([0, 5, 0, 2, 0, 0]);
    expect(t.articles[119]).toMatchObject({ number: 120, label: '第一百二十条', chapter: 6, text: '本法自2000年7月1日起施行。' });
    expect(t.articles[104]).toMatchObject({ label: '第一百零五条', chapter: 5 });
  });

  it('停车条例 2021 and 2024 have the same article layout', () => {
    const a = parsed(readLaw('beijing-tingche-2021.md'));
    const b = parsed(readLaw('beijing-tingche-2024.md'));
    expect(b.preamble).toHaveLength(3);
    expect(a.articles.map((x) => x.paragraphs.length)).toEqual(b.articles.map((x) => x.paragraphs.length));
  });
});

const doc = (body: string): string => `# 示例条例\n\n2024年1月1日 某某会议通过\n\n${body}`;

describe('parseLegalText rules', () => {
  it('reads articles without chapters, CRLF, no trailing newline, U+3000 separators', () => {
    const t = parsed('示例条例\r\n第一条\u3000为了示例。\r\n第二条 本条例自公布之日起施行。');
    expect(t.title).toBe('示例条例');
    expect(t.chapters).toEqual([]);
    expect(t.articles.map((a) => [a.label, a.text, a.line, a.chapter])).toEqual([
      ['第一条', '为了示例。', 2, undefined],
      ['第二条', '本条例自公布之日起施行。', 3, undefined],
    ]);
  });

  it('reads plain-text headings, padded titles and Markdown headings alike', () => {
    const plain = parsed('第一章　总　　则\n第一条 甲。\n第二章 附 则\n第二条 乙。');
    const md = parsed('## 第一章 总则\n第一条 甲。\n# 第二章　附　　则\n第二条 乙。');
    for (const t of [plain, md]) {
      expect(t.chapters.map((c) => [c.label, c.title])).toEqual([
        ['第一章', '总则'],
        ['第二章', '附则'],
      ]);
      expect(t.articles.map((a) => a.chapter)).toEqual([1, 2]);
    }
  });

  it('keeps spaces between Latin words in titles', () => {
    expect(parsed('## 第一章 WTO 规则\n第一条 甲。').chapters[0].title).toBe('WTO 规则');
  });

  it('reads captions with full-width or half-width parentheses', () => {
    const t = parsed('第一条（立法目的）为了示例。\n第二条(适用范围) 本市适用。\n第三条（施行日期）\n本条例自公布之日起施行。');
    expect(t.articles.map((a) => [a.caption, a.text])).toEqual([
      ['立法目的', '为了示例。'],
      ['适用范围', '本市适用。'],
      ['施行日期', '本条例自公布之日起施行。'],
    ]);
  });

  it('reads items with both kinds of parentheses, a paragraph after items, and 目 inside an item', () => {
    const t = parsed('第一条 下列事项：\n(一)甲；\n（二）乙：\n1.子；\n2．丑。\n前款规定的事项，依照本条例办理。\n第二条 丙。');
    const a = t.articles[0];
    expect(a.paragraphs).toEqual([
      { text: '下列事项：', items: ['(一)甲；', '（二）乙：\n1.子；\n2．丑。'] },
      { text: '前款规定的事项，依照本条例办理。', items: [] },
    ]);
    expect(a.text).toBe('下列事项：\n(一)甲；\n（二）乙：\n1.子；\n2．丑。\n前款规定的事项，依照本条例办理。');
  });

  it('reads numbers to 第一百二十条 with 零', () => {
    const body = Array.from({ length: 120 }, (_, i) => `第${cn(i + 1)}条 第${i + 1}条正文。`).join('\n');
    const t = parsed(body);
    expect(t.articles).toHaveLength(120);
    expect(t.articles[104].label).toBe('第一百零五条');
    expect(t.articles[119].text).toBe('第120条正文。');
  });

  it('does not take cross-references at a line start for articles', () => {
    const t = parsed(
      [
        '第一条 甲。',
        '第二条 乙。',
        '第一条第三款规定的情形除外。',
        '第一条规定的期限，自公布之日起计算。',
        '第一条 规定的期限，另行确定。',
        '第十二条、第十三条另有规定的，从其规定。',
        '第三条第一款另有规定的除外。',
        '第三条规定的情形，适用本条。',
        '第三条 丙。',
        '前款所称丙，依照第（一）项办理。',
      ].join('\n'),
    );
    expect(t.articles.map((a) => a.number)).toEqual([1, 2, 3]);
    expect(t.articles[1].paragraphs.map((p) => p.text)).toEqual([
      '乙。',
      '第一条第三款规定的情形除外。',
      '第一条规定的期限，自公布之日起计算。',
      '第一条 规定的期限，另行确定。',
      '第十二条、第十三条另有规定的，从其规定。',
      '第三条第一款另有规定的除外。',
      '第三条规定的情形，适用本条。',
    ]);
  });

  it('takes an expected article without its space for a heading, with a warning', () => {
    const r = parseLegalText('第一条为了示例。\n第二条本条例自公布之日起施行。');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.text.articles.map((a) => a.text)).toEqual(['为了示例。', '本条例自公布之日起施行。']);
    expect(r.warnings.map((w) => [w.code, w.line])).toEqual([
      ['article_separator_missing', 1],
      ['article_separator_missing', 2],
    ]);
  });

  it('ignores HTML comments, also multi-line, and zero-width blank lines', () => {
    const t = parsed(
      '<!-- SOURCE | x -->\n# 条例\n<!--\n第一条 这不是条文。\n-->\n\u200B\n\uFEFF\n第一条 甲<!-- 注 -->。\n\u200B\n乙。',
    );
    expect(t.title).toBe('条例');
    expect(t.articles).toHaveLength(1);
    expect(t.articles[0]).toMatchObject({ line: 8, text: '甲。\n乙。' });
  });

  it('warns about an unclosed comment and ignores the rest', () => {
    const r = parseLegalText('第一条 甲。\n<!-- 未结束\n第二条 乙。');
    expect(r.ok && r.warnings.map((w) => [w.code, w.line])).toEqual([['comment_unclosed', 2]]);
    expect(r.ok && r.text.articles).toHaveLength(1);
  });

  it('skips a 目录 block', () => {
    const t = parsed(
      '示例条例\n（2024年1月1日通过）\n目　　录\n第一章　总　　则\n第二章　附　　则\n第一章　总　　则\n第一条 甲。\n第二章　附　　则\n第二条 乙。',
    );
    expect(t.preamble).toEqual(['（2024年1月1日通过）']);
    expect(t.chapters.map((c) => [c.title, c.line])).toEqual([
      ['总则', 6],
      ['附则', 8],
    ]);
  });

  it('keeps the title and adoption lines of a Markdown document', () => {
    const t = parsed(doc('## 第一章 总则\n\n### 第一节 一般规定\n\n第一条 甲。\n\n### 第二节 特别规定\n\n第二条 乙。\n\n## 第二章 附则\n\n第三条 丙。'));
    expect(t.title).toBe('示例条例');
    expect(t.preamble).toEqual(['2024年1月1日 某某会议通过']);
    expect(t.chapters.map((c) => c.sections.map((s) => s.title))).toEqual([['一般规定', '特别规定'], []]);
    expect(t.articles.map((a) => [a.chapter, a.section])).toEqual([
      [1, 1],
      [1, 2],
      [2, undefined],
    ]);
  });

  it('joins a chapter or section heading split over two lines, with a warning naming the line', () => {
    const source = [
      '北京市物业管理条例（草案）',
      '（2024年1月1日 某某会议通过）',
      '第一章　业主、业主组织和',
      '物业管理委员会',
      '第一节　业主和业主大会',
      '第一条　业主大会由物业管理区域内的全体业主组成。',
      '第二节　物业服务企业和',
      '物业服务人员',
      '第二条　物业服务企业应当按照合同约定提供服务。',
    ].join('\n');
    const r = parseLegalText(source);
    if (!r.ok) throw new Error('expected the text to parse');
    expect(r.text.preamble).toEqual(['（2024年1月1日 某某会议通过）']);
    expect(r.text.chapters.map((c) => [c.title, c.line])).toEqual([['业主、业主组织和物业管理委员会', 3]]);
    expect(r.text.chapters[0].sections.map((s) => [s.label, s.title, s.line])).toEqual([
      ['第一节', '业主和业主大会', 5],
      ['第二节', '物业服务企业和物业服务人员', 7],
    ]);
    expect(r.text.articles.map((a) => [a.label, a.section, a.text])).toEqual([
      ['第一条', 1, '业主大会由物业管理区域内的全体业主组成。'],
      ['第二条', 2, '物业服务企业应当按照合同约定提供服务。'],
    ]);
    expect(r.warnings.map((w) => [w.code, w.line])).toEqual([
      ['heading_continued', 4],
      ['heading_continued', 8],
    ]);
    expect(describeProblem(r.warnings[1])).toBe('第 8 行：此行接续第二节的标题，已合并为“物业服务企业和物业服务人员”');

    const md = parsed('## 第一章 总则\n\n### 第一节 物业服务企业和\n### 物业服务人员\n\n第一条 甲。');
    expect(md.chapters[0].sections[0].title).toBe('物业服务企业和物业服务人员');
    expect(parsed('第一章\n总则\n第一条 甲。').chapters[0].title).toBe('总则');
  });

  it('does not take a sentence, an item, a second line or text before an article body for a heading continuation', () => {
    const cases = [
      '第一章 总则\n本章规定一般事项。\n第一条 甲。',
      '第一章 总则\n（一）一般事项\n第一条 甲。',
      '第一章 总则\n说明\n本章另行规定\n第一条 甲。',
      '第一章 总则\n第一条 甲。\n乙\n第二条 丙。',
      '## 第一章 总则\n# 附件\n第一条 甲。',
      '第一条 甲。\n第一章 总则\n附注',
    ];
    for (const source of cases) {
      const r = parseLegalText(source);
      expect(r.ok && r.text.chapters[0].title, source).toBe('总则');
      expect(r.ok && r.warnings.some((w) => w.code === 'heading_continued'), source).toBe(false);
    }
    const body = parsed('第一章 总则\n第一条\n为了示例。\n第二条 乙。');
    expect(body.articles[0].text).toBe('为了示例。');
  });

  it('accepts a Uint8Array with a BOM', () => {
    const bytes = new TextEncoder().encode('\uFEFF第一条 甲。');
    expect(parsed(bytes).articles[0].text).toBe('甲。');
  });
});

describe('parseLegalText refusals', () => {
  it('refuses empty input', () => {
    expect(errorsOf('').map((e) => e.code)).toEqual(['empty']);
    expect(errorsOf('\n \u3000\n\u200B\n<!-- x -->').map((e) => e.code)).toEqual(['empty']);
  });

  it('refuses text without articles', () => {
    expect(errorsOf('# 标题\n\n一些文字').map((e) => [e.code, e.line])).toEqual([['no_articles', 3]]);
  });

  it('refuses NUL bytes and invalid UTF-8, naming the line', () => {
    expect(errorsOf('第一条 甲。\n乙\u0000')).toEqual([{ line: 2, code: 'binary', params: {} }]);
    const bytes = new Uint8Array([...new TextEncoder().encode('第一条 甲。\n\n'), 0xe7, 0x28, 0x0a]);
    expect(errorsOf(bytes).map((e) => [e.code, e.line])).toEqual([['binary', 3]]);
    expect(errorsOf(new Uint8Array([0xc0, 0xaf])).map((e) => e.code)).toEqual(['binary']);
    expect(errorsOf(new Uint8Array([0xed, 0xa0, 0x80])).map((e) => e.code)).toEqual(['binary']);
  });

  it('refuses input over 2 MB', () => {
    const big = '第一条 ' + '字'.repeat(MAX_INPUT_BYTES / 3);
    expect(errorsOf(big).map((e) => e.code)).toEqual(['too_large']);
    expect(errorsOf(new Uint8Array(MAX_INPUT_BYTES + 1).fill(0x41)).map((e) => e.code)).toEqual(['too_large']);
  });

  it('refuses a skipped article number', () => {
    const errors = errorsOf('第一条 甲。\n第二条 乙。\n第四条 丁。\n第五条 戊。');
    expect(errors).toEqual([
      {
        line: 3,
        code: 'article_number_skipped',
        params: { expected: 3, actual: 4, expectedLabel: '第三条', actualLabel: '第四条' },
      },
    ]);
    expect(describeProblem(errors[0])).toBe('第 3 行：条文序号跳号，应为第三条，实为第四条');
  });

  it('refuses a repeated article number and a first article other than 第一条', () => {
    expect(errorsOf('第一条 甲。\n第一条 乙。').map((e) => [e.code, e.line])).toEqual([['article_number_repeated', 2]]);
    expect(errorsOf('第二条 甲。').map((e) => [e.code, e.line])).toEqual([['article_number_skipped', 1]]);
    expect(errorsOf('第一条（目的）甲。\n第三条（范围）乙。').map((e) => e.code)).toEqual(['article_number_skipped']);
  });

  it('refuses chapter and section numbering that skips or repeats', () => {
    const errors = errorsOf(
      '## 第一章 总则\n### 第一节 甲\n第一条 甲。\n### 第三节 丙\n第二条 乙。\n## 第三章 丙\n第三条 丙。\n## 第三章 丁\n第四条 丁。',
    );
    expect(errors.map((e) => [e.code, e.line])).toEqual([
      ['section_number_skipped', 4],
      ['chapter_number_skipped', 6],
      ['chapter_number_repeated', 8],
    ]);
    expect(describeProblem(errors[1])).toBe('第 6 行：章序号跳号，应为第二章，实为第三章');
  });

  it('restarts section numbers in each chapter and refuses a section outside chapters', () => {
    expect(parsed('## 第一章 甲\n### 第一节 甲\n第一条 甲。\n## 第二章 乙\n### 第一节 乙\n第二条 乙。').chapters).toHaveLength(2);
    expect(errorsOf('### 第一节 甲\n第一条 甲。').map((e) => e.code)).toEqual(['section_outside_chapter']);
  });

  it('has a message for every code it can produce, in both languages', () => {
    const params = { expectedLabel: 'A', actualLabel: 'B', bytes: 1, limit: 2, text: 'x' };
    for (const code of Object.keys(problemKeys)) {
      const zh = describeProblem({ line: 7, code, params });
      expect(zh.startsWith('第 7 行：')).toBe(true);
      expect(zh).not.toMatch(/\{\w+\}/);
      const en = describeProblem({ line: 7, code, params }, 'en');
      expect(en.startsWith('Line 7: ')).toBe(true);
      expect(en).not.toMatch(/\{\w+\}|[，：；（）]|字节|序号/);
    }
    expect(describeProblem({ line: 0, code: 'too_large', params: { bytes: 3, limit: 2 } })).toBe('文件过大（3 字节），上限为 2 字节');
    expect(describeProblem({ line: 0, code: 'too_large', params: { bytes: 3, limit: 2 } }, 'en')).toBe('The file is too large (3 bytes); the limit is 2 bytes');
    expect(describeProblem({ line: 2, code: 'no_such_code', params: {} })).toBe('第 2 行：未知问题（no_such_code）');
    expect(describeProblem({ line: 0, code: 'toString', params: {} }, 'en')).toBe('Unknown problem (toString)');
  });

  it('shows the English UI its parse problems in English', () => {
    const zh = previewVersion('第一条 甲。\n第三条 丙。');
    expect(zh.errors).toEqual(['第 2 行：条文序号跳号，应为第二条，实为第三条']);
    const en = previewVersion('第一条 甲。\n第三条 丙。', 'en');
    expect(en.ok).toBe(false);
    expect(en.errors).toEqual(['Line 2: An article number is skipped: expected 第二条, found 第三条']);
    expect(previewVersion('', 'en').errors).toEqual(['The text is empty; there is nothing to parse']);
  });
});

/** Test-local numeral writer (1..199), independent of the module under test. */
function cn(n: number): string {
  const d = ['', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
  const tens = (x: number, lead: boolean): string =>
    x < 10 ? d[x] : `${x < 20 && lead ? '' : d[Math.floor(x / 10)]}十${d[x % 10]}`;
  if (n < 100) return tens(n, true);
  const rest = n % 100;
  return `${d[Math.floor(n / 100)]}百${rest === 0 ? '' : rest < 10 ? `零${d[rest]}` : tens(rest, false)}`;
}
