import { describe, expect, it } from 'vitest';
import { metricsAllowed } from '../../src/server/metrics';
import { loadConfig } from '../../src/server/config';

describe('metricsAllowed', () => {
  it('allows listed addresses and networks, IPv4-mapped IPv6 as IPv4, nothing else', () => {
    const allow = ['127.0.0.1', '::1', '10.1.0.0/16'];
    expect(metricsAllowed('127.0.0.1', allow)).toBe(true);
    expect(metricsAllowed('::ffff:127.0.0.1', allow)).toBe(true);
    expect(metricsAllowed('::1', allow)).toBe(true);
    expect(metricsAllowed('10.1.200.3', allow)).toBe(true);
    expect(metricsAllowed('10.2.0.1', allow)).toBe(false);
    expect(metricsAllowed('192.168.1.1', allow)).toBe(false);
    expect(metricsAllowed('unknown', allow)).toBe(false);
  });

  it('defaults to the loopback addresses and refuses a malformed list', () => {
    expect(loadConfig({}).METRICS_ALLOW).toEqual(['127.0.0.1', '::1']);
    expect(() => loadConfig({ METRICS_ALLOW: '127.0.0.1,localhost' })).toThrow(/METRICS_ALLOW/);
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow();
    expect(loadConfig({ LOG_LEVEL: 'silent' }).LOG_LEVEL).toBe('silent');
  });
});
