/**
 * Parser for Chinese legal texts (法规草案) in Markdown or plain text: title, adoption lines,
 * chapters (章), sections (节), articles (条) with optional caption, paragraphs (款) and items (项).
 */
import {
  CHINESE_NUMERAL_CHARS,
  formatArticleLabel,
  formatChapterLabel,
  formatItemMarker,
  formatSectionLabel,
  parseChineseNumeral,
} from './chinese-numerals';
import { t, type Locale, type MessageKey } from '../../i18n';

/** 项, e.g. "（一）……" — the marker stays in the text. */
export interface LegalItem {
  text: string;
}
/** 款: its lead text and the 项 lines that follow it (a 目 line such as "1. …" stays in its item, after "\n"). */
export interface LegalParagraph {
  text: string;
  items: string[];
}
export interface LegalArticle {
  number: number;
  /** 第十条 */
  label: string;
  /** 立法目的, from 第一条(立法目的) or 第一条（立法目的） */
  caption?: string;
  chapter?: number;
  section?: number;
  paragraphs: LegalParagraph[];
  /** The whole body as plain text, paragraphs and items joined with "\n", without the label. */
  text: string;
  /** 1-based line of the heading in the input. */
  line: number;
}
export interface LegalSection {
  number: number;
  label: string;
  title: string;
  line: number;
}
export interface LegalChapter {
  number: number;
  /** 第一章 */
  label: string;
  /** 总则 — padding spaces removed */
  title: string;
  sections: LegalSection[];
  line: number;
}
export interface LegalText {
  title: string;
  /** Adoption lines and any other text before the first chapter or article; a 目录 is skipped. */
  preamble: string[];
  chapters: LegalChapter[];
  articles: LegalArticle[];
}
export interface ParseProblem {
  /** 1-based line; 0 when the problem concerns the whole input. */
  line: number;
  code:
    | 'empty'
    | 'binary'
    | 'too_large'
    | 'no_articles'
    | 'article_number_skipped'
    | 'article_number_repeated'
    | 'chapter_number_skipped'
    | 'section_number_skipped'
    | string;
  params: Record<string, string | number>;
}
export interface ParseCounts {
  chapters: number;
  sections: number;
  articles: number;
  paragraphs: number;
  items: number;
}
export type ParseResult =
  | { ok: true; text: LegalText; counts: ParseCounts; warnings: ParseProblem[] }
  | { ok: false; errors: ParseProblem[] };

/** Inputs larger than this (in UTF-8 bytes) are refused. */
export const MAX_INPUT_BYTES = 2 * 1024 * 1024;

/**
 * The message of every problem code: a key of the i18n dictionaries (src/i18n), filled with the
 * problem's params. The parser itself returns codes and params only.
 */
export const problemKeys = {
  empty: 'legalText.problem.empty',
  binary: 'legalText.problem.binary',
  too_large: 'legalText.problem.tooLarge',
  no_articles: 'legalText.problem.noArticles',
  article_number_skipped: 'legalText.problem.articleNumberSkipped',
  article_number_repeated: 'legalText.problem.articleNumberRepeated',
  chapter_number_skipped: 'legalText.problem.chapterNumberSkipped',
  chapter_number_repeated: 'legalText.problem.chapterNumberRepeated',
  section_number_skipped: 'legalText.problem.sectionNumberSkipped',
  section_number_repeated: 'legalText.problem.sectionNumberRepeated',
  section_outside_chapter: 'legalText.problem.sectionOutsideChapter',
  comment_unclosed: 'legalText.problem.commentUnclosed',
  article_separator_missing: 'legalText.problem.articleSeparatorMissing',
  article_empty: 'legalText.problem.articleEmpty',
  text_outside_article: 'legalText.problem.textOutsideArticle',
  heading_continued: 'legalText.problem.headingContinued',
  item_number_unexpected: 'legalText.problem.itemNumberUnexpected',
} as const satisfies Record<string, MessageKey>;

/** A problem in `locale`, naming its line (e.g. "第 12 行：条文序号跳号，…" or "Line 12: An article number is skipped: …"). */
export function describeProblem(p: ParseProblem, locale: Locale = 'zh-CN'): string {
  const key: MessageKey | undefined = Object.hasOwn(problemKeys, p.code) ? problemKeys[p.code as keyof typeof problemKeys] : undefined;
  const message = key ? t(locale, key, p.params) : t(locale, 'legalText.problem.unknown', { code: p.code });
  return p.line > 0 ? t(locale, 'legalText.atLine', { line: p.line, message }) : message;
}

const N = `[${CHINESE_NUMERAL_CHARS}]+`;
const SPACE = '[ \\u3000]';
const ARTICLE_RE = new RegExp(`^第(${N})条(.*)$`);
const CAPTION_RE = /^[（(]([^（）()]{1,40})[）)][ \u3000]*(.*)$/;
const SEPARATOR_RE = new RegExp(`^${SPACE}+(.*)$`);
const HEADING_RE = /^(#{1,6})(?:[ \u3000]+(.*)|)$/;
const ITEM_RE = new RegExp(`^[（(](${N})[）)]`);
/** A 目 inside an item: "1." "2．" "3、". */
const SUB_ITEM_RE = /^[0-9０-９]+[.．、]/;
/** How a mid-sentence reference continues after "第十二条": 第三款, 规定, 的, 、 … — not an article heading. */
const REFERENCE_CONTINUATION_RE = /^(第|款|项|目|之|的|规定|所|中|至|到|和|与|及|或|以|前|后|修改|[、，,。；;：:“”"（(])/;
const INVISIBLE_RE = /[\u200B\u200C\u200D\u2060\uFEFF]/g;

/** Chapter or section heading: Markdown headings always count, a plain line only if short and not a sentence. */
function matchDivision(text: string, kind: '章' | '节', isHeading: boolean): { number: number; title: string } | null {
  const m = new RegExp(`^第(${N})${kind}(?:${SPACE}+(.*)|(.*))$`).exec(text);
  if (!m) return null;
  const number = parseChineseNumeral(m[1]);
  if (number === null) return null;
  const glued = m[3] ?? '';
  const title = (m[2] ?? glued).trim();
  if (!isHeading && (glued !== '' || title.length > 40 || /[。；，,;]/.test(title))) return null;
  return { number, title: compactTitle(title) };
}

/** Removes padding between CJK characters (总　　则 → 总则) and collapses other runs of spaces. */
function compactTitle(title: string): string {
  return title.replace(/[ \u3000]+/g, (run, offset: number, all: string) => {
    const before = all.charCodeAt(offset - 1);
    const after = all.charCodeAt(offset + run.length);
    return before > 0x2e7f && after > 0x2e7f ? '' : ' ';
  });
}

type Decoded = { ok: true; text: string } | { ok: false; problem: ParseProblem };

/** Turns the input into a string, refusing binary, invalid UTF-8 and oversized input. */
function decodeInput(input: string | Uint8Array): Decoded {
  if (typeof input === 'string') {
    const bytes = input.length > MAX_INPUT_BYTES / 3 ? new TextEncoder().encode(input).length : input.length * 3;
    if (bytes > MAX_INPUT_BYTES) return refuse(0, 'too_large', { bytes, limit: MAX_INPUT_BYTES });
    const nul = input.indexOf('\u0000');
    if (nul >= 0) return refuse(lineAt(input, nul), 'binary', {});
    return { ok: true, text: input };
  }
  if (input.length > MAX_INPUT_BYTES) return refuse(0, 'too_large', { bytes: input.length, limit: MAX_INPUT_BYTES });
  const bad = firstBinaryByte(input);
  if (bad >= 0) return refuse(lineAtBytes(input, bad), 'binary', { offset: bad });
  return { ok: true, text: new TextDecoder('utf-8').decode(input) };
}

function refuse(line: number, code: string, params: ParseProblem['params']): Decoded {
  return { ok: false, problem: { line, code, params } };
}

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

function lineAtBytes(bytes: Uint8Array, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i++) if (bytes[i] === 10) line++;
  return line;
}

/** Offset of the first NUL byte or invalid UTF-8 sequence, or -1. */
function firstBinaryByte(b: Uint8Array): number {
  for (let i = 0; i < b.length; ) {
    const c = b[i];
    if (c === 0) return i;
    if (c < 0x80) {
      i++;
      continue;
    }
    const len = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    if (len === 0 || i + len > b.length) return i;
    for (let k = 1; k < len; k++) if ((b[i + k] & 0xc0) !== 0x80) return i;
    const c1 = b[i + 1];
    if ((c === 0xe0 && c1 < 0xa0) || (c === 0xed && c1 > 0x9f) || (c === 0xf0 && c1 < 0x90) || (c === 0xf4 && c1 > 0x8f)) {
      return i;
    }
    i += len;
  }
  return -1;
}

interface SourceLine {
  no: number;
  text: string;
  heading: number;
}

/** Splits into cleaned lines: CRLF, HTML comments (multi-line too) and invisible characters removed; blanks dropped. */
function toLines(raw: string, warnings: ParseProblem[]): SourceLine[] {
  let text = raw.replace(/\r\n?/g, '\n');
  text = text.replace(/<!--[\s\S]*?-->/g, (m) => m.replace(/[^\n]/g, ''));
  const open = text.indexOf('<!--');
  if (open >= 0) {
    warnings.push({ line: lineAt(text, open), code: 'comment_unclosed', params: {} });
    text = text.slice(0, open) + text.slice(open).replace(/[^\n]/g, '');
  }
  const lines: SourceLine[] = [];
  text.split('\n').forEach((rawLine, i) => {
    let t = rawLine.replace(INVISIBLE_RE, '').replace(/[\t\u00A0]/g, ' ').replace(/^[ \u3000]+|[ \u3000]+$/g, '');
    let heading = 0;
    const h = HEADING_RE.exec(t);
    if (h) {
      heading = h[1].length;
      t = (h[2] ?? '').replace(/[ \u3000]+#+$/, '').trim();
    }
    if (t !== '') lines.push({ no: i + 1, text: t, heading });
  });
  return lines;
}

/** Plain text of an article body: paragraphs and items joined with "\n". */
export function articleBodyText(paragraphs: LegalParagraph[]): string {
  return paragraphs.flatMap((p) => (p.text === '' ? p.items : [p.text, ...p.items])).join('\n');
}

/** How many lines may continue a chapter or section heading. */
const MAX_HEADING_CONTINUATION = 1;

/**
 * Whether `lines[i]` continues the title of the chapter or section heading just above it (a title split
 * over two lines in the source): a short line that is not a sentence, an item, or a heading of another
 * level, followed by a chapter, section or article heading. Text
 * between a heading and its first article that reads otherwise stays outside the title.
 */
function continuesHeading(lines: SourceLine[], i: number, level: number, used: number, expected: number): boolean {
  for (let j = i; j < lines.length; j++) {
    const line = lines[j];
    const isHeading = line.heading > 0;
    if (j > i && (matchDivision(line.text, '章', isHeading) || matchDivision(line.text, '节', isHeading) || matchArticle(line.text, expected))) {
      return true;
    }
    if (used + (j - i) >= MAX_HEADING_CONTINUATION) return false;
    if (line.heading !== 0 && line.heading !== level) return false;
    const text = line.text;
    if (text.length > 40 || /[。；，,;：:！？!?]/.test(text) || ARTICLE_RE.test(text) || ITEM_RE.test(text) || SUB_ITEM_RE.test(text)) {
      return false;
    }
  }
  return false;
}

type ArticleHead = { number: number; caption?: string; body: string; glued: boolean };

/**
 * Decides whether a line is an article heading. 第X条 at the line start is a heading when followed by a
 * caption, by nothing, or by a space — unless the number is not the expected one and the text reads as a
 * reference (第十二条 规定的…). Without a space it is a reference (第十二条第三款规定…), unless the
 * number is the expected one and the text does not continue a reference; then it is a heading missing its space.
 */
function matchArticle(text: string, expected: number): ArticleHead | null {
  const m = ARTICLE_RE.exec(text);
  if (!m) return null;
  const number = parseChineseNumeral(m[1]);
  if (number === null) return null;
  const rest = m[2];
  if (rest === '') return { number, body: '', glued: false };
  const c = CAPTION_RE.exec(rest);
  if (c && parseChineseNumeral(c[1]) === null && !/[。；]/.test(c[1])) {
    return { number, caption: c[1].trim(), body: c[2], glued: false };
  }
  const s = SEPARATOR_RE.exec(rest);
  if (s) {
    if (number !== expected && REFERENCE_CONTINUATION_RE.test(s[1])) return null;
    return { number, body: s[1], glued: false };
  }
  if (number === expected && !REFERENCE_CONTINUATION_RE.test(rest)) return { number, body: rest, glued: true };
  return null;
}

function sequenceProblem(
  line: number,
  kind: 'article' | 'chapter' | 'section',
  expected: number,
  actual: number,
): ParseProblem | null {
  if (actual === expected) return null;
  const fmt = kind === 'article' ? formatArticleLabel : kind === 'chapter' ? formatChapterLabel : formatSectionLabel;
  const label = (n: number): string => (n > 0 && n <= 9999 ? fmt(n) : String(n));
  return {
    line,
    code: `${kind}_number_${actual > expected ? 'skipped' : 'repeated'}`,
    params: { expected, actual, expectedLabel: label(expected), actualLabel: label(actual) },
  };
}

/**
 * Parses a legal text. Refuses (ok: false) empty, binary or oversized input, text without any article,
 * and chapter, section or article numbering that skips or repeats; every problem names its line.
 * Recoverable oddities (a missing space after 第X条, an unclosed comment …) come back as warnings.
 */
export function parseLegalText(input: string | Uint8Array): ParseResult {
  const decoded = decodeInput(input);
  if (!decoded.ok) return { ok: false, errors: [decoded.problem] };
  const warnings: ParseProblem[] = [];
  const errors: ParseProblem[] = [];
  const lines = toLines(decoded.text, warnings);
  if (lines.length === 0) return { ok: false, errors: [{ line: 0, code: 'empty', params: {} }] };

  const front: SourceLine[] = [];
  const chapters: LegalChapter[] = [];
  const articles: LegalArticle[] = [];
  let chapter: LegalChapter | undefined;
  let section: LegalSection | undefined;
  let article: LegalArticle | undefined;
  let started = false;
  let toc = false;
  let tocChapters = 0;
  let nextItem = 1;
  /** The chapter or section heading whose title the next lines may continue, until its first article. */
  let openHeading: { division: LegalChapter | LegalSection; level: number; used: number } | undefined;

  for (const [index, line] of lines.entries()) {
    const isHeading = line.heading > 0;
    const ch = matchDivision(line.text, '章', isHeading);
    const head = matchArticle(line.text, articles.length === 0 ? 1 : articles[articles.length - 1].number + 1);
    if (toc) {
      if (ch && ch.number > tocChapters) {
        tocChapters = ch.number;
        continue;
      }
      if (!ch && !head) continue;
      toc = false;
    }
    if (!started && !ch && !head && line.text.replace(/[ \u3000]/g, '') === '目录') {
      toc = true;
      continue;
    }
    if (ch) {
      started = true;
      article = undefined;
      section = undefined;
      const p = sequenceProblem(line.no, 'chapter', (chapter?.number ?? 0) + 1, ch.number);
      if (p) errors.push(p);
      chapter = { number: ch.number, label: formatChapterLabel(ch.number), title: ch.title, sections: [], line: line.no };
      chapters.push(chapter);
      openHeading = { division: chapter, level: line.heading, used: 0 };
      continue;
    }
    const sec = matchDivision(line.text, '节', isHeading);
    if (sec) {
      started = true;
      article = undefined;
      const label = formatSectionLabel(sec.number);
      openHeading = undefined;
      if (!chapter) {
        errors.push({ line: line.no, code: 'section_outside_chapter', params: { actualLabel: label } });
        continue;
      }
      const p = sequenceProblem(line.no, 'section', (section?.number ?? 0) + 1, sec.number);
      if (p) errors.push(p);
      section = { number: sec.number, label, title: sec.title, line: line.no };
      chapter.sections.push(section);
      openHeading = { division: section, level: line.heading, used: 0 };
      continue;
    }
    if (head) {
      started = true;
      openHeading = undefined;
      const expected = articles.length === 0 ? 1 : articles[articles.length - 1].number + 1;
      const p = sequenceProblem(line.no, 'article', expected, head.number);
      if (p) errors.push(p);
      const label = formatArticleLabel(head.number);
      if (head.glued) warnings.push({ line: line.no, code: 'article_separator_missing', params: { actualLabel: label } });
      article = {
        number: head.number,
        label,
        ...(head.caption !== undefined ? { caption: head.caption } : {}),
        ...(chapter ? { chapter: chapter.number } : {}),
        ...(section ? { section: section.number } : {}),
        paragraphs: head.body === '' ? [] : [{ text: head.body.trim(), items: [] }],
        text: '',
        line: line.no,
      };
      articles.push(article);
      nextItem = 1;
      continue;
    }
    if (!started) {
      front.push(line);
      continue;
    }
    if (!article && openHeading) {
      const { division, level, used } = openHeading;
      const expected = articles.length === 0 ? 1 : articles[articles.length - 1].number + 1;
      if (continuesHeading(lines, index, level, used, expected)) {
        division.title = compactTitle(`${division.title} ${line.text}`.trim());
        openHeading.used++;
        warnings.push({ line: line.no, code: 'heading_continued', params: { actualLabel: division.label, text: division.title } });
        continue;
      }
      openHeading = undefined;
    }
    if (!article) {
      warnings.push({ line: line.no, code: 'text_outside_article', params: { text: line.text.slice(0, 40) } });
      continue;
    }
    const paragraphs = article.paragraphs;
    const last = paragraphs[paragraphs.length - 1];
    const item = ITEM_RE.exec(line.text);
    if (item) {
      const n = parseChineseNumeral(item[1]);
      if (n !== null) {
        if (n !== nextItem) {
          const params = { expectedLabel: formatItemMarker(nextItem), actualLabel: item[0] };
          warnings.push({ line: line.no, code: 'item_number_unexpected', params });
        }
        nextItem = n + 1;
        if (last) last.items.push(line.text);
        else paragraphs.push({ text: '', items: [line.text] });
        continue;
      }
    }
    if (last && last.items.length > 0 && SUB_ITEM_RE.test(line.text)) {
      last.items[last.items.length - 1] += '\n' + line.text;
      continue;
    }
    paragraphs.push({ text: line.text, items: [] });
    nextItem = 1;
  }

  if (articles.length === 0) errors.push({ line: lines[lines.length - 1].no, code: 'no_articles', params: {} });
  if (errors.length > 0) return { ok: false, errors };

  for (const a of articles) {
    a.text = articleBodyText(a.paragraphs);
    if (a.paragraphs.length === 0) warnings.push({ line: a.line, code: 'article_empty', params: { actualLabel: a.label } });
  }
  const titleIndex = Math.max(0, front.findIndex((l) => l.heading === 1));
  const title = front[titleIndex]?.text ?? '';
  const preamble = front.filter((_, i) => i !== titleIndex).map((l) => l.text);
  const paragraphs = articles.reduce((n, a) => n + a.paragraphs.length, 0);
  const items = articles.reduce((n, a) => n + a.paragraphs.reduce((m, p) => m + p.items.length, 0), 0);
  const sections = chapters.reduce((n, c) => n + c.sections.length, 0);
  return {
    ok: true,
    text: { title, preamble, chapters, articles },
    counts: { chapters: chapters.length, sections, articles: articles.length, paragraphs, items },
    warnings,
  };
}
