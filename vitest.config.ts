import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'bench/**/*.test.ts'],
    // *.data.test.ts need the shared benchmark data: `npm run test:bench` runs them.
    exclude: ['**/node_modules/**', '**/*.data.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // End-to-end tests start real processes on real ports; keep the two cores for them.
    maxWorkers: 2,
  },
});
