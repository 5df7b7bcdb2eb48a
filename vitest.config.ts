import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two test files at a time on this two-core machine: most of the suite waits on PostgreSQL,
    // Redis, child engines and sockets rather than computing, so the default of one worker
    // (cores − 1) left a core idle. Measured on the same tree: 886 s with one, 608 s with two.
    maxWorkers: 2,
  },
});
