import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { zhCN } from '../../src/i18n/zh-CN';
import { en } from '../../src/i18n/en';
import { channelEnum } from '../../src/db/schema';
import { channels } from '../../src/server/review/schemas';
import { channelCodes, channelLabel } from '../../src/server/channels';

const codes = channelEnum.enumValues;
const channelKey = new RegExp(`(^|\\.)channel\\.(${codes.join('|')})$`);

function sources(): Array<{ path: string; text: string }> {
  const root = resolve(import.meta.dirname, '../../src');
  const out: Array<{ path: string; text: string }> = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else if (/\.(ts|astro|mjs|js)$/.test(e.name)) out.push({ path: relative(root, path), text: readFileSync(path, 'utf8') });
    }
  };
  walk(root);
  return out;
}

describe('one dictionary of channel names', () => {
  it('knows every channel of the database, in the same order as the inbox filter', () => {
    expect([...channelCodes]).toEqual([...codes]);
    expect([...channels]).toEqual([...codes]);
  });

  it('has exactly one key per channel, channel.<code>, in both locales', () => {
    for (const dict of [zhCN, en]) {
      const keys = Object.keys(dict).filter((k) => channelKey.test(k));
      expect(keys.sort(), 'a second channel dictionary: use channel.* through channelLabel()').toEqual(codes.map((c) => `channel.${c}`).sort());
    }
  });

  it('gives each channel its own word', () => {
    const words = codes.map((c) => channelLabel('zh-CN', c));
    expect(new Set(words).size).toBe(codes.length);
    expect(words).toEqual(['网站', '意见征集终端', '联络站扫码', '代表录入', '来信来邮', '合作系统']);
    expect(channelLabel('en', 'letter')).toBe('Letter or email');
    expect(channelLabel('zh-CN', 'fax')).toBe('fax');
  });

  it('no code builds channel names from another prefix', () => {
    const offenders = sources()
      .filter((f) => f.path !== join('server', 'channels.ts') && !/^i18n[\\/](zh-CN|en)\.ts$/.test(f.path))
      // `review.channel.${c}`, or a prefix handed to a helper: known(locale, 'report.channel', c)
      .filter((f) => /[`'"]([\w.]*\.)?channel\.\$\{/.test(f.text) || /\(\s*\w+\s*,\s*['"`]\w+\.channel['"`]\s*,/.test(f.text))
      .map((f) => f.path);
    expect(offenders).toEqual([]);
  });
});
