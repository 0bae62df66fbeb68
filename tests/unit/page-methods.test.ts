/** Which pages take a POST, read from the page sources (src/server/web/page-methods.ts). */
import { describe, expect, it } from 'vitest';
import { pageAllowsMethod } from '../../src/server/web/page-methods';

describe('pageAllowsMethod', () => {
  it('lets a page with a form take its POST', () => {
    for (const route of ['/kiosk/enroll', '/signup', '/drafts/[slug]/comment', '/signout']) {
      expect(pageAllowsMethod(route, 'POST'), route).toBe(true);
    }
  });

  it('refuses a POST to a page without a form, and lets every page be read', () => {
    expect(pageAllowsMethod('/drafts/[slug]', 'POST')).toBe(false);
    expect(pageAllowsMethod('/', 'POST')).toBe(false);
    expect(pageAllowsMethod('/drafts/[slug]', 'GET')).toBe(true);
  });
});
