// Prints `N passed, N failed` over the vitest and Playwright JSON reports; exits 1 on any
// failure, or when a report is missing (a suite that did not run is not a pass).
import { existsSync, readFileSync } from 'node:fs';

let passed = 0, failed = 0, skipped = 0, missing = [];
const [vitestFile, playwrightFile] = process.argv.slice(2);
if (existsSync(vitestFile)) {
  const v = JSON.parse(readFileSync(vitestFile, 'utf8'));
  passed += v.numPassedTests; failed += v.numFailedTests; skipped += (v.numPendingTests ?? 0) + (v.numTodoTests ?? 0);
  // A file that failed to load has no tests but counts as a failure.
  failed += (v.testResults ?? []).filter((f) => f.status === 'failed' && (f.assertionResults ?? []).length === 0).length;
  console.log(`vitest: ${v.numPassedTests} passed, ${v.numFailedTests} failed`);
} else missing.push('vitest');
if (existsSync(playwrightFile)) {
  const p = JSON.parse(readFileSync(playwrightFile, 'utf8'));
  const s = p.stats ?? {};
  passed += (s.expected ?? 0) + (s.flaky ?? 0); failed += s.unexpected ?? 0; skipped += s.skipped ?? 0;
  failed += (p.errors ?? []).length;
  console.log(`playwright: ${(s.expected ?? 0) + (s.flaky ?? 0)} passed, ${s.unexpected ?? 0} failed`);
} else missing.push('playwright');
if (missing.length) { console.log(`missing reports: ${missing.join(', ')}`); failed += missing.length; }
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
