import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // Node loads graphql's CommonJS entry for Pothos and Yoga; test files must get the same
    // instance, not the `module` (.mjs) build Vite prefers, or graphql's realm check fails.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    // Every test talks to real servers on loopback; keep runs bounded.
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
