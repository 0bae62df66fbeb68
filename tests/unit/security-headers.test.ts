import { describe, expect, it } from 'vitest';
import { applySecurityHeaders, isCrossOriginWrite } from '../../src/server/web/security-headers';

const url = new URL('http://localhost:4321/api/v1/drafts/x/comments');
const req = (method: string, headers: Record<string, string> = {}) => new Request(url, { method, headers });

describe('origin check', () => {
  it('refuses a POST from another origin', () => {
    expect(isCrossOriginWrite(req('POST', { origin: 'http://evil.example' }), url)).toBe(true);
  });
  it('accepts a same-origin POST and reads', () => {
    expect(isCrossOriginWrite(req('POST', { origin: 'http://localhost:4321' }), url)).toBe(false);
    expect(isCrossOriginWrite(req('GET', { origin: 'http://evil.example' }), url)).toBe(false);
  });
  it('uses Sec-Fetch-Site when there is no Origin', () => {
    expect(isCrossOriginWrite(req('POST', { 'sec-fetch-site': 'cross-site' }), url)).toBe(true);
    expect(isCrossOriginWrite(req('POST', { 'sec-fetch-site': 'same-origin' }), url)).toBe(false);
  });
  it('lets header-less server-to-server clients through', () => {
    expect(isCrossOriginWrite(req('POST'), url)).toBe(false);
  });
});

describe('security headers', () => {
  it('forbids inline script and framing', () => {
    const h = new Headers();
    applySecurityHeaders(h);
    expect(h.get('content-security-policy')).toMatch(/script-src 'self'(;|$)/);
    expect(h.get('content-security-policy')).not.toContain('unsafe-inline');
    expect(h.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(h.get('x-content-type-options')).toBe('nosniff');
    expect(h.get('referrer-policy')).toBeTruthy();
  });
});
