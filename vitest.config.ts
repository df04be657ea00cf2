import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  // One copy of graphql: without the alias vitest loads both the ESM and the CJS build
  // and type-graphql fails with "another module or realm".
  resolve: { alias: { graphql: require.resolve('graphql') } },
  cacheDir: 'node_modules/.vitest-cache',
  test: {
    include: ['src/**/*.spec.ts', 'test/**/*.test.ts', 'console/src/**/*.spec.ts'],
    // Integration tests share one PostgreSQL database and one Redis: run files one at a time.
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    globalSetup: ['test/global-setup.ts'],
  },
});
