/**
 * WordprocessingML for the streamed part of the DOCX report (the comments, article by article):
 * the same paragraph styles and table look as the tables the `docx` package builds, written as
 * strings so 100,000 comments never sit in memory as objects (see docs/decisions/007).
 */
import { TEXT_WIDTH } from './docx-style';

/** Escapes text for XML and drops the control characters XML 1.0 forbids. */
export function xmlText(s: string): string {
  return s
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

const BOLD = '<w:rPr><w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" w:eastAsia="黑体" w:cs="Times New Roman"/><w:b/><w:bCs/></w:rPr>';

/** One paragraph of `style`, optionally centred or bold (黑体). Newlines become paragraphs. */
export function paragraphXml(style: string, text: string, opts: { center?: boolean; bold?: boolean; keepNext?: boolean } = {}): string {
  const ppr = `<w:pPr><w:pStyle w:val="${style}"/>${opts.keepNext ? '<w:keepNext/>' : ''}${opts.center ? '<w:jc w:val="center"/>' : ''}</w:pPr>`;
  return text.split('\n').map((line) => `<w:p>${ppr}<w:r>${opts.bold ? BOLD : ''}<w:t xml:space="preserve">${xmlText(line)}</w:t></w:r></w:p>`).join('');
}

const B = 'w:val="single" w:sz="4" w:space="0" w:color="000000"';
const BORDERS = `<w:tblBorders><w:top ${B}/><w:left ${B}/><w:bottom ${B}/><w:right ${B}/><w:insideH ${B}/><w:insideV ${B}/></w:tblBorders>`;
const CELL_MARGINS = '<w:tblCellMar><w:top w:w="40" w:type="dxa"/><w:left w:w="80" w:type="dxa"/><w:bottom w:w="40" w:type="dxa"/><w:right w:w="80" w:type="dxa"/></w:tblCellMar>';

/** A streamed table: open it with its header row, add rows, close it. */
export class XmlTable {
  private readonly dxa: number[];
  constructor(widths: number[], private readonly center: boolean[] = []) {
    const sum = widths.reduce((a, b) => a + b, 0);
    this.dxa = widths.map((w) => Math.floor((TEXT_WIDTH * w) / sum));
  }

  open(headers: string[]): string {
    const grid = this.dxa.map((w) => `<w:gridCol w:w="${w}"/>`).join('');
    const head = headers.map((h, i) => this.cell([h], i, { center: true, bold: true })).join('');
    return `<w:tbl><w:tblPr><w:tblW w:w="${TEXT_WIDTH}" w:type="dxa"/>${BORDERS}<w:tblLayout w:type="fixed"/>${CELL_MARGINS}</w:tblPr>`
      + `<w:tblGrid>${grid}</w:tblGrid><w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>${head}</w:tr>`;
  }

  row(cells: Array<string | string[]>): string {
    return `<w:tr>${cells.map((c, i) => this.cell(Array.isArray(c) ? c : [c], i, { center: this.center[i] })).join('')}</w:tr>`;
  }

  close(): string {
    return '</w:tbl>';
  }

  private cell(lines: string[], i: number, opts: { center?: boolean; bold?: boolean }): string {
    const body = lines.length ? lines.map((l) => paragraphXml('TableText', l, opts)).join('') : paragraphXml('TableText', '');
    return `<w:tc><w:tcPr><w:tcW w:w="${this.dxa[i]}" w:type="dxa"/><w:vAlign w:val="center"/></w:tcPr>${body}</w:tc>`;
  }
}
