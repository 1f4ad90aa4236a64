import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, it } from 'vitest';
import { DRAIN_GA, DRAIN_PA } from './drain.js';
import { evaluateDataset, findDatasets } from './evaluate.js';

/** Scores the miner on the shared benchmark data (`npm run test:bench`; not part of `npm test`). */
const DATA = resolve(
  process.env['MEDIC_BENCH_DATA'] ?? resolve(import.meta.dirname, '../../../shared/bench'),
  'loghub',
);

it('beats Drain on the shared Loghub data: average GA and PA, and no data set 0.02 below', () => {
  if (!existsSync(DATA)) throw new Error(`Loghub data missing at ${DATA}: this test must not pass silently`);
  const datasets = findDatasets(DATA);
  expect(datasets.length).toBeGreaterThan(0);
  const results = datasets.map((ds) => evaluateDataset(ds));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const withGa = results.filter((r) => r.ga !== null && r.name in DRAIN_GA);
  const withPa = results.filter((r) => r.pa !== null && r.name in DRAIN_PA);
  expect(mean(withGa.map((r) => r.ga as number))).toBeGreaterThan(
    mean(withGa.map((r) => DRAIN_GA[r.name] as number)),
  );
  expect(mean(withPa.map((r) => r.pa as number))).toBeGreaterThan(
    mean(withPa.map((r) => DRAIN_PA[r.name] as number)),
  );
  for (const r of withGa)
    expect(r.ga, `${r.name} GA`).toBeGreaterThanOrEqual((DRAIN_GA[r.name] as number) - 0.02);
  for (const r of withPa)
    expect(r.pa, `${r.name} PA`).toBeGreaterThanOrEqual((DRAIN_PA[r.name] as number) - 0.02);
}, 120_000);
