import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Unit and integration share one run; e2e is Playwright's (tests/e2e).
    include: ['tests/unit/**/*.test.ts', 'tests/integration/**/*.test.ts'],
    globalSetup: ['tests/support/global-setup.ts'],
    setupFiles: ['tests/support/fail-on-console-error.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    env: { TZ: 'UTC' },
    reporters: ['default', ['json', { outputFile: 'reports/vitest.json' }]],
  },
});
