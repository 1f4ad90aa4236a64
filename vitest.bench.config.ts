import { defineConfig } from 'vitest/config';

/** Tests that score Medic on the shared benchmark data (../shared/bench, or MEDIC_BENCH_DATA). */
export default defineConfig({
  test: {
    include: ['bench/**/*.data.test.ts'],
    testTimeout: 300_000,
    maxWorkers: 1,
  },
});
