import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // Real-device tests (Dawn on lavapipe) are slow on 2 cores; forks isolate native crashes per file.
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Vitest 4 moved poolOptions to the top level: lets the readback stress test force GCs via global.gc.
    execArgv: ['--expose-gc'],
  },
});
