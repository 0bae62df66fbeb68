import { describe, expect, it } from 'vitest';
import { checkSession, newSessionTimes, sessionPolicy } from '../../src/server/auth/session-policy';
import { isCommonPassword } from '../../src/server/auth/passwords';
import { parseAccountId, signUpSchema } from '../../src/server/auth/schemas';
import { maskContact } from '../../src/server/mask-contact';

const MIN = 60_000;
const DAY = 24 * 60 * MIN;
const t0 = new Date('2026-03-01T00:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);

describe('session policy', () => {
  it('citizens: 30 days, renewed only in the last 15', () => {
    const s = newSessionTimes('citizen', t0);
    expect(s.expiresAt).toEqual(at(30 * DAY));
    expect(checkSession('citizen', s, at(14 * DAY))).toEqual({ valid: true, changed: false });
    const renewed = checkSession('citizen', s, at(16 * DAY));
    expect(renewed.valid && renewed.changed && renewed.times.expiresAt).toEqual(at(46 * DAY));
    expect(checkSession('citizen', s, at(30 * DAY))).toEqual({ valid: false });
  });
  it('staff: 30 minutes idle, 12 hours at most', () => {
    const s = newSessionTimes('staff', t0);
    expect(s.expiresAt).toEqual(at(30 * MIN));
    expect(s.absoluteExpiresAt).toEqual(at(12 * 60 * MIN));
    expect(checkSession('staff', s, at(29 * MIN)).valid).toBe(true);
    expect(checkSession('staff', s, at(31 * MIN))).toEqual({ valid: false });
    const touched = checkSession('admin', s, at(20 * MIN));
    expect(touched.valid && touched.changed && touched.times.expiresAt).toEqual(at(50 * MIN));
    const late = { ...s, lastSeenAt: at(12 * 60 * MIN - 5 * MIN), expiresAt: at(12 * 60 * MIN + 25 * MIN) };
    expect(checkSession('staff', late, at(12 * 60 * MIN))).toEqual({ valid: false });
  });
  it('staff sessions never extend past the absolute limit', () => {
    const s = { ...newSessionTimes('staff', t0), lastSeenAt: at(11 * 60 * MIN + 50 * MIN), expiresAt: at(12 * 60 * MIN) };
    const c = checkSession('staff', s, at(11 * 60 * MIN + 55 * MIN));
    expect(c.valid && c.changed && c.times.expiresAt).toEqual(at(12 * 60 * MIN));
    expect(sessionPolicy.staffAbsoluteMs).toBe(12 * 60 * MIN);
  });
});

describe('accounts and passwords', () => {
  it('reads emails and mainland mobile numbers', () => {
    expect(parseAccountId(' Li@Example.CN ')).toEqual({ kind: 'email', value: 'li@example.cn' });
    expect(parseAccountId('+86 138-0013-8000')).toEqual({ kind: 'phone', value: '13800138000' });
    for (const bad of ['abc', '12345', '23800138000', 'a@b', '1380013800', '@x.cn']) expect(parseAccountId(bad)).toBeNull();
  });
  it('refuses common and trivial passwords', () => {
    for (const p of ['1234567890', 'Password123', 'woaini1314', 'aaaaaaaaaa', 'abcabcabcabc', 'abcdefghij']) expect(isCommonPassword(p)).toBe(true);
    expect(isCommonPassword('Zhang-san-2026')).toBe(false);
  });
  it('gives a message key per bad field on sign-up', () => {
    const r = signUpSchema.safeParse({ account: 'x', password: 'short', passwordConfirm: 'other', name: '', district: '火星', occupation: 'x'.repeat(51) });
    expect(r.success).toBe(false);
    const byField = Object.fromEntries(r.error!.issues.map((i) => [i.path.join('.'), i.message]));
    expect(byField).toMatchObject({ account: 'auth.field.account', password: 'auth.field.passwordShort', name: 'field.required', occupation: 'field.tooLong' });
  });
  it('requires a typed district when "other" is chosen', () => {
    const base = { account: 'a@b.cn', password: 'Zhang-san-2026', passwordConfirm: 'Zhang-san-2026', name: '张三' };
    expect(signUpSchema.safeParse({ ...base, district: 'other' }).success).toBe(false);
    expect(signUpSchema.safeParse({ ...base, district: 'other', districtOther: '天津市和平区' }).success).toBe(true);
    expect(signUpSchema.safeParse({ ...base, district: '海淀区' }).success).toBe(true);
  });
  it('masks contacts', () => {
    expect(maskContact('13800138000')).toBe('138****8000');
    expect(maskContact('li@example.cn')).toBe('l***@example.cn');
  });
});
