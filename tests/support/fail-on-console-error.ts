// A console.error, or an error logged through the logger, during a test is a failure (house style).
import { afterEach, beforeEach, vi } from 'vitest';
import { log } from '../../src/server/log';

let errors: unknown[][] = [];
beforeEach(() => {
  errors = [];
  for (const spy of [vi.spyOn(console, 'error'), vi.spyOn(log, 'error'), vi.spyOn(log, 'fatal')]) {
    spy.mockImplementation(((...args: unknown[]) => {
      errors.push(args);
    }) as never);
  }
});
afterEach(() => {
  vi.mocked(console.error).mockRestore?.();
  vi.mocked(log.error).mockRestore?.();
  vi.mocked(log.fatal).mockRestore?.();
  if (errors.length) {
    const text = errors.map((a) => a.map((x) => (x instanceof Error ? x.stack : typeof x === 'object' ? JSON.stringify(x) : String(x))).join(' ')).join('\n');
    throw new Error(`console.error (or log.error) was called during the test:\n${text}`);
  }
});
