/**
 * Character-level diff of two article texts for highlighting changes, computed by jsdiff's
 * `diffArrays` over code points (a Chinese character is one token; whitespace can ride along).
 */
import { diffArrays } from 'diff';

export type DiffOp = 'equal' | 'insert' | 'delete';
export interface DiffPart {
  op: DiffOp;
  text: string;
}
export interface DiffOptions {
  /** Whitespace (incl. U+3000) is never reported as a change; equal runs carry the new text's spacing. */
  ignoreWhitespace?: boolean;
  /** Above this many edits the middle is reported as one delete and one insert (default 2000; bounds memory). */
  maxEdits?: number;
}

interface Token {
  key: string;
  text: string;
}

const WHITESPACE_RE = /[\s\u3000\u200B\uFEFF]/u;

/**
 * Diffs two strings by characters (code points). Returns parts in order: the equal and delete parts
 * concatenated give `a`, the equal and insert parts give `b`; within each changed run the delete comes
 * first. With ignoreWhitespace, whitespace rides with the preceding character and is never a change by
 * itself: equal parts carry `b`'s spacing, so equal + insert is still exactly `b`, and equal + delete is
 * `a` up to whitespace.
 */
export function diffChars(a: string, b: string, options: DiffOptions = {}): DiffPart[] {
  const ta = tokenize(a, options.ignoreWhitespace ?? false);
  const tb = tokenize(b, options.ignoreWhitespace ?? false);
  const parts: DiffPart[] = [];
  if (tb.lead !== '') parts.push({ op: 'equal', text: tb.lead });
  parts.push(...diffTokens(ta.tokens, tb.tokens, options.maxEdits ?? 2000));
  return coalesce(parts);
}

/**
 * Makes a diff of Chinese text readable: an equal run shorter than `minEqual` characters between two
 * changes is folded into them (…改为… rather than a confetti of one-character matches). Returns a new
 * coalesced list; the texts of `a` and `b` are preserved.
 */
export function mergeShortEqualities(parts: DiffPart[], minEqual = 2): DiffPart[] {
  const out: DiffPart[] = [];
  parts.forEach((p, i) => {
    const between = i > 0 && i < parts.length - 1 && parts[i - 1].op !== 'equal' && parts[i + 1].op !== 'equal';
    if (p.op === 'equal' && between && [...p.text].length < minEqual) {
      out.push({ op: 'delete', text: p.text }, { op: 'insert', text: p.text });
    } else out.push(p);
  });
  const merged = coalesce(out);
  // Folding may create new short equalities between changes; repeat until stable.
  return merged.length < parts.length ? mergeShortEqualities(merged, minEqual) : merged;
}

/** True when the two strings differ only in whitespace. */
export function sameIgnoringWhitespace(a: string, b: string): boolean {
  const strip = (s: string): string => s.replace(/[\s\u3000\u200B\uFEFF]/gu, '');
  return strip(a) === strip(b);
}

/** Code points; in whitespace-insensitive mode whitespace rides along with the preceding character. */
function tokenize(s: string, ignoreWhitespace: boolean): { lead: string; tokens: Token[] } {
  const chars = Array.from(s);
  if (!ignoreWhitespace) return { lead: '', tokens: chars.map((c) => ({ key: c, text: c })) };
  let lead = '';
  const tokens: Token[] = [];
  for (const c of chars) {
    if (!WHITESPACE_RE.test(c)) tokens.push({ key: c, text: c });
    else if (tokens.length > 0) tokens[tokens.length - 1].text += c;
    else lead += c;
  }
  return { lead, tokens };
}

/** Merges adjacent parts with the same op, drops empty ones, orders delete before insert in each change. */
function coalesce(parts: DiffPart[]): DiffPart[] {
  const out: DiffPart[] = [];
  let del = '';
  let ins = '';
  const flush = (): void => {
    if (del !== '') out.push({ op: 'delete', text: del });
    if (ins !== '') out.push({ op: 'insert', text: ins });
    del = '';
    ins = '';
  };
  for (const p of parts) {
    if (p.text === '') continue;
    if (p.op === 'delete') del += p.text;
    else if (p.op === 'insert') ins += p.text;
    else {
      flush();
      const last = out[out.length - 1];
      if (last && last.op === 'equal') last.text += p.text;
      else out.push({ op: 'equal', text: p.text });
    }
  }
  flush();
  return out;
}

/**
 * jsdiff's shortest edit script on tokens (compared by key; equal runs take `b`'s tokens), after
 * trimming the common prefix and suffix; beyond `maxEdits` the middle is one delete and one insert.
 */
function diffTokens(a: Token[], b: Token[], maxEdits: number): DiffPart[] {
  let start = 0;
  while (start < a.length && start < b.length && a[start].key === b[start].key) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1].key === b[endB - 1].key) {
    endA--;
    endB--;
  }
  const text = (tokens: Token[]): string => tokens.map((t) => t.text).join('');
  const midA = a.slice(start, endA);
  const midB = b.slice(start, endB);
  const changes =
    midA.length && midB.length
      ? diffArrays(midA, midB, { comparator: (x, y) => x.key === y.key, maxEditLength: maxEdits })
      : undefined;
  const mid: DiffPart[] = changes
    ? changes.map((c) => ({ op: c.added ? 'insert' : c.removed ? 'delete' : 'equal', text: text(c.value) }))
    : [{ op: 'delete', text: text(midA) }, { op: 'insert', text: text(midB) }];
  return [{ op: 'equal', text: text(b.slice(0, start)) }, ...mid, { op: 'equal', text: text(b.slice(endB)) }];
}
