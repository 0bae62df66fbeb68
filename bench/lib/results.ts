/**
 * The one way a benchmark writes its section to bench/RESULTS.md: appended after a blank line,
 * unless BENCH_NO_WRITE=1 (print only). The table of current figures at the top is edited by hand.
 */
import { appendFileSync, readFileSync } from 'node:fs';

const RESULTS = new URL('../RESULTS.md', import.meta.url);

/** Appends `section` to bench/RESULTS.md (a blank line before it); nothing when BENCH_NO_WRITE=1. */
export function appendResults(section: string): void {
  if (process.env.BENCH_NO_WRITE === '1') return;
  if (!readFileSync(RESULTS, 'utf8').endsWith('\n')) appendFileSync(RESULTS, '\n');
  appendFileSync(RESULTS, `\n${section}${section.endsWith('\n') ? '' : '\n'}`);
}
