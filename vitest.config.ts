import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-redis.ts', 'test/helpers/global-web.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Each file starts its own servers on port 0 and uses its own Redis key prefix.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
