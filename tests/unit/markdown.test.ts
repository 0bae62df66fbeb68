import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../src/server/markdown';

describe('renderMarkdown', () => {
  it('renders headings, lists and emphasis, pushing headings down', () => {
    const html = renderMarkdown('# 说明\n\n## 一、情况\n\n1. **第九条**增加一款\n', { headingOffset: 1 });
    expect(html).toContain('<h2>说明</h2>');
    expect(html).toContain('<h3>一、情况</h3>');
    expect(html).toContain('<li><strong>第九条</strong>增加一款</li>');
  });
  it('escapes raw HTML and drops dangerous links', () => {
    const html = renderMarkdown('<script>alert(1)</script>\n\n[点我](javascript:alert(1)) <img src=x onerror=alert(1)>');
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('href="javascript:');
    expect(html).toContain('&lt;script&gt;');
  });
  it('does not turn bare URLs into links; marks external links', () => {
    expect(renderMarkdown('见 https://example.org')).not.toContain('<a');
    expect(renderMarkdown('[人大](https://www.npc.gov.cn)')).toContain('rel="noopener noreferrer nofollow"');
  });
});
