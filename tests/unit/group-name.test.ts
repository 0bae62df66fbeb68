import { describe, expect, it } from 'vitest';
import { groupDisplayName } from '../../src/server/review/groups';

describe('groupDisplayName', () => {
  it('uses the label staff gave the group', () => {
    expect(groupDisplayName('物业费计价方式倡议', '建议物业费按面积计价。', 'zh-CN')).toBe('物业费计价方式倡议');
    expect(groupDisplayName('  加大处罚力度 ', null, 'zh-CN')).toBe('加大处罚力度');
  });

  it('names a group without a label by the first sentence of its text', () => {
    expect(groupDisplayName(null, '统一诉求：加大处罚力度。建议罚款提高到五万元。', 'zh-CN')).toBe('统一诉求：加大处罚力度');
    expect(groupDisplayName('', '  \n建议夜间施工\n须提前公告！其他', 'zh-CN')).toBe('建议夜间施工');
    expect(groupDisplayName(null, '。。。 请保留老年人的人工窗口？谢谢', 'zh-CN')).toBe('请保留老年人的人工窗口');
  });

  it('trims a long first sentence to 30 characters, ending in an ellipsis', () => {
    const long = '建议在每个社区设立固定的意见征集点并由专人负责收集整理居民提出的各类意见和建议以便及时反馈';
    const name = groupDisplayName(null, long, 'zh-CN');
    expect(Array.from(name)).toHaveLength(30);
    expect(name.endsWith('…')).toBe(true);
    expect(long.startsWith(name.slice(0, -1))).toBe(true);
    // Characters outside the BMP count once.
    expect(Array.from(groupDisplayName(null, '𠀀'.repeat(40), 'zh-CN'))).toHaveLength(30);
  });

  it('says 未命名意见组 only when there is no text to name it by', () => {
    expect(groupDisplayName(null, null, 'zh-CN')).toBe('未命名意见组');
    expect(groupDisplayName(null, ' 。！ ', 'zh-CN')).toBe('未命名意见组');
    expect(groupDisplayName(null, '', 'en')).toBe('Unnamed group');
  });
});
