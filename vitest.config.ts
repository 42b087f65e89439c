import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The example plugin's own tests run too, against the package by its name (npm workspaces link it).
    include: ['test/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // e2e suites start brokers and socat processes; keep them from fighting over 2 cores.
    pool: 'forks',
    maxWorkers: 2,
  },
});
