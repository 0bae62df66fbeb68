/**
 * The look of an official document (党政机关公文格式, GB/T 9704) for the DOCX report: A4, margins
 * 上37 下35 左28 右26 mm, title in 方正小标宋简体 二号, headings 黑体 三号 and 楷体 三号, body 仿宋_GB2312
 * 三号 on a fixed 28-point line, tables in 仿宋 小四 with repeated header rows, page numbers
 * "— 1 —" in 宋体 四号 at the foot. Word and WPS substitute the nearest installed font (宋体, 仿宋)
 * where a named one is missing.
 */
import type { Footer, IStylesOptions, Paragraph, Table, TableCell } from 'docx';

/** The `docx` package, loaded by the export that needs it, not at start-up (docs/decisions/030-start-up-loading.md). */
export type Docx = typeof import('docx');

export const FONT = {
  title: '方正小标宋简体',
  heading: '黑体',
  subheading: '楷体_GB2312',
  body: '仿宋_GB2312',
  song: '宋体',
  latin: 'Times New Roman',
} as const;

/** Font sizes in half-points: 二号 22pt, 三号 16pt, 四号 14pt, 小四 12pt, 五号 10.5pt. */
export const SIZE = { er: 44, san: 32, si: 28, xiaosi: 24, wu: 21 } as const;

const fonts = (eastAsia: string) => ({ ascii: FONT.latin, hAnsi: FONT.latin, eastAsia, cs: FONT.latin });

/** Millimetres to twips, rounded (docx's own helper truncates: A4 would become 11905 × 16837). */
const mm = (v: number) => Math.round((v * 1440) / 25.4);

export const page = {
  size: { width: mm(210), height: mm(297) },
  margin: { top: mm(37), bottom: mm(35), left: mm(28), right: mm(26), footer: mm(20) },
};

/** Text width of the page in twips (A4 less the side margins). */
export const TEXT_WIDTH = mm(210 - 28 - 26);

/**
 * The document's styles and the builders of its parts, made with the `docx` module the export
 * loaded: `const style = docxStyle(await import('docx'))`.
 */
export function docxStyle(docx: Docx) {
  const { AlignmentType, BorderStyle, Footer, LineRuleType, PageNumber, Paragraph, Table, TableCell, TableRow, TextRun, VerticalAlign, WidthType } = docx;

  const styles: IStylesOptions = {
    default: {
      document: {
        run: { font: fonts(FONT.body), size: SIZE.san },
        paragraph: { spacing: { line: 560, lineRule: LineRuleType.EXACT } },
      },
    },
    paragraphStyles: [
      {
        id: 'ReportTitle', name: 'Report Title', basedOn: 'Normal', next: 'Normal', quickFormat: true,
        run: { font: fonts(FONT.title), size: SIZE.er },
        paragraph: { alignment: AlignmentType.CENTER, spacing: { line: 700, lineRule: LineRuleType.EXACT, after: 200 } },
      },
      {
        id: 'Heading1', name: 'heading 1', basedOn: 'Normal', next: 'Normal', quickFormat: true,
        run: { font: fonts(FONT.heading), size: SIZE.san },
        paragraph: { indent: { firstLine: 640 }, keepNext: true, outlineLevel: 0 },
      },
      {
        id: 'Heading2', name: 'heading 2', basedOn: 'Normal', next: 'Normal', quickFormat: true,
        run: { font: fonts(FONT.subheading), size: SIZE.san },
        paragraph: { indent: { firstLine: 640 }, keepNext: true, outlineLevel: 1 },
      },
      {
        id: 'BodyText', name: 'Body Text', basedOn: 'Normal', quickFormat: true,
        paragraph: { indent: { firstLine: 640 }, alignment: AlignmentType.JUSTIFIED },
      },
      {
        id: 'Caption', name: 'caption', basedOn: 'Normal', next: 'Normal', quickFormat: true,
        run: { font: fonts(FONT.heading), size: SIZE.xiaosi },
        paragraph: { alignment: AlignmentType.CENTER, keepNext: true, spacing: { before: 240, after: 80, line: 360, lineRule: LineRuleType.AUTO } },
      },
      {
        id: 'TableText', name: 'Table Text', basedOn: 'Normal', quickFormat: true,
        run: { size: SIZE.xiaosi },
        paragraph: { spacing: { line: 360, lineRule: LineRuleType.AUTO } },
      },
    ],
  };

  /** "— 1 —" centred at the foot of every page. */
  function pageNumberFooter(): Footer {
    return new Footer({
      children: [new Paragraph({
        alignment: AlignmentType.CENTER,
        children: [new TextRun({ children: ['— ', PageNumber.CURRENT, ' —'], font: fonts(FONT.song), size: SIZE.si })],
      })],
    });
  }

  const title = (text: string) => new Paragraph({ style: 'ReportTitle', children: [new TextRun(text)] });
  const heading1 = (text: string) => new Paragraph({ style: 'Heading1', children: [new TextRun(text)] });
  const heading2 = (text: string) => new Paragraph({ style: 'Heading2', children: [new TextRun(text)] });
  const body = (text: string) => new Paragraph({ style: 'BodyText', children: [new TextRun(text)] });
  const centred = (text: string) => new Paragraph({ alignment: AlignmentType.CENTER, children: [new TextRun({ text, font: fonts(FONT.subheading) })] });
  const caption = (text: string) => new Paragraph({ style: 'Caption', children: [new TextRun(text)] });

  const border = { style: BorderStyle.SINGLE, size: 4, color: '000000' };
  const borders = { top: border, bottom: border, left: border, right: border, insideHorizontal: border, insideVertical: border };

  /** A cell of table text; lines become paragraphs, the first may be bold. */
  function cell(lines: string[], width: number, opts: { bold?: boolean; center?: boolean } = {}): TableCell {
    return new TableCell({
      width: { size: width, type: WidthType.DXA },
      verticalAlign: VerticalAlign.CENTER,
      margins: { top: 40, bottom: 40, left: 80, right: 80 },
      children: lines.map((text) => new Paragraph({
        style: 'TableText',
        alignment: opts.center ? AlignmentType.CENTER : AlignmentType.LEFT,
        children: [new TextRun({ text, bold: opts.bold, font: opts.bold ? fonts(FONT.heading) : undefined })],
      })),
    });
  }

  /**
   * A bordered table the width of the text: a header row repeated on every page, then the rows.
   * `widths` are shares of the text width; a cell given as an array holds several lines.
   */
  function table(headers: string[], rows: Array<Array<string | string[]>>, widths: number[], center: boolean[] = []): Table {
    const sum = widths.reduce((a, b) => a + b, 0);
    const dxa = widths.map((w) => Math.floor((TEXT_WIDTH * w) / sum));
    return new Table({
      width: { size: TEXT_WIDTH, type: WidthType.DXA },
      columnWidths: dxa,
      borders,
      rows: [
        new TableRow({ tableHeader: true, cantSplit: true, children: headers.map((h, i) => cell([h], dxa[i], { bold: true, center: true })) }),
        ...rows.map((r) => new TableRow({
          cantSplit: false,
          children: r.map((v, i) => cell(Array.isArray(v) ? v : [v], dxa[i], { center: center[i] })),
        })),
      ],
    });
  }

  return { styles, pageNumberFooter, title, heading1, heading2, body, centred, caption, table };
}

/** What docxStyle returns: the styles and the part builders. */
export type DocxStyle = ReturnType<typeof docxStyle>;
