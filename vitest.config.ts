import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Each test file in its own process: implementation selection (native.forcePortable) is
    // process-wide state of the addon.
    pool: 'forks',
    // gc() for the leak checks (test/net/lifecycle.test.ts).
    poolOptions: { forks: { execArgv: ['--expose-gc'] } },
    testTimeout: 30_000,
    // CI (TW_TEST_REPORT=1) also writes a JSON report for scripts/ci-summary.mjs.
    ...(process.env.TW_TEST_REPORT ? { reporters: ['default', 'json'], outputFile: { json: 'build/vitest.json' } } : {}),
    hookTimeout: 120_000,
  },
});
