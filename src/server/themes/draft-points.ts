/**
 * A draft of an article's 主要意见 made from its themes ("12 人次建议……；5 人次认为……；另有 3 人次提出其他
 * 意见。"), biggest theme first. It only fills the points form: staff edit, save and confirm it
 * (reports/points.ts, decision 022), so nothing machine-made is published unreviewed. A theme with a
 * staff label is said by its label; otherwise by the first clause of its most central quote.
 * Chinese in every locale, as the report it goes into.
 */
import { t } from '../../i18n';
import { campaignCore } from '../grouping/text-features';
import type { ThemeView } from './read-themes';

const CLAUSE_MAX = 40;
const FULL_WIDTH: Record<string, string> = { ',': '，', ':': '：', ';': '；', '!': '！', '?': '？' };
const LEAD = /^(?:我们|本人|我)?(?:个人)?(建议|希望|要求|认为|觉得|感觉)[，,：:]?/u;

/** The first clause of a quote, without "我认为/建议" in front, and the verb it used. */
function gist(quote: string): { verb: 'suggest' | 'think'; text: string } {
  // campaignCore folds full-width punctuation (NFKC): set it back where it follows Chinese.
  const core = campaignCore(quote).replace(/…$/u, '').replace(/(?<=\p{Script=Han})[,:;!?]/gu, (c) => FULL_WIDTH[c] ?? c);
  const sentence = core.split(/[。！？!?；;\n]/u).find((s) => s.trim()) ?? core;
  const lead = sentence.trim().match(LEAD);
  const rest = lead ? sentence.trim().slice(lead[0].length) : sentence.trim();
  const verb = /建议|希望|要求|应当|应该|请/u.test(sentence) ? 'suggest' : 'think';
  const chars = [...rest.replace(/[，,、]+$/u, '')];
  return { verb: lead && /认为|觉得|感觉/u.test(lead[1]) ? 'think' : verb, text: chars.length > CLAUSE_MAX ? `${chars.slice(0, CLAUSE_MAX).join('')}……` : chars.join('') };
}

/** The drafted 主要意见 of one article's themes; '' when it has none. */
export function draftPointsText(themes: ThemeView[]): string {
  const parts: string[] = [];
  let others = 0;
  for (const th of [...themes].sort((a, b) => b.people - a.people || b.comments - a.comments)) {
    if (th.other) {
      others += th.people;
      continue;
    }
    if (th.labelEdited) {
      parts.push(t('zh-CN', 'themes.draft.labelled', { people: th.people, label: th.label }));
      continue;
    }
    const g = th.quotes[0] ? gist(th.quotes[0].text) : null;
    parts.push(g && g.text
      ? t('zh-CN', g.verb === 'suggest' ? 'themes.draft.suggest' : 'themes.draft.think', { people: th.people, text: g.text })
      : t('zh-CN', 'themes.draft.labelled', { people: th.people, label: th.label }));
  }
  if (others) parts.push(t('zh-CN', 'themes.draft.others', { people: others }));
  return parts.length ? `${parts.join('；')}。` : '';
}
