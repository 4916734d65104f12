import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // A zone far from China's, so nothing can silently depend on running in UTC+8.
    env: { TZ: 'America/Los_Angeles' },
  },
});
