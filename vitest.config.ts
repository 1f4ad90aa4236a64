import { defineConfig } from 'vitest/config';

/**
 * Tests that measure a real stack's timing or Medic's own CPU (a game day, a bad hour): run alone, after the
 * rest, so the rest's processes do not share the two cores with what they measure.
 */
const SOLO = [
  'test/stack-game-day.test.ts',
  'test/bad-hour.test.ts',
  'test/never-silent.test.ts',
  // A stack of PostgreSQL, Redis, the API and nginx, with drills timed against its checks.
  'test/drill-db-bad-deploy.test.ts',
  // A database, an API and a web behind it, whose order of findings (and a `for:` against the keepalive's
  // first start) a parallel run's load reorders.
  'test/incidents-root-cause.test.ts',
  // A fatal sign must be healed within a probe grace of 3 s: a parallel run's load once delayed its check past
  // the grace, and the grace's playbook came first.
  'test/playbook-grace.test.ts',
  // Holds the event loop past a probe's deadline on purpose.
  'src/sources/scheduler-late-deadline.test.ts',
  // A replica's lease held through a stalled pool: its heartbeats must not be starved by a parallel run.
  'src/cluster/lease.postgres.test.ts',
];

/**
 * Unit tests that mock a module (vi.mock): they need a module graph of their own, so they run with the
 * end-to-end tests, each file isolated.
 */
const MOCKS_MODULES = ['src/core/os-pipe.test.ts', 'src/sources/probes/disk.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Removes the temporary directories each test file made (src/core/temp-dir.fixture.ts).
    setupFiles: ['test/setup/temp-dirs.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          // bench/'s tests are unit tests of the harnesses (scorers, cross-validation): no process, no port.
          include: ['src/**/*.test.ts', 'bench/**/*.test.ts'],
          // *.data.test.ts need the shared benchmark data: `npm run test:bench` runs them.
          exclude: ['**/node_modules/**', '**/*.data.test.ts', ...SOLO, ...MOCKS_MODULES],
          // One module graph per worker, not per file: importing the daemon's modules again for each of ~170
          // short files cost more than the files' tests (src/ alone: 326 s isolated, 119 s not). They restore
          // what they change (env stubs, spies), so they do not need a fresh graph each.
          isolate: false,
          maxWorkers: 2,
          // One group with 'parallel' (vitest runs a group's projects in name order: the end-to-end files first,
          // then these short ones), so these fill the two workers while the last long end-to-end files end,
          // instead of a barrier between the two projects leaving a core idle at each one's tail.
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'parallel',
          include: ['test/**/*.test.ts', ...MOCKS_MODULES],
          exclude: ['**/node_modules/**', '**/*.data.test.ts', ...SOLO],
          // End-to-end tests start real processes on real ports; keep the two cores for them.
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'solo',
          include: SOLO,
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
