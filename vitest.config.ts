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
    // test/unit (in process), test/integration (loopback servers, child processes, redis-server),
    // test/browser (Chromium).
    include: ['test/**/*.test.ts'],
    // Two files at a time: most of a suite's time is spent waiting on loopback servers and timers.
    maxWorkers: 2,
    // Test files share a worker's module cache: loading Yoga, Pothos and the schema once per
    // worker instead of once per file. Every test builds its own servers (createServer,
    // startSimulator), so no state is shared through modules.
    isolate: false,
    // Every test talks to real servers on loopback; keep runs bounded.
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // `npm run coverage`: line coverage of the server's own code.
    coverage: { provider: 'v8', include: ['src/**'], reporter: ['text-summary', 'json-summary'] },
  },
});
