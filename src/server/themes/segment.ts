/**
 * Chinese word segmentation for themes: @node-rs/jieba with the dictionary that ships inside the
 * package (nothing is downloaded at run time), loaded once on first use (~1 s, ~5 MB). Only the
 * themes job imports this module, so a server that never computes themes never loads it.
 */
import { createRequire } from 'node:module';
import type { Jieba } from '@node-rs/jieba';
import { campaignCore } from '../grouping/text-features';
import { FRAME_WORDS, STOP_WORDS } from './stop-words';

let instance: Jieba | null = null;

function jieba(): Jieba {
  if (!instance) {
    // CommonJS packages with a native binding: required, not bundled (astro.config.mjs lists it external).
    const require = createRequire(import.meta.url);
    const { Jieba: JiebaClass } = require('@node-rs/jieba') as typeof import('@node-rs/jieba');
    const { dict } = require('@node-rs/jieba/dict') as { dict: Uint8Array };
    instance = JiebaClass.withDict(dict);
  }
  return instance;
}

const HAN = /\p{Script=Han}/u;
const LATIN_WORD = /^[a-z][a-z0-9'’-]*[a-z0-9]$/;

/** An English word folded to a crude stem (fees → fee, parking stays), so plural and singular match. */
function stem(word: string): string {
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss')) return word.slice(0, -1);
  return word;
}

/**
 * The terms of a comment body: its openings and sign-offs stripped (campaignCore), then jieba's
 * search-mode words (a long word and the words inside it: 上班时间 → 上班, 时间, 上班时间), keeping
 * Chinese words of two or more characters and English words of three or more letters, less the
 * stop words. Digits and punctuation are dropped.
 */
export function termsOf(body: string): string[] {
  const text = campaignCore(body).normalize('NFKC').toLowerCase();
  const out: string[] = [];
  for (const raw of jieba().cutForSearch(text, true)) {
    const w = raw.trim();
    if (!w) continue;
    if (HAN.test(w)) {
      if ([...w].length >= 2 && !STOP_WORDS.has(w)) out.push(w);
    } else if (w.length >= 3 && LATIN_WORD.test(w) && !STOP_WORDS.has(w)) {
      const s = stem(w);
      if (!STOP_WORDS.has(s)) out.push(s);
    }
  }
  return out;
}

/** How much a word found inside a longer word counts (上班 and 时间 inside 上班时间): the compound is one word, not three. */
export const PART_WEIGHT = 0.25;

/**
 * The weighted terms of a comment body, for themes (decision 028, addendum): jieba's precise words
 * (a compound once: 上班时间), each word of three or more characters adding the dictionary words
 * inside it at PART_WEIGHT (上班, 时间), so that a paraphrase cutting the compound differently still
 * meets it while the compound does not weigh three times a plain word. Chinese words of two or more
 * characters, English words of three or more letters (crude plural folding), less the stop words
 * and the frame words of a letter (FRAME_WORDS: 强烈要求, 反映, 作为...). Term → count.
 */
export function weightedTermsOf(body: string): Map<string, number> {
  const text = campaignCore(body).normalize('NFKC').toLowerCase();
  const out = new Map<string, number>();
  const add = (t: string, w: number) => out.set(t, (out.get(t) ?? 0) + w);
  const j = jieba();
  for (const raw of j.cut(text, true)) {
    const w = raw.trim();
    if (!w) continue;
    if (HAN.test(w)) {
      const len = [...w].length;
      if (len < 2) continue;
      if (!STOP_WORDS.has(w) && !FRAME_WORDS.has(w)) add(w, 1);
      if (len >= 3) {
        for (const p of j.cutForSearch(w, false)) {
          if (p !== w && [...p].length >= 2 && HAN.test(p) && !STOP_WORDS.has(p) && !FRAME_WORDS.has(p)) add(p, PART_WEIGHT);
        }
      }
    } else if (w.length >= 3 && LATIN_WORD.test(w) && !STOP_WORDS.has(w)) {
      const s = stem(w);
      if (!STOP_WORDS.has(s)) add(s, 1);
    }
  }
  return out;
}
