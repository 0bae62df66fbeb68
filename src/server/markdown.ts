/**
 * Markdown written by staff (explanatory notes 起草说明, templates) rendered to safe HTML: raw
 * HTML is escaped (html: false), bare URLs stay text (linkify: false), and markdown-it's own link
 * check drops javascript:, vbscript:, file: and most data: URLs.
 */
import MarkdownIt from 'markdown-it';

const md = new MarkdownIt({ html: false, linkify: false, typographer: false, breaks: false });

// Links leave the site in a new context without a referrer handle.
const defaultLinkOpen = md.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  const href = String(tokens[idx].attrGet('href') ?? '');
  if (/^https?:\/\//i.test(href)) tokens[idx].attrSet('rel', 'noopener noreferrer nofollow');
  return defaultLinkOpen(tokens, idx, options, env, self);
};

// A note's "# 标题" must not become a second <h1> on the page that shows it.
md.core.ruler.push('heading_offset', (state) => {
  const offset = (state.env as { headingOffset?: number }).headingOffset ?? 0;
  if (!offset) return;
  for (const token of state.tokens) {
    if ((token.type === 'heading_open' || token.type === 'heading_close') && /^h[1-6]$/.test(token.tag)) {
      token.tag = `h${Math.min(6, Number(token.tag[1]) + offset)}`;
    }
  }
});

/**
 * Renders Markdown to HTML that is safe to insert with set:html. `headingOffset` pushes headings
 * down (1 turns # into <h2>) so they fit under the page's own headings.
 */
export function renderMarkdown(source: string, options: { headingOffset?: number } = {}): string {
  return md.render(source, { headingOffset: options.headingOffset ?? 0 });
}
