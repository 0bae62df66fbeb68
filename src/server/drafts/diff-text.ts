/**
 * Character-level diff of two article texts for highlighting changes (Myers' O(ND) algorithm).
 */

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
  for (const [op, token] of diffTokens(ta.tokens, tb.tokens, options.maxEdits ?? 2000)) {
    parts.push({ op, text: token.text });
  }
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

/** Myers' shortest edit script on tokens, after trimming the common prefix and suffix. */
function diffTokens(a: Token[], b: Token[], maxEdits: number): Array<[DiffOp, Token]> {
  let start = 0;
  while (start < a.length && start < b.length && a[start].key === b[start].key) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1].key === b[endB - 1].key) {
    endA--;
    endB--;
  }
  const head: Array<[DiffOp, Token]> = b.slice(0, start).map((t) => ['equal', t]);
  const tail: Array<[DiffOp, Token]> = b.slice(endB).map((t) => ['equal', t]);
  const mid = myers(a.slice(start, endA), b.slice(start, endB), maxEdits);
  return [...head, ...mid, ...tail];
}

function myers(a: Token[], b: Token[], maxEdits: number): Array<[DiffOp, Token]> {
  const n = a.length;
  const m = b.length;
  const fallback = (): Array<[DiffOp, Token]> => [
    ...a.map((t): [DiffOp, Token] => ['delete', t]),
    ...b.map((t): [DiffOp, Token] => ['insert', t]),
  ];
  if (n === 0 || m === 0) return fallback();
  const max = Math.min(n + m, maxEdits);
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  for (let d = 0; d <= max; d++) {
    trace.push(v.slice(offset - d - 1, offset + d + 2));
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1]) ? v[offset + k + 1] : v[offset + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && a[x].key === b[y].key) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) return backtrack(a, b, trace);
    }
  }
  return fallback();
}

function backtrack(a: Token[], b: Token[], trace: Int32Array[]): Array<[DiffOp, Token]> {
  const out: Array<[DiffOp, Token]> = [];
  let x = a.length;
  let y = b.length;
  for (let d = trace.length - 1; d >= 0; d--) {
    const prev = trace[d];
    const at = (k: number): number => prev[k + d + 1];
    const k = x - y;
    const prevK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1;
    const prevX = at(prevK);
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      out.push(['equal', b[y - 1]]);
      x--;
      y--;
    }
    if (d > 0) {
      if (x === prevX) out.push(['insert', b[y - 1]]);
      else out.push(['delete', a[x - 1]]);
    }
    x = prevX;
    y = prevY;
  }
  return out.reverse();
}
