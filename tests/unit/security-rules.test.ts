/** The small rules behind issue 15: redirects, typed text, sign-in delays, keys, PUBLIC_URL. */
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { safeRedirect } from '../../src/server/web/redirects';
import { hasVisibleCharacter, lineText, trimInvisible } from '../../src/server/text-rules';
import { signInFailureDelayMs } from '../../src/server/auth/sign-in';
import { keyId, readOrCreateKeyFile } from '../../src/server/keys';
import { loadConfig, publicOrigin } from '../../src/server/config';
import { applySecurityHeaders } from '../../src/server/web/security-headers';

describe('safeRedirect', () => {
  it.each([
    ['//evil.test', '/'], ['/\t/evil.test', '/'], ['/\n/evil.test', '/'], ['/\\evil.test', '/'], ['\\\\evil.test', '/'],
    ['https://evil.test/a', '/'], ['http:evil.test', '/'], ['javascript:alert(1)', '/'], ['\u3000//evil.test', '/%E3%80%80//evil.test'],
    ['', '/'], [null, '/'], ['x'.repeat(3000), '/'],
    ['/account', '/account'], ['/drafts/x?round=2#a', '/drafts/x?round=2#a'], ['/é', '/%C3%A9'], ['/a\u0001b', '/a%01b'], ['relative', '/relative'],
  ])('%j → %j', (target, expected) => {
    expect(safeRedirect(target)).toBe(expected);
  });
  it('keeps the fallback it is given', () => {
    expect(safeRedirect('//evil.test', '/staff')).toBe('/staff');
  });
});

describe('typed text', () => {
  it('trims white space and zero-width characters at the edges only', () => {
    expect(trimInvisible('\u200B 张三\u200D李四 \uFEFF')).toBe('张三\u200D李四');
  });
  it('finds no visible character in blank fillers and format characters', () => {
    for (const s of ['\u200B\u200C', '\u3164\u3164', '\u2800', ' \u00A0\u3000', '\u202E']) expect(hasVisibleCharacter(s), JSON.stringify(s)).toBe(false);
    expect(hasVisibleCharacter('\u200B意')).toBe(true);
  });
  it('refuses direction controls in one line of text, and text of nothing visible', () => {
    expect(lineText(40).safeParse('张\u202E三').error?.issues[0].message).toBe('field.bidiControls');
    expect(lineText(40).safeParse('\u2066x\u2069').error?.issues[0].message).toBe('field.bidiControls');
    expect(lineText(40).safeParse('\u3164').error?.issues[0].message).toBe('field.noVisibleText');
    expect(lineText(40).parse('\u200B\u200B')).toBe('');
    expect(lineText(3).safeParse('四个字符').error?.issues[0].message).toBe('field.tooLong');
  });
});

describe('sign-in delays', () => {
  it('grow with the failures of the hour, and never pass ten seconds', () => {
    const delays = Array.from({ length: 100 }, (_, i) => signInFailureDelayMs(i + 1));
    expect(delays.slice(0, 5)).toEqual([0, 0, 0, 0, 0]);
    for (let i = 1; i < delays.length; i++) expect(delays[i]).toBeGreaterThanOrEqual(delays[i - 1]);
    expect(delays[5]).toBeGreaterThan(0);
    expect(Math.max(...delays)).toBe(10_000);
  });
});

describe('generated keys', () => {
  it('are made once, private, and read back the same by every process', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'kaimen-keys-')), 'secrets', 'audit.key');
    const keys = await Promise.all(Array.from({ length: 8 }, async () => readOrCreateKeyFile(file)));
    for (const k of keys) expect(k.equals(keys[0])).toBe(true);
    expect(keys[0].length).toBeGreaterThanOrEqual(32);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(keyId(keys[0])).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('PUBLIC_URL', () => {
  it('is the site\'s origin, or http://HOST:PORT when unset', () => {
    expect(publicOrigin(loadConfig({ PUBLIC_URL: 'https://yijian.example.gov.cn/' }))).toBe('https://yijian.example.gov.cn');
    expect(publicOrigin(loadConfig({ HOST: 'localhost', PORT: '4321' }))).toBe('http://localhost:4321');
  });
  it.each(['yijian.example.gov.cn', 'https://x.test/path', 'ftp://x.test', 'https://u:p@x.test'])('refuses %j with a clear message', (value) => {
    expect(() => loadConfig({ PUBLIC_URL: value })).toThrow(/PUBLIC_URL/);
  });
});

describe('response headers', () => {
  it('no-store for a signed-in response unless it set its own, nothing for anonymous ones', () => {
    const signedIn = new Headers();
    applySecurityHeaders(signedIn, { signedIn: true });
    expect(signedIn.get('cache-control')).toBe('no-store');
    const own = new Headers({ 'cache-control': 'private, max-age=60' });
    applySecurityHeaders(own, { signedIn: true });
    expect(own.get('cache-control')).toBe('private, max-age=60');
    const anonymous = new Headers();
    applySecurityHeaders(anonymous);
    expect(anonymous.has('cache-control')).toBe(false);
  });
});
