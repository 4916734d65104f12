import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Alipay's timestamps are China time; pin it so signatures and URLs are reproducible.
    env: { TZ: 'Asia/Shanghai' },
  },
});
