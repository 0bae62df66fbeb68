/**
 * Renders a parsed legal text back to Markdown in the conventions the parser reads.
 */
import type { LegalArticle, LegalChapter, LegalText } from '../../src/server/drafts/parse-legal-text';

/**
 * Renders a legal text as Markdown: `# title`, the preamble lines, `## 第一章 总则`, `### 第一节 …`,
 * articles as `第一条 …` (or `第一条（caption）…`), one line per paragraph and item, blocks separated by
 * a blank line. `parseLegalText(renderLegalText(doc))` gives back `doc` except for the `line` fields.
 */
export function renderLegalText(doc: LegalText): string {
  const blocks: string[] = [];
  if (doc.title !== '') blocks.push(`# ${doc.title}`);
  blocks.push(...doc.preamble);
  const byChapter = new Map<number | undefined, LegalArticle[]>();
  for (const a of doc.articles) {
    const list = byChapter.get(a.chapter) ?? [];
    list.push(a);
    byChapter.set(a.chapter, list);
  }
  for (const a of byChapter.get(undefined) ?? []) blocks.push(...renderArticle(a));
  for (const chapter of doc.chapters) blocks.push(...renderChapter(chapter, byChapter.get(chapter.number) ?? []));
  return blocks.join('\n\n') + '\n';
}

function renderChapter(chapter: LegalChapter, articles: LegalArticle[]): string[] {
  const blocks = [heading('##', chapter.label, chapter.title)];
  for (const a of articles.filter((x) => x.section === undefined)) blocks.push(...renderArticle(a));
  for (const section of chapter.sections) {
    blocks.push(heading('###', section.label, section.title));
    for (const a of articles.filter((x) => x.section === section.number)) blocks.push(...renderArticle(a));
  }
  return blocks;
}

function heading(marks: string, label: string, title: string): string {
  return title === '' ? `${marks} ${label}` : `${marks} ${label} ${title}`;
}

/** One block per line: the heading line with the first paragraph's text, then paragraphs and items. */
function renderArticle(a: LegalArticle): string[] {
  const head = a.caption !== undefined ? `${a.label}（${a.caption}）` : a.label;
  const [first, ...rest] = a.paragraphs;
  const lines: string[] = [];
  if (!first || first.text === '') lines.push(head);
  else lines.push(a.caption !== undefined ? head + first.text : `${head} ${first.text}`);
  if (first) lines.push(...first.items.flatMap(splitLines));
  for (const p of rest) lines.push(p.text, ...p.items.flatMap(splitLines));
  return lines;
}

/** An item may hold 目 lines ("1. …") after "\n"; each goes on its own line. */
function splitLines(item: string): string[] {
  return item.split('\n');
}
